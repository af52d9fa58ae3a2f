"""For operators: liveness, readiness, Prometheus metrics, and the staff queue view."""

from __future__ import annotations

import hmac
from datetime import timedelta
from decimal import Decimal

import django_rq
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from prometheus_client import CONTENT_TYPE_LATEST
from redis.exceptions import RedisError
from rq import Worker

from cultivate.accounts import invitations
from cultivate.accounts import services as accounts_services
from cultivate.accounts.audit import Actor
from cultivate.accounts.models import Membership, Tenant
from cultivate.refusals import Refusal
from jobs import metrics, services
from jobs.models import CostEntry, Job, month_of


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
    """``/metrics``, only for ``Authorization: Bearer <METRICS_TOKEN>``.

    The numbers tell an outsider how busy the product is and what each tenant spends, so
    with no token set they are served only with ``DEBUG`` on (a laptop); otherwise the answer
    is a 403 that says what to set.
    """
    if not settings.METRICS_TOKEN:
        if settings.DEBUG:
            return HttpResponse(metrics.render_metrics(), content_type=CONTENT_TYPE_LATEST)
        return HttpResponse(
            "Metrics are off: set METRICS_TOKEN and scrape with 'Authorization: Bearer <token>'.\n",
            status=403,
            content_type="text/plain",
        )
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), settings.METRICS_TOKEN.encode()):
        response = HttpResponse("Unauthorized\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
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
    context["throughput"] = _throughput()
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
        if services.job_rerun(job_id=job.id, actor=Actor.of(request), audit_details={"by": "operator"}):
            messages.success(request, f"Job {job.id} is queued again.")
    except Refusal as exc:
        messages.error(request, exc.message)
    return redirect("dashboard:ops")


@staff_member_required
@require_POST
def ops_job_delete(request, job_id):
    job = _any_job(job_id)
    if services.job_delete(job_id=job.id, actor=Actor.of(request), audit_details={"by": "operator"}):
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


def _throughput(hours: int = 12) -> dict:
    """Jobs finished per hour over the last ``hours`` (all tenants: operators only), with the
    mean real-time factor (recording seconds per second of work) of those that succeeded."""
    now = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    start = now - timedelta(hours=hours)
    rows = Job.objects.filter(finished_at__gte=start, status__in=[Job.Status.SUCCEEDED, Job.Status.FAILED])
    buckets = [
        {"hour": start + timedelta(hours=i), "succeeded": 0, "failed": 0, "media_s": 0.0, "rtf": []}
        for i in range(hours)
    ]
    for job in rows.select_related("video").only("status", "finished_at", "started_at", "video__probe"):
        b = buckets[min(int((job.finished_at - start).total_seconds() // 3600), hours - 1)]
        b[job.status] += 1
        if job.status == Job.Status.SUCCEEDED and job.run_seconds and job.video.duration_s:
            b["media_s"] += job.video.duration_s
            b["rtf"].append(job.video.duration_s / job.run_seconds)
    return {
        "labels": [timezone.localtime(b["hour"]).strftime("%H:00") for b in buckets],
        "succeeded": [b["succeeded"] for b in buckets],
        "failed": [b["failed"] for b in buckets],
        "media_minutes": [round(b["media_s"] / 60, 1) for b in buckets],
        "rtf": [round(sum(b["rtf"]) / len(b["rtf"]), 1) if b["rtf"] else None for b in buckets],
        "total": sum(b["succeeded"] + b["failed"] for b in buckets),
    }


@staff_member_required
@require_http_methods(["GET", "POST"])
def ops_tenants(request):
    """Staff: every tenant with its people, this month's jobs and spend against its budget;
    make a tenant (and invite its first admin), suspend or resume one, set its budget."""
    error, invite = "", None
    if request.method == "POST":
        try:
            budget = accounts_services.budget_parse(request.POST.get("monthly_budget"))
            with transaction.atomic():
                tenant = accounts_services.tenant_create(
                    name=request.POST.get("name", ""), monthly_budget=budget, actor=Actor.of(request)
                )
                email = request.POST.get("admin_email", "").strip()
                if email:
                    invitation, token = invitations.invitation_create(
                        tenant=tenant,
                        email=email,
                        role=Membership.Role.ADMIN,
                        invited_by=request.user,
                        actor=Actor.of(request),
                    )
                    invite = request.build_absolute_uri(reverse("invitation_accept", kwargs={"token": token}))
        except Refusal as exc:
            error = exc.message
        else:
            messages.success(request, f"Tenant {tenant.name} made.")
    month = month_of(timezone.now())
    tenants = Tenant.objects.annotate(
        members=Count("memberships", distinct=True),
        jobs_month=Count("jobs", filter=Q(jobs__created_at__date__gte=month), distinct=True),
    ).order_by("name")
    spent = dict(
        CostEntry.objects.filter(month=month).values("tenant").annotate(s=Sum("amount")).values_list("tenant", "s")
    )
    rows = [{"tenant": t, "spent": spent.get(t.pk, Decimal(0))} for t in tenants]
    context = {"rows": rows, "error": error, "invite": invite, "month": month}
    return render(request, "dashboard/ops_tenants.html", context, status=400 if error else 200)


@staff_member_required
@require_POST
def ops_tenant_change(request, tenant_id):
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        raise Http404("No such tenant")
    action = request.POST.get("action")
    with transaction.atomic():
        if action == "suspend" and accounts_services.tenant_suspend(tenant=tenant, actor=Actor.of(request)):
            messages.success(request, f"{tenant.name} is suspended: its people, keys and new jobs are refused.")
        elif action == "resume" and accounts_services.tenant_resume(tenant=tenant, actor=Actor.of(request)):
            messages.success(request, f"{tenant.name} is active again.")
        elif action == "budget":
            try:
                value = accounts_services.budget_parse(request.POST.get("monthly_budget"))
            except Refusal as exc:
                messages.error(request, exc.message)
            else:
                accounts_services.tenant_budget_set(tenant=tenant, value=value, actor=Actor.of(request))
                messages.success(request, f"Budget of {tenant.name} saved.")
    return redirect("dashboard:ops_tenants")
