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
import http.client
import json
import logging
import secrets
import time
import uuid
from datetime import timedelta

import django_rq
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from redis.exceptions import RedisError

from cultivate.accounts.audit import Actor, audit_actor, audit_record
from cultivate.accounts.models import Tenant
from cultivate.accounts.notify import mail_admins_of
from cultivate.refusals import Refusal
from jobs.models import WebhookDelivery, WebhookEndpoint
from jobs.webhooks import outbound

log = logging.getLogger(__name__)

PAYLOAD_VERSION = 1
EXCERPT_CHARS = 1000
USER_AGENT = "Cultivate-Webhooks/1"


# --- endpoints ----------------------------------------------------------------------------


def webhook_create(
    *, tenant: Tenant, url: str, events: list[str], description: str = "", actor: Actor | None = None
) -> WebhookEndpoint:
    """A new endpoint with a fresh secret.

    Raises:
      Refusal: ``bad_webhook`` for a URL or event list that cannot be used;
        ``webhook_limit`` when the tenant has ``WEBHOOK_MAX_ENDPOINTS`` already.
    """
    url, events = _valid_url(url), _valid_events(events)
    with transaction.atomic():
        Tenant.objects.select_for_update(no_key=True).filter(pk=tenant.pk).first()  # count and add as one
        if WebhookEndpoint.objects.filter(tenant=tenant).count() >= settings.WEBHOOK_MAX_ENDPOINTS:
            raise Refusal(
                "webhook_limit",
                f"An organisation can have at most {settings.WEBHOOK_MAX_ENDPOINTS} webhook endpoints; "
                "remove one you no longer use first.",
            )
        endpoint = WebhookEndpoint.objects.create(
            tenant=tenant,
            url=url,
            events=events,
            description=description[:200],
            secret="whsec_" + secrets.token_urlsafe(32),
        )
        if actor is not None:
            audit_actor(actor, "webhook.create", tenant=tenant, target=endpoint, details={"url": endpoint.url})
        return endpoint


def webhook_update(
    *,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    events: list[str] | None = None,
    is_active=None,
    description: str | None = None,
    actor: Actor | None = None,
) -> WebhookEndpoint:
    """Change an endpoint; switching it back on clears its failure record. With an ``actor``,
    audited as ``webhook.enable`` or ``webhook.disable`` when only that changed, else
    ``webhook.update`` with what was sent."""
    sent = {"url": url, "events": events, "is_active": is_active, "description": description}
    sent = {k: v for k, v in sent.items() if v is not None}
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
    if actor is not None:
        action = (
            ("webhook.enable" if endpoint.is_active else "webhook.disable")
            if set(sent) == {"is_active"}
            else "webhook.update"
        )
        audit_actor(
            actor, action, tenant=endpoint.tenant, target=endpoint, details={k: _plain(v) for k, v in sent.items()}
        )
    return endpoint


def _plain(value):
    """A value as JSON keeps it (lists of strings stay lists)."""
    if isinstance(value, (str, int, float, bool, type(None))):
        return value
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return str(value)


@transaction.atomic
def webhook_delete(*, endpoint: WebhookEndpoint, actor: Actor | None = None) -> None:
    """Remove an endpoint and its delivery log."""
    if actor is not None:
        audit_actor(actor, "webhook.delete", tenant=endpoint.tenant, target=endpoint, details={"url": endpoint.url})
    endpoint.delete()


def _valid_events(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - set(WebhookEndpoint.EVENTS))
    if unknown:
        raise Refusal("bad_webhook", f"Unknown event: {', '.join(unknown)}.")
    if not events:
        raise Refusal("bad_webhook", "Choose at least one event.")
    return [e for e in WebhookEndpoint.EVENTS if e in events]


def _valid_url(url: str) -> str:
    try:
        return outbound.check_url(url, allow_private=settings.WEBHOOK_ALLOW_PRIVATE)
    except outbound.Refused as exc:
        raise Refusal("bad_webhook", f"This URL cannot be used: {exc}.") from None


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


def webhook_redeliver(*, delivery: WebhookDelivery, actor: Actor | None = None) -> WebhookDelivery:
    """Send a past delivery again, as a new delivery with the same event id and body.

    Raises:
      Refusal: ``webhook_disabled`` if the endpoint is switched off; ``rate_limited``
        after ``WEBHOOK_REDELIVERIES_PER_MINUTE`` redeliveries to the endpoint in a minute.
    """
    with transaction.atomic():
        # Locked, so parallel requests are counted one after the other.
        endpoint = WebhookEndpoint.objects.select_for_update().get(id=delivery.endpoint_id)
        if not endpoint.is_active:
            raise Refusal("webhook_disabled", "This endpoint is switched off; switch it on to redeliver.")
        recent = WebhookDelivery.objects.filter(
            endpoint=endpoint, redelivery_of__isnull=False, created_at__gte=timezone.now() - timedelta(seconds=60)
        ).count()
        if recent >= settings.WEBHOOK_REDELIVERIES_PER_MINUTE:
            raise Refusal(
                "rate_limited",
                f"At most {settings.WEBHOOK_REDELIVERIES_PER_MINUTE} redeliveries a minute go to one endpoint; "
                "try again in a minute.",
            )
        copy = WebhookDelivery.objects.create(
            endpoint=endpoint,
            event=delivery.event,
            event_id=delivery.event_id,
            payload=delivery.payload,
            redelivery_of=delivery,
            next_attempt_at=timezone.now(),
        )
        if actor is not None:
            details = {"of": str(delivery.id), "endpoint": str(endpoint.id)}
            audit_actor(actor, "webhook.redeliver", tenant=endpoint.tenant, target=copy, details=details)
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


def _post(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> dict:
    """One signed POST, through ``jobs.outbound`` (addresses checked once and connected to,
    one deadline for the whole exchange, no redirects followed)."""
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Cultivate-Event": delivery.event,
        "X-Cultivate-Event-Id": str(delivery.event_id),
        "X-Cultivate-Delivery": str(delivery.id),
        "X-Cultivate-Signature": sign(endpoint.secret, timestamp, body),
    }
    start = time.perf_counter()
    outcome = {"status": None, "excerpt": "", "error": ""}
    try:
        answer = outbound.post(
            endpoint.url,
            body,
            headers,
            deadline_s=settings.WEBHOOK_TIMEOUT_S,
            allow_private=settings.WEBHOOK_ALLOW_PRIVATE,
            limit=EXCERPT_CHARS,
        )
        outcome["status"] = answer.status
        outcome["excerpt"] = answer.body.decode("utf-8", "replace")
        if not 200 <= answer.status < 300:
            outcome["error"] = f"HTTP {answer.status}"
    except (OSError, ValueError, http.client.HTTPException) as exc:  # refused, timed out, DNS, TLS, a bad answer
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
