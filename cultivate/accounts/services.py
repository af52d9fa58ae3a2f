from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.text import slugify

from cultivate.accounts.models import Membership, Tenant


@transaction.atomic
def tenant_create(*, name: str, slug: str = "") -> Tenant:
    return Tenant.objects.create(name=name, slug=slug or slugify(name)[:60])


@transaction.atomic
def member_add(*, tenant: Tenant, username: str, password: str, role: str, email: str = "") -> Membership:
    """Create a user and give them ``role`` in ``tenant``."""
    user = get_user_model().objects.create_user(username=username, password=password, email=email)
    return Membership.objects.create(user=user, tenant=tenant, role=role)
