"""Who may open a page: the decorators and lookups every page module shares.

Page modules import these from here, never from one another, so no page module has to
import another one (``views`` was the helper home once, and ``comments`` and ``views`` then
imported each other).
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from jobs import selectors


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


def job_for_member(request, job_id):
    """The request's tenant's job ``job_id``; 404 for any other tenant's or none at all."""
    job = selectors.job_get(tenant=request.tenant, job_id=job_id)
    if job is None:
        raise Http404("No such job")
    return job
