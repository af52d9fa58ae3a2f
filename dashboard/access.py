"""Who may open a page or act on it: the decorators and lookups every page module shares.

``member_required`` (a member of an active tenant), ``coach_required`` (a member who may act:
``Membership.can_act``), ``admin_required`` (a tenant admin), and ``job_for_member(request,
job_id, write=...)`` (the tenant's job; ``write=True`` also needs ``can_act``): a viewer who
tries to change something gets a 403 with one message, from here.

Page modules import these from here, never from one another, so no page module has to
import another one (``views`` was the helper home once, and ``comments`` and ``views`` then
imported each other).
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

from cultivate.accounts.models import Membership
from jobs import selectors

READ_ONLY = "Viewers can read lessons but not change them; ask an admin for a coach's role."


def member_required(view):
    """Signed in and a member of a tenant; ``request.tenant`` is then set."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.membership is None:
            return render(request, "dashboard/no_tenant.html", status=403)
        if request.tenant.is_suspended:
            return render(request, "dashboard/suspended.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def coach_required(view):
    """A member who may act (an admin or a coach); a viewer gets a 403."""

    @member_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.membership.can_act:
            raise PermissionDenied(READ_ONLY)
        return view(request, *args, **kwargs)

    return wrapper


def admin_required(view):
    """A tenant admin; coaches and viewers get a 403 page."""

    @member_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.membership.role != Membership.Role.ADMIN:
            return render(request, "dashboard/admin/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def job_for_member(request, job_id, *, write: bool = False):
    """The request's tenant's job ``job_id``; 404 for any other tenant's or none at all. With
    ``write``, only for a member who may act on it (403 for a viewer)."""
    job = selectors.job_get(tenant=request.tenant, job_id=job_id)
    if job is None:
        raise Http404("No such job")
    if write and not request.membership.can_act:
        raise PermissionDenied(READ_ONLY)
    return job
