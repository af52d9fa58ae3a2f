# One CPU image for the web process and the RQ worker.
#   docker run cultivate          -> Daphne on :8000 (HTTP + WebSocket)
#   docker run cultivate worker   -> an RQ worker on the high, default and low queues
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DATA_DIR=/var/lib/cultivate MEDIA_ROOT=/var/lib/cultivate/media STATIC_ROOT=/app/staticfiles

RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
 && useradd --system --home /var/lib/cultivate cultivate \
 && mkdir -p /var/lib/cultivate && chown -R cultivate /var/lib/cultivate

USER cultivate
EXPOSE 8000
ENTRYPOINT ["sh", "-c", "if [ \"$1\" = worker ]; then exec python manage.py rqworker high default low --worker-class rq.worker.SimpleWorker; else python manage.py migrate --noinput && exec daphne -b 0.0.0.0 -p 8000 cultivate.asgi:application; fi", "--"]
