"""Mail to a tenant's admins: budget alerts, a webhook endpoint switched off, and the like.

It lives with the accounts because it is about who the admins are; the features that need it
(budgets, webhooks) call it and never each other for it.
"""

from __future__ import annotations

import logging

from django.core.mail import send_mail

from cultivate.accounts.models import Membership, Tenant

log = logging.getLogger(__name__)


def mail_admins_of(tenant: Tenant, *, subject: str, body: str) -> int:
    """Email every admin of the tenant who has an address; failures are logged, not raised."""
    to = list(
        Membership.objects.filter(tenant=tenant, role=Membership.Role.ADMIN)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if not to:
        return 0
    try:
        return send_mail(f"[Cultivate] {subject}", body, None, to)
    except OSError as exc:
        log.warning("mail to the admins of %s not sent: %s", tenant, exc)
        return 0
