#!/bin/sh
# The image's entrypoint: one process per container, named by the first argument
# (docs/operations.md, "Processes"):
#
#   web (default)  HTTP and WebSockets on :$PORT (8000): the server `make run` starts
#                  (manage.py serve --web-only), WEB_WORKERS processes; migrates first
#   ws             the same as web, for deployments that send /ws/ to a service of its own
#   worker         a job worker on the high, default and low queues
#   delivery       the webhook delivery worker, on the webhooks queue
#   reconciler     requeues the jobs of lost workers, hands over jobs whose retry wait is
#                  over and webhook retries that are due: run one (two are harmless)
#   serve          all of the above in one container (a small site; REDIS_URL must answer)
#   migrate        apply database migrations, then exit
#
# ENTRYPOINT_DRY_RUN=1 prints the commands instead of running them.
set -eu

PORT="${PORT:-8000}"
WORKER_CLASS="${RQ_WORKER_CLASS:-rq.worker.SimpleWorker}"

dry() { [ "${ENTRYPOINT_DRY_RUN:-}" = 1 ]; }

# A step before the container's process.
step() {
  if dry; then echo "$*"; else "$@"; fi
}

# The container's process: it replaces the shell, so SIGTERM from the orchestrator reaches it.
become() {
  if dry; then echo "$*"; exit 0; fi
  exec "$@"
}

command="${1:-web}"
case "$command" in
  web | ws)
    step python manage.py migrate --noinput
    become python manage.py serve --web-only --host 0.0.0.0 --port "$PORT" ;;
  worker)
    become python manage.py rqworker high default low --worker-class "$WORKER_CLASS" ;;
  delivery)
    become python manage.py rqworker webhooks --worker-class "$WORKER_CLASS" ;;
  reconciler)
    become python manage.py reconcile --every "${RECONCILE_EVERY_S:-30}" ;;
  serve)
    become python manage.py serve --host 0.0.0.0 --port "$PORT" ;;
  migrate)
    become python manage.py migrate --noinput ;;
  *)
    echo "unknown command: $command (use web, ws, worker, delivery, reconciler, serve or migrate)" >&2
    exit 64 ;;
esac
