"""For operators: liveness, readiness, Prometheus metrics, and the staff queue view."""

from __future__ import annotations

import hmac

import django_rq
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.files.storage import default_storage
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from prometheus_client import CONTENT_TYPE_LATEST
from redis.exceptions import RedisError
from rq import Worker

from analysis.errors import AnalysisError
from cultivate.accounts.audit import audit_request
from jobs import metrics, services
from jobs.models import Job


@require_GET
def health(request):
    """Liveness: the process answers."""
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def ready(request):
    """Ready when the database, Redis and storage all answer."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # any driver error means "not ready"
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        django_rq.get_connection("default").ping()
        checks["redis"] = "ok"
    except (RedisError, OSError) as exc:
        checks["redis"] = f"error: {exc.__class__.__name__}"
    try:
        default_storage.exists("ready-check")  # a round trip to the bucket or the disk
        checks["storage"] = "ok"
    except Exception as exc:  # boto, azure and OS errors alike mean "not ready"
        checks["storage"] = f"error: {exc.__class__.__name__}"
    ok = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503)


@require_GET
@never_cache
def prometheus(request):
    """``/metrics``; with ``METRICS_TOKEN`` set, only for ``Authorization: Bearer <token>``."""
    if settings.METRICS_TOKEN:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), settings.METRICS_TOKEN.encode()):
            return HttpResponse("Unauthorized\n", status=401, content_type="text/plain")
    return HttpResponse(metrics.render_metrics(), content_type=CONTENT_TYPE_LATEST)


@staff_member_required
@require_GET
def ops_home(request):
    """Queues and their depth, workers and what they run, failed jobs to retry or delete."""
    context = {"failed": Job.objects.filter(status=Job.Status.FAILED).select_related("tenant", "video")[:50]}
    try:
        context["queues"] = [_queue_row(name) for name in settings.RQ_QUEUES]
        context["workers"] = [_worker_row(w) for w in Worker.all(connection=django_rq.get_connection("default"))]
    except RedisError as exc:
        context["redis_error"] = f"Redis could not be reached: {exc.__class__.__name__}"
    context["running"] = Job.objects.filter(status=Job.Status.RUNNING).select_related("tenant", "video")[:50]
    return render(request, "dashboard/ops.html", context)


def _queue_row(name: str) -> dict:
    queue = django_rq.get_queue(name)
    return {
        "name": name,
        "depth": queue.count,
        "started": queue.started_job_registry.count,
        "failed": queue.failed_job_registry.count,
    }


def _worker_row(worker: Worker) -> dict:
    rq_job = worker.get_current_job()
    job_id = rq_job.args[0] if rq_job is not None and rq_job.args else None
    return {
        "name": worker.name,
        "state": worker.get_state(),
        "queues": ", ".join(worker.queue_names()),
        "job_id": job_id if rq_job is not None and rq_job.func_name == "jobs.tasks.run_job" else None,
        "task": rq_job.func_name if rq_job is not None else "",
        "heartbeat": worker.last_heartbeat,
    }


@staff_member_required
@require_POST
def ops_job_retry(request, job_id):
    job = _any_job(job_id)
    try:
        if services.job_rerun(job_id=job.id):
            audit_request(request, "job.rerun", target=job, tenant=job.tenant, details={"by": "operator"})
            messages.success(request, f"Job {job.id} is queued again.")
    except AnalysisError as exc:
        messages.error(request, exc.message)
    return redirect("dashboard:ops")


@staff_member_required
@require_POST
def ops_job_delete(request, job_id):
    job = _any_job(job_id)
    if services.job_delete(job_id=job.id):
        audit_request(request, "job.delete", target=job, tenant=job.tenant, details={"by": "operator"})
        messages.success(request, f"Job {job.id} was deleted.")
    else:
        messages.error(request, "Only finished jobs can be deleted.")
    return redirect("dashboard:ops")


def _any_job(job_id) -> Job:
    """Staff act across tenants; this lookup is only reachable behind staff_member_required."""
    job = Job.objects.select_related("tenant").filter(id=job_id).first()
    if job is None:
        raise Http404("No such job")
    return job
