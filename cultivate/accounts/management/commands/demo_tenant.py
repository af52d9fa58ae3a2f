"""Create the demo tenant and its admin user once; print the credentials only then."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from cultivate.accounts.models import Membership, Tenant
from cultivate.accounts.services import member_add, tenant_create


class Command(BaseCommand):
    help = "Create the demo tenant with an admin user (password from DEMO_ADMIN_PASSWORD or generated)."

    def handle(self, *args, **options):
        username = settings.DEMO_ADMIN_USERNAME
        tenant = Tenant.objects.filter(slug="demo").first() or tenant_create(
            name=settings.DEMO_TENANT_NAME, slug="demo"
        )
        if get_user_model().objects.filter(username=username).exists():
            self.stdout.write(f"Demo admin '{username}' already exists (password as printed when it was created).")
            return
        password = settings.DEMO_ADMIN_PASSWORD or secrets.token_urlsafe(12)
        member_add(tenant=tenant, username=username, password=password, role=Membership.Role.ADMIN)
        shown = password if not settings.DEMO_ADMIN_PASSWORD else "(from DEMO_ADMIN_PASSWORD)"
        self.stdout.write(self.style.SUCCESS(f"Demo admin created: username {username}  password {shown}"))
        self.stdout.write("This password is shown once; keep it.")
