"""Webhooks: tenant endpoints, signed deliveries sent by RQ workers, retries and redelivery.

A delivery row is written in the same transaction as the change it reports and enqueued
after commit. The row is the truth: a worker claims it with a conditional update (so a
duplicate RQ job cannot send it twice), a failure sets ``next_attempt_at`` with doubling
backoff, and the reconciler enqueues deliveries whose time has come, including those of a
worker that died mid-send. After ``WEBHOOK_MAX_ATTEMPTS`` a delivery fails; an endpoint that
has failed without a single success for ``WEBHOOK_DISABLE_AFTER_S`` is switched off and its
tenant's admins are told.

Every request carries ``X-Cultivate-Signature: t=<unix seconds>,v1=<hex>``, the HMAC-SHA256
of ``"<t>." + body`` with the endpoint's secret (``docs/webhooks.md`` has a receiver).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

import django_rq
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from redis.exceptions import RedisError

from analysis.errors import AnalysisError
from cultivate.accounts.audit import audit_record
from cultivate.accounts.models import Tenant
from jobs.models import WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)

PAYLOAD_VERSION = 1
EXCERPT_CHARS = 1000
USER_AGENT = "Cultivate-Webhooks/1"


# --- endpoints ----------------------------------------------------------------------------


def webhook_create(*, tenant: Tenant, url: str, events: list[str], description: str = "") -> WebhookEndpoint:
    """A new endpoint with a fresh secret.

    Raises:
      AnalysisError: ``bad_webhook`` for a URL or event list that cannot be used.
    """
    return WebhookEndpoint.objects.create(
        tenant=tenant,
        url=_valid_url(url),
        events=_valid_events(events),
        description=description[:200],
        secret="whsec_" + secrets.token_urlsafe(32),
    )


def webhook_update(
    *,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    events: list[str] | None = None,
    is_active=None,
    description: str | None = None,
) -> WebhookEndpoint:
    """Change an endpoint; switching it back on clears its failure record."""
    if description is not None:
        endpoint.description = description[:200]
    if url is not None:
        endpoint.url = _valid_url(url)
    if events is not None:
        endpoint.events = _valid_events(events)
    if is_active is not None:
        endpoint.is_active = bool(is_active)
        if endpoint.is_active:
            endpoint.failing_since, endpoint.disabled_reason = None, ""
    endpoint.save()
    return endpoint


def webhook_delete(*, endpoint: WebhookEndpoint) -> None:
    """Remove an endpoint and its delivery log."""
    endpoint.delete()


def _valid_events(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - set(WebhookEndpoint.EVENTS))
    if unknown:
        raise AnalysisError("bad_webhook", f"Unknown event: {', '.join(unknown)}.")
    if not events:
        raise AnalysisError("bad_webhook", "Choose at least one event.")
    return [e for e in WebhookEndpoint.EVENTS if e in events]


def _valid_url(url: str) -> str:
    parts = urlsplit((url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AnalysisError("bad_webhook", "The URL must start with https:// (or http://) and name a host.")
    if not settings.WEBHOOK_ALLOW_PRIVATE and _is_private(parts.hostname):
        raise AnalysisError("bad_webhook", "The URL points at a private or local address, which is not allowed.")
    return parts.geturl()


def _is_private(host: str) -> bool:
    """True if any address the host resolves to is loopback, private, link-local or reserved."""
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False  # unresolvable now: the delivery will fail and say so
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            return True
    return False


# --- events and deliveries ----------------------------------------------------------------


def event_emit(*, tenant: Tenant | int, event: str, data: dict, endpoint_id=None) -> list[WebhookDelivery]:
    """Queue ``event`` for every active endpoint of the tenant subscribed to it.

    Args:
      endpoint_id: Send to this endpoint only (a job submitted with its own webhook).

    Call inside the transaction that made the change: the rows commit with it, and the
    deliveries are enqueued only after the commit.
    """
    assert event in WebhookEndpoint.EVENTS, event
    tenant_id = tenant.pk if isinstance(tenant, Tenant) else tenant
    candidates = WebhookEndpoint.objects.filter(tenant_id=tenant_id, is_active=True)
    if endpoint_id:
        candidates = candidates.filter(id=endpoint_id)
    endpoints = [e for e in candidates if event in e.events]
    if not endpoints:
        return []
    event_id = uuid.uuid4()
    now = timezone.now()
    payload = {
        "version": PAYLOAD_VERSION,
        "id": str(event_id),
        "type": event,
        "created_at": now.isoformat(),
        "data": data,
    }
    deliveries = [
        WebhookDelivery.objects.create(endpoint=e, event=event, event_id=event_id, payload=payload, next_attempt_at=now)
        for e in endpoints
    ]
    ids = [d.id for d in deliveries]
    transaction.on_commit(lambda: [delivery_enqueue(delivery_id=i) for i in ids])
    return deliveries


def webhook_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a past delivery again, as a new delivery with the same event id and body.

    Raises:
      AnalysisError: ``webhook_disabled`` if the endpoint is switched off.
    """
    endpoint = WebhookEndpoint.objects.get(id=delivery.endpoint_id)  # fresh: it may just have been switched off
    if not endpoint.is_active:
        raise AnalysisError("webhook_disabled", "This endpoint is switched off; switch it on to redeliver.")
    copy = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event=delivery.event,
        event_id=delivery.event_id,
        payload=delivery.payload,
        redelivery_of=delivery,
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(lambda: delivery_enqueue(delivery_id=copy.id))
    return copy


def delivery_enqueue(*, delivery_id) -> bool:
    """Hand a delivery to a worker; if Redis is down the reconciler does it later."""
    try:
        rq_job = django_rq.get_queue(settings.WEBHOOK_QUEUE, commit_mode="auto").enqueue(
            "jobs.tasks.deliver_webhook", str(delivery_id), job_timeout=int(settings.WEBHOOK_TIMEOUT_S) + 30
        )
    except RedisError as exc:
        log.warning("webhook delivery %s not enqueued: %s", delivery_id, exc)
        return False
    WebhookDelivery.objects.filter(id=delivery_id).update(rq_id=rq_job.id)
    return True


def deliveries_due() -> QuerySet[WebhookDelivery]:
    """Pending deliveries whose (next) attempt is due: the reconciler enqueues these."""
    return WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=timezone.now())


def delivery_send(*, delivery_id) -> str:
    """One attempt at a delivery. Returns its status afterwards, or "" if it was not due.

    The claim moves ``next_attempt_at`` past the request's timeout, so neither a duplicate
    RQ job nor the reconciler sends it again while this attempt is under way; if this
    worker dies, the delivery is due again after that.
    """
    now = timezone.now()
    lease = now + timedelta(seconds=settings.WEBHOOK_TIMEOUT_S + 30)
    claimed = WebhookDelivery.objects.filter(
        id=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=lease, attempts=F("attempts") + 1, last_attempt_at=now)
    if not claimed:
        return ""
    delivery = WebhookDelivery.objects.select_related("endpoint__tenant").get(id=delivery_id)
    outcome = _post(delivery.endpoint, delivery)
    return _settle(delivery, outcome)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Cultivate-Signature`` header value for a body sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer we do not follow: it counts as a failure


_opener = urllib.request.build_opener(_NoRedirects)


def _post(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> dict:
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    timestamp = int(time.time())
    request = urllib.request.Request(
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Cultivate-Event": delivery.event,
            "X-Cultivate-Event-Id": str(delivery.event_id),
            "X-Cultivate-Delivery": str(delivery.id),
            "X-Cultivate-Signature": sign(endpoint.secret, timestamp, body),
        },
    )
    start = time.perf_counter()
    outcome = {"status": None, "excerpt": "", "error": ""}
    try:
        if not settings.WEBHOOK_ALLOW_PRIVATE and _is_private(urlsplit(endpoint.url).hostname or ""):
            raise ValueError("the URL now points at a private or local address")
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_S) as response:
            outcome["status"] = response.status
            outcome["excerpt"] = response.read(EXCERPT_CHARS).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        outcome["status"] = exc.code
        outcome["excerpt"] = exc.read(EXCERPT_CHARS).decode("utf-8", "replace") if exc.fp else ""
        outcome["error"] = f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:  # refused, timed out, DNS, TLS, a bad URL
        outcome["error"] = f"{exc.__class__.__name__}: {exc}"[:300]
    outcome["duration_ms"] = int((time.perf_counter() - start) * 1000)
    return outcome


def _settle(delivery: WebhookDelivery, outcome: dict) -> str:
    """Record the attempt; schedule the next one, or give up; track the endpoint's health."""
    ok = outcome["status"] is not None and 200 <= outcome["status"] < 300
    now = timezone.now()
    fields = {
        "response_status": outcome["status"],
        "response_excerpt": outcome["excerpt"],
        "error": "" if ok else (outcome["error"] or f"HTTP {outcome['status']}")[:300],
        "duration_ms": outcome["duration_ms"],
    }
    if ok:
        fields.update(status=WebhookDelivery.Status.SUCCEEDED, next_attempt_at=None)
    elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        fields.update(status=WebhookDelivery.Status.FAILED, next_attempt_at=None)
    else:
        wait = settings.WEBHOOK_BACKOFF_S * 2 ** (delivery.attempts - 1)
        fields.update(next_attempt_at=now + timedelta(seconds=wait))
    with transaction.atomic():
        WebhookDelivery.objects.filter(id=delivery.id).update(**fields)
        endpoint = WebhookEndpoint.objects.select_for_update().get(id=delivery.endpoint_id)
        if ok:
            if endpoint.failing_since:
                WebhookEndpoint.objects.filter(id=endpoint.id).update(failing_since=None)
        elif endpoint.failing_since is None:
            WebhookEndpoint.objects.filter(id=endpoint.id).update(failing_since=now)
        elif endpoint.is_active and now - endpoint.failing_since >= timedelta(seconds=settings.WEBHOOK_DISABLE_AFTER_S):
            _disable(endpoint, fields["error"])
    return fields.get("status", WebhookDelivery.Status.PENDING)


def _disable(endpoint: WebhookEndpoint, last_error: str) -> None:
    from jobs.budgets import mail_admins_of

    hours = settings.WEBHOOK_DISABLE_AFTER_S / 3600
    reason = f"Switched off after failing for {hours:g} hours without a success; last error: {last_error}"[:300]
    WebhookEndpoint.objects.filter(id=endpoint.id).update(is_active=False, disabled_reason=reason)
    WebhookDelivery.objects.filter(endpoint=endpoint, status=WebhookDelivery.Status.PENDING).update(
        status=WebhookDelivery.Status.FAILED, next_attempt_at=None, error="Endpoint switched off."
    )
    audit_record(tenant=endpoint.tenant, action="webhook.disable", target=endpoint, details={"reason": reason})
    subject = f"Webhook endpoint {endpoint.url} was switched off"
    body = f"{reason}\n\nSwitch it on again under Admin, Webhooks once the receiver works.\n"
    transaction.on_commit(lambda: mail_admins_of(endpoint.tenant, subject=subject, body=body))
    log.warning("webhook endpoint %s disabled: %s", endpoint.id, reason)


# --- reads ------------------------------------------------------------------------------


def webhook_list(*, tenant: Tenant) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(tenant=tenant)


def webhook_get(*, tenant: Tenant, endpoint_id) -> WebhookEndpoint | None:
    try:
        return webhook_list(tenant=tenant).filter(id=endpoint_id).first()
    except (ValidationError, ValueError, TypeError):  # a malformed id
        return None


def delivery_get(*, tenant: Tenant, delivery_id) -> WebhookDelivery | None:
    try:
        return (
            WebhookDelivery.objects.filter(endpoint__tenant=tenant, id=delivery_id).select_related("endpoint").first()
        )
    except (ValidationError, ValueError, TypeError):  # a malformed id
        return None
