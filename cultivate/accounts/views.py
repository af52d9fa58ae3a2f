"""The public page behind an invitation link: choose a username and password, join the tenant."""

from __future__ import annotations

from django.contrib.auth import login
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from cultivate.accounts import invitations
from cultivate.accounts.audit import client_ip
from cultivate.refusals import Refusal


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    try:
        invitation = invitations.invitation_for_token(token=token)
    except Refusal as exc:
        return render(request, "accounts/invitation.html", {"refused": exc.message}, status=exc.status)
    error = ""
    if request.method == "POST":
        password = request.POST.get("password1", "")
        if password != request.POST.get("password2", ""):
            error = "The two passwords differ."
        else:
            try:
                with transaction.atomic():
                    membership = invitations.invitation_accept(
                        token=token, username=request.POST.get("username", ""), password=password, ip=client_ip(request)
                    )
                    login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            except Refusal as exc:
                error = exc.message
            else:
                return redirect("dashboard:home")
    context = {"invitation": invitation, "error": error, "username": request.POST.get("username", "")}
    return render(request, "accounts/invitation.html", context, status=400 if error else 200)
