"""Sign-in is throttled per address and per username (django-axes); the question checker and
the opening of upload sessions are limited per user like the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from cultivate.api import throttling
from tests.conftest import login
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LIMIT = 3  # a low limit keeps these tests short (each wrong password costs a hash)


@pytest.fixture(autouse=True)
def low_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT


@pytest.fixture(autouse=True)
def page_counters(monkeypatch):
    """A fresh count for each test, in an hour-long window so no minute ends mid-test."""
    monkeypatch.setattr(throttling, "WINDOW_S", 3600)
    redis = throttling._redis(settings.REDIS_URL)
    for key in redis.scan_iter("cultivate:throttle:page:*"):
        redis.delete(key)
    yield
    for key in redis.scan_iter("cultivate:throttle:page:*"):
        redis.delete(key)


def sign_in(client, username, password, ip="203.0.113.7", path=None, **headers):
    return client.post(
        path or reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip, **headers
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_it_refuses_the_right_password_after_too_many_wrong_ones(client, alice, settings):
    assert settings.SIGNIN_FAILURE_LIMIT == 10
    settings.AXES_FAILURE_LIMIT = settings.SIGNIN_FAILURE_LIMIT  # the product's default, once
    for _ in range(settings.SIGNIN_FAILURE_LIMIT - 1):
        assert sign_in(client, "alice", "wrong password").status_code == 200  # the form again, with its error
    assert sign_in(client, "alice", "wrong password").status_code == 429  # the last one allowed
    response = sign_in(client, "alice", PASSWORD)
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()
    assert not signed_in(client)


def test_it_counts_a_username_across_addresses(client, alice):
    for n in range(LIMIT):
        sign_in(client, "alice", "wrong password", ip=f"198.51.100.{n + 1}")
    assert sign_in(client, "alice", PASSWORD, ip="192.0.2.200").status_code == 429
    assert not signed_in(client)


def test_it_counts_an_address_across_usernames_and_spares_other_addresses(client, alice, bob):
    for n in range(LIMIT):
        sign_in(client, f"guess{n}", "wrong password", ip="203.0.113.9")
    assert sign_in(client, "bob", PASSWORD, ip="203.0.113.9").status_code == 429
    assert not signed_in(client)
    assert sign_in(client, "bob", PASSWORD, ip="203.0.113.10").status_code == 302
    assert signed_in(client)


def test_it_takes_the_address_the_proxy_added_when_behind_one(client, bob, settings):
    settings.USE_X_FORWARDED_FOR = True
    for n in range(LIMIT):  # all through one proxy, from one client that claims other addresses
        sign_in(client, f"guess{n}", "wrong", ip="10.0.0.2", HTTP_X_FORWARDED_FOR=f"1.1.1.{n}, 198.51.100.77")
    assert sign_in(client, "bob", PASSWORD, ip="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.77").status_code == 429
    # Another client behind the same proxy is not locked out by the first one's failures.
    assert sign_in(client, "bob", PASSWORD, ip="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.78").status_code == 302


def test_it_throttles_the_django_admin_sign_in_too(client, alice):
    alice.is_staff = True
    alice.save()
    admin_login = reverse("admin:login")
    for _ in range(LIMIT):
        sign_in(client, "alice", "wrong password", path=admin_login)
    assert sign_in(client, "alice", PASSWORD, path=admin_login).status_code == 429
    assert not signed_in(client)


def test_it_lets_sign_in_again_once_the_pause_is_over(client, alice):
    from axes.models import AccessAttempt

    for _ in range(LIMIT):
        sign_in(client, "alice", "wrong password")
    assert sign_in(client, "alice", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(seconds=settings.SIGNIN_LOCKOUT_S + 1))
    assert sign_in(client, "alice", PASSWORD).status_code == 302
    assert signed_in(client)


def test_it_keeps_the_api_session_and_the_test_sign_in_working(client, bob):
    assert sign_in(client, "bob", "one wrong try").status_code == 200
    login(client, bob)
    assert client.get("/api/v1/jobs").status_code == 200
    assert client.get(reverse("dashboard:home")).status_code == 200


def test_it_limits_the_question_checker_per_user(client, bob, vera, settings):
    settings.QUESTION_CHECKS_PER_MINUTE = 3
    login(client, bob)
    path = reverse("dashboard:questions")
    assert [client.post(path, {"text": ""}).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.post(path, {"text": "Why do leaves fall?"})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "at most 3 a minute" in refused.content.decode()
    assert client.get(path).status_code == 200  # reading the page is not counted
    other = login(client.__class__(), vera)
    assert other.post(path, {"text": ""}).status_code == 200  # counted per user


def test_it_limits_opening_upload_sessions_per_user(client, bob, alice, settings):
    settings.UPLOAD_SESSIONS_PER_MINUTE = 2
    login(client, bob)
    path = reverse("dashboard:upload_sessions")
    made = [client.post(path, {"name": f"lesson{n}.mp4", "size": 1000}).status_code for n in range(2)]
    assert made == [201, 201]
    refused = client.post(path, {"name": "lesson3.mp4", "size": 1000})
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert int(refused["Retry-After"]) > 0
    other = login(client.__class__(), alice)
    assert other.post(path, {"name": "lesson.mp4", "size": 1000}).status_code == 201


@pytest.mark.parametrize(
    ("username", "password", "why"),
    [
        ("nora", "quietmoss", b"at least 10 characters"),  # 9 characters
        ("nora", "4815162342", b"entirely numeric"),
        ("nora.wilson", "nora.wilson1", b"too similar"),
        ("nora", "password123", b"too common"),
    ],
)
def test_it_refuses_weak_passwords_when_accepting_an_invitation(client, alice, tenant_a, username, password, why):
    from cultivate.accounts import invitations

    _, token = invitations.invitation_create(tenant=tenant_a, email="nora@example.org", role="coach")
    path = reverse("invitation_accept", args=[token])
    refused = client.post(path, {"username": username, "password1": password, "password2": password})
    assert refused.status_code == 400 and why in refused.content
    done = client.post(
        path, {"username": username, "password1": "a long and quiet meadow", "password2": "a long and quiet meadow"}
    )
    assert done.status_code == 302


def test_the_demo_tenant_still_gets_a_password_that_passes(db):
    from io import StringIO

    from django.contrib.auth import get_user_model, password_validation
    from django.core.management import call_command

    out = StringIO()
    call_command("demo_tenant", stdout=out)
    password = out.getvalue().split("password ", 1)[1].split()[0]
    user = get_user_model().objects.get(username=settings.DEMO_ADMIN_USERNAME)
    password_validation.validate_password(password, user)
    assert user.check_password(password)
