"""Mail printed to the console (the default backend) keeps one-time links out of the log;
a real backend still sends them."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from django.core import mail
from django.urls import reverse

import cultivate.settings as defaults  # the module: the test run overrides django.conf.settings
from cultivate.accounts.models import Membership
from tests.conftest import ROOT, login

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long and quiet meadow"


def test_it_prints_console_mail_by_default():
    env = {k: v for k, v in os.environ.items() if k != "EMAIL_BACKEND"}
    code = "import cultivate.settings as s; print(s.EMAIL_BACKEND)"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "cultivate.mail.ConsoleBackend", proc.stderr


def test_it_leaves_the_invitation_token_out_of_the_log(client, alice, tenant_a, settings, capsys):
    settings.EMAIL_BACKEND = defaults.EMAIL_BACKEND  # what a server with no mail settings uses
    login(client, alice)
    response = client.post(reverse("dashboard:admin_members"), {"email": "nora@example.org", "role": "coach"})
    assert response.status_code == 200
    (link,) = re.findall(r"http://testserver/accounts/invite/[A-Za-z0-9_-]+/", response.content.decode())
    token = link.rstrip("/").rsplit("/", 1)[-1]
    printed = capsys.readouterr()
    assert "nora@example.org" in printed.out  # the mail was printed...
    assert "http://testserver/accounts/invite/[redacted]/" in printed.out  # ...with its link redacted
    assert token not in printed.out + printed.err

    # The link on the admin's page still works.
    client.logout()
    path = link.removeprefix("http://testserver")
    done = client.post(path, {"username": "nora", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert Membership.objects.filter(user__username="nora", tenant=tenant_a, role="coach").exists()


def test_a_real_backend_still_sends_the_link(client, alice, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    login(client, alice)
    response = client.post(reverse("dashboard:admin_members"), {"email": "nora@example.org", "role": "coach"})
    (message,) = mail.outbox
    (link,) = re.findall(r"http://testserver/accounts/invite/[A-Za-z0-9_-]+/", message.body)
    assert link in response.content.decode()


def test_it_redacts_share_reset_and_signed_links_but_keeps_the_site():
    from cultivate import mail as cultivate_mail

    body = (
        "Reset: https://cultivate.example-district.org/accounts/reset/MQ/c9x3kq-8f0b2e6a4d1c7e9f0a2b4c6d/\n"
        "Clip: https://cultivate.example-district.org/s/Zm9vYmFyYmF6cXV4cXV1eDEyMzQ1Njc4OTA\n"
        "File: http://localhost:8000/api/v1/files/abc?sig=QWxhZGRpbjpvcGVuIHNlc2FtZQ&expires=1767225600\n"
        "Budget: http://localhost:8000/admin-area/budget/"
    )
    shown = cultivate_mail.redact(body)
    for secret in (
        "c9x3kq-8f0b2e6a4d1c7e9f0a2b4c6d",
        "Zm9vYmFyYmF6cXV4cXV1eDEyMzQ1Njc4OTA",
        "QWxhZGRpbjpvcGVuIHNlc2FtZQ",
    ):
        assert secret not in shown
    assert "https://cultivate.example-district.org/s/[redacted]" in shown
    assert "http://localhost:8000/admin-area/budget/" in shown  # nothing secret: left as it was


def test_it_redacts_an_html_alternative_too(capsys):
    from django.core.mail import EmailMultiAlternatives

    from cultivate import mail as cultivate_mail

    message = EmailMultiAlternatives("Join", "Open http://x.org/accounts/invite/SeCrEtSeCrEtSeCrEt123/", to=["a@b.org"])
    message.attach_alternative('<a href="http://x.org/accounts/invite/SeCrEtSeCrEtSeCrEt123/">join</a>', "text/html")
    cultivate_mail.ConsoleBackend().send_messages([message])
    out = capsys.readouterr().out
    assert "SeCrEtSeCrEtSeCrEt123" not in out and out.count("[redacted]") == 2
    assert "SeCrEtSeCrEtSeCrEt123" in message.body  # the message itself is not changed
