"""The tenant admin's pages: budget and spend, webhooks with their delivery log, API keys,
share links, members and invitations, audit log."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.core.mail import send_mail
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cultivate.accounts import invitations
from cultivate.accounts import selectors as accounts_selectors
from cultivate.accounts import services as accounts_services
from cultivate.accounts.audit import Actor, audit_list, client_ip
from cultivate.accounts.models import Membership
from cultivate.refusals import Refusal
from dashboard.access import admin_required
from jobs import selectors
from jobs.billing import budgets, costs
from jobs.models import BudgetAlert, WebhookEndpoint
from jobs.review import shares
from jobs.webhooks import deliveries

log = logging.getLogger(__name__)


@admin_required
@require_http_methods(["GET", "POST"])
def budget(request):
    tenant = request.tenant
    error = ""
    if request.method == "POST":
        try:
            value = accounts_services.budget_parse(request.POST.get("monthly_budget"))
        except Refusal as exc:
            error = exc.message
        else:
            accounts_services.tenant_budget_set(tenant=tenant, value=value, actor=Actor.of(request))
            messages.success(request, "Budget saved.")
            return redirect("dashboard:admin_budget")
    usage = budgets.budget_usage(tenant=tenant)
    months = budgets.spend_by_month(tenant=tenant)
    context = {
        "usage": usage,
        "months": months,
        "spend_chart": {
            "labels": [f"{m['month']:%b %Y}" for m in reversed(months)],
            "values": [float(m["amount"]) for m in reversed(months)],
            "budget": float(tenant.monthly_budget) if tenant.monthly_budget is not None else None,
            "currency": settings.COST_CURRENCY,
        },
        "jobs": selectors.job_list(tenant=tenant).exclude(cost=None)[:20],
        "alerts": BudgetAlert.objects.filter(tenant=tenant, month=usage.month),
        "per_minute": costs.per_minute(),
        "rates": costs.rates(),
        "currency": settings.COST_CURRENCY,
        "error": error,
    }
    return render(request, "dashboard/admin/budget.html", context, status=400 if error else 200)


def _s(value) -> str | None:
    return None if value is None else str(value)


@admin_required
@require_http_methods(["GET", "POST"])
def webhook_list(request):
    error = ""
    if request.method == "POST":
        try:
            with transaction.atomic():
                endpoint = deliveries.webhook_create(
                    tenant=request.tenant,
                    url=request.POST.get("url", ""),
                    events=request.POST.getlist("events"),
                    description=request.POST.get("description", ""),
                    actor=Actor.of(request),
                )
        except Refusal as exc:
            error = exc.message
        else:
            messages.success(request, "Endpoint added. Its signing secret is shown below.")
            return redirect("dashboard:admin_webhook", endpoint_id=endpoint.id)
    context = {
        "endpoints": deliveries.webhook_list(tenant=request.tenant),
        "events": WebhookEndpoint.EVENTS,
        "error": error,
        "posted": request.POST if error else None,
    }
    return render(request, "dashboard/admin/webhooks.html", context, status=400 if error else 200)


def _endpoint_or_404(request, endpoint_id) -> WebhookEndpoint:
    endpoint = deliveries.webhook_get(tenant=request.tenant, endpoint_id=endpoint_id)
    if endpoint is None:
        raise Http404("No such endpoint")
    return endpoint


@admin_required
@require_http_methods(["GET"])
def webhook_detail(request, endpoint_id):
    endpoint = _endpoint_or_404(request, endpoint_id)
    page = Paginator(endpoint.deliveries.all(), 25).get_page(request.GET.get("page"))
    context = {"endpoint": endpoint, "page": page, "deliveries": page.object_list, "events": WebhookEndpoint.EVENTS}
    return render(request, "dashboard/admin/webhook.html", context)


@admin_required
@require_POST
def webhook_change(request, endpoint_id):
    """Switch an endpoint on or off, change its events, or delete it."""
    endpoint = _endpoint_or_404(request, endpoint_id)
    action = request.POST.get("action")
    with transaction.atomic():
        if action == "delete":
            deliveries.webhook_delete(endpoint=endpoint, actor=Actor.of(request))
            messages.success(request, "Endpoint deleted.")
            return redirect("dashboard:admin_webhooks")
        try:
            if action in ("enable", "disable"):
                deliveries.webhook_update(endpoint=endpoint, is_active=action == "enable", actor=Actor.of(request))
            elif action == "events":
                deliveries.webhook_update(
                    endpoint=endpoint, events=request.POST.getlist("events"), actor=Actor.of(request)
                )
            else:
                raise Refusal("bad_option", "Unknown action.")
        except Refusal as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Endpoint updated.")
    return redirect("dashboard:admin_webhook", endpoint_id=endpoint.id)


@admin_required
@require_POST
def delivery_redeliver(request, delivery_id):
    delivery = deliveries.delivery_get(tenant=request.tenant, delivery_id=delivery_id)
    if delivery is None:
        raise Http404("No such delivery")
    try:
        with transaction.atomic():
            deliveries.webhook_redeliver(delivery=delivery, actor=Actor.of(request))
    except Refusal as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{delivery.event} is being sent again.")
    return redirect("dashboard:admin_webhook", endpoint_id=delivery.endpoint_id)


@admin_required
@require_http_methods(["GET", "POST"])
def key_list(request):
    """The tenant's API keys; a new key is shown on the page that made it, and never again."""
    error, new_key = "", None
    if request.method == "POST":
        try:
            with transaction.atomic():
                key, raw = accounts_services.apikey_create(
                    tenant=request.tenant,
                    name=request.POST.get("name", ""),
                    role=request.POST.get("role", ""),
                    created_by=request.user,
                    actor=Actor.of(request),
                )
        except Refusal as exc:
            error = exc.message
        else:
            new_key = {"row": key, "raw": raw}
    context = {
        "keys": accounts_selectors.apikey_list(tenant=request.tenant),
        "roles": Membership.Role.choices,
        "new_key": new_key,
        "error": error,
    }
    return render(request, "dashboard/admin/keys.html", context, status=400 if error else 200)


@admin_required
@require_POST
def key_revoke(request, key_id):
    key = accounts_selectors.apikey_get(tenant=request.tenant, key_id=key_id)
    if key is None:
        raise Http404("No such key")
    accounts_services.apikey_revoke(key=key, actor=Actor.of(request))
    messages.success(request, f"Key {key.prefix} revoked; it stops working at once.")
    return redirect("dashboard:admin_keys")


@admin_required
@require_GET
def share_list(request):
    """Every share link of the tenant's clips and lesson reports, active ones first, with a Revoke button."""
    page = Paginator(shares.share_links_for_tenant(request.tenant), 50).get_page(request.GET.get("page"))
    return render(request, "dashboard/admin/shares.html", {"page": page, "links": page.object_list})


@admin_required
@require_POST
def share_revoke(request, link_id):
    link = shares.share_link_revoke(tenant=request.tenant, link_id=link_id, user=request.user, ip=client_ip(request))
    if link is None:
        raise Http404("No such share link")
    subject = shares.share_link_subject(link)
    messages.success(request, f"The link to {subject} of {link.job.video.original_name} was revoked.")
    return redirect("dashboard:admin_shares")


@admin_required
@require_GET
def audit(request):
    page = Paginator(audit_list(tenant=request.tenant), 50).get_page(request.GET.get("page"))
    return render(request, "dashboard/admin/audit.html", {"page": page, "entries": page.object_list})


@admin_required
@require_http_methods(["GET", "POST"])
def members(request):
    """Members with their roles, open invitations, and a form to invite someone by email.

    A new invitation's link is shown on the page that made it (and emailed), and never again.
    """
    error, new_link = "", None
    if request.method == "POST":
        try:
            with transaction.atomic():
                invitation, token = invitations.invitation_create(
                    tenant=request.tenant,
                    email=request.POST.get("email", ""),
                    role=request.POST.get("role", ""),
                    invited_by=request.user,
                    actor=Actor.of(request),
                )
        except Refusal as exc:
            error = exc.message
        else:
            new_link = request.build_absolute_uri(reverse("invitation_accept", args=[token]))
            sent = _send_invitation(request, invitation, new_link)
            new_link = {"url": new_link, "email": invitation.email, "sent": sent}
    context = {
        "members": invitations.member_list(tenant=request.tenant),
        "invitations": invitations.invitation_list_open(tenant=request.tenant),
        "roles": Membership.Role.choices,
        "new_link": new_link,
        "ttl_days": max(1, round(settings.INVITATION_TTL_S / 86400)),
        "error": error,
        "posted": request.POST if error else None,
    }
    return render(request, "dashboard/admin/members.html", context, status=400 if error else 200)


def _send_invitation(request, invitation, link: str) -> bool:
    inviter = request.user.get_full_name() or request.user.get_username()
    body = (
        f"{inviter} invites you to join {request.tenant.name} on Cultivate as {invitation.get_role_display().lower()}.\n\n"
        f"Open this link to choose a username and password (it works once, until "
        f"{invitation.expires_at:%d %b %Y}):\n\n{link}\n"
    )
    try:
        return bool(send_mail(f"[Cultivate] Join {request.tenant.name}", body, None, [invitation.email]))
    except OSError as exc:
        log.warning("invitation mail to %s not sent: %s", invitation.email, exc)
        return False


@admin_required
@require_POST
def member_change(request, membership_id):
    """Change a member's role, or remove them from the tenant."""
    membership = invitations.member_get(tenant=request.tenant, membership_id=membership_id)
    if membership is None:
        raise Http404("No such member")
    name = membership.user.get_username()
    try:
        with transaction.atomic():
            if request.POST.get("action") == "remove":
                invitations.member_remove(membership=membership, actor=Actor.of(request))
                messages.success(request, f"{name} removed.")
            else:
                role = request.POST.get("role", "")
                invitations.member_role_change(membership=membership, role=role, actor=Actor.of(request))
                messages.success(request, f"{name} is now {membership.get_role_display().lower()}.")
    except Refusal as exc:
        messages.error(request, exc.message)
    return redirect("dashboard:admin_members")


@admin_required
@require_POST
def invitation_revoke(request, invitation_id):
    invitation = invitations.invitation_get(tenant=request.tenant, invitation_id=invitation_id)
    if invitation is None:
        raise Http404("No such invitation")
    invitations.invitation_revoke(invitation=invitation, actor=Actor.of(request))
    messages.success(request, f"The invitation to {invitation.email} was withdrawn; its link no longer works.")
    return redirect("dashboard:admin_members")
