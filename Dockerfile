# One CPU image for every process (docs/operations.md):
#   docker run cultivate          -> Daphne on :8000, HTTP and WebSockets (one container, small sites)
#   docker run cultivate web      -> gunicorn on :8000, HTTP only (production, with `ws` beside it)
#   docker run cultivate ws       -> Daphne on :8000 for the proxy's /ws/ (add ?pool=true to DATABASE_URL)
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
ENTRYPOINT ["sh", "-c", "case \"$1\" in \
  worker) exec python manage.py rqworker high default low --worker-class rq.worker.SimpleWorker ;; \
  web) python manage.py migrate --noinput && exec gunicorn cultivate.wsgi:application --bind 0.0.0.0:8000 --workers \"${WEB_WORKERS:-2}\" --timeout 600 ;; \
  *) python manage.py migrate --noinput && exec daphne -b 0.0.0.0 -p 8000 cultivate.asgi:application ;; \
esac", "--"]
