"""Deployment settings: `check --deploy` is clean with deploy/production.env, the laptop default
still works over plain HTTP, and every page carries a Content-Security-Policy."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import ROOT
from tests.factories import PASSWORD

ENV_FILE = ROOT / "deploy" / "production.env"
# Variables of the environment these tests run in that would change what the file says.
PROJECT_VARIABLES = ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "EMAIL_BACKEND")


def production_env() -> dict[str, str]:
    values = {}
    for line in ENV_FILE.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_it_passes_check_deploy_with_the_example_production_env(tmp_path):
    values = production_env()
    assert values["DEBUG"] == "false" and values["DATABASE_URL"].startswith("postgres://")
    assert "replace-me" in values["SECRET_KEY"]  # a placeholder, never a key anyone uses
    values["SECRET_KEY"] = secrets.token_urlsafe(50)  # 67 random characters
    base = {k: v for k, v in os.environ.items() if k not in PROJECT_VARIABLES}
    proc = manage("check", "--deploy", "--fail-level", "WARNING", env={**base, "DATA_DIR": str(tmp_path), **values})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "System check identified no issues" in proc.stdout


def test_check_deploy_warns_on_the_laptop_defaults(tmp_path):
    """The warnings the example file fixes are there without it: the file is what makes it clean."""
    base = {k: v for k, v in os.environ.items() if k not in PROJECT_VARIABLES}
    proc = manage("check", "--deploy", "--fail-level", "WARNING", env={**base, "DATA_DIR": str(tmp_path)})
    assert proc.returncode != 0
    for code in ("W004", "W008", "W012", "W016"):
        assert code in proc.stderr


def test_it_reads_the_proxy_header_and_refuses_a_malformed_one(tmp_path):
    base = {k: v for k, v in os.environ.items() if k not in PROJECT_VARIABLES}
    base["DATA_DIR"] = str(tmp_path)
    code = "import cultivate.settings as s; print(s.SECURE_PROXY_SSL_HEADER, s.SESSION_COOKIE_SECURE)"
    ok = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https", "SESSION_COOKIE_SECURE": "true"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https') True", ok.stderr
    bad = manage("check", env={**base, "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto"})
    assert bad.returncode != 0 and "SECURE_PROXY_SSL_HEADER" in bad.stderr


@pytest.mark.django_db
def test_the_laptop_default_signs_in_over_plain_http(client, bob):
    page = client.get(reverse("login"))
    assert page.status_code == 200  # no redirect to https
    response = client.post(reverse("login"), {"username": "bob", "password": PASSWORD})
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert cookie.value and not cookie["secure"]  # a browser sends it back over http://localhost
    assert client.get(reverse("dashboard:home")).status_code == 200
    assert "Strict-Transport-Security" not in page


@pytest.mark.django_db
def test_behind_the_https_proxy_it_redirects_plain_http_and_sends_hsts(settings, bob):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SESSION_COOKIE_SECURE = True
    client = Client()  # made after the change: the security middleware reads settings when it starts
    plain = client.get(reverse("login"))
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    assert client.get("/health").status_code == 200  # probes inside the network speak plain HTTP
    secure = client.get(reverse("login"), HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200 and secure["Strict-Transport-Security"].startswith("max-age=31536000")
    signed = client.post(reverse("login"), {"username": "bob", "password": PASSWORD}, HTTP_X_FORWARDED_PROTO="https")
    assert signed.cookies["sessionid"]["secure"]


def directives(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


@pytest.mark.django_db
def test_every_page_has_a_content_security_policy(client, bob):
    login_page = client.get(reverse("login"))
    policy = directives(login_page["Content-Security-Policy"])
    assert policy["script-src"] == "'self'"  # no inline or foreign script on the product's pages
    assert policy["style-src"] == "'self'" and policy["style-src-attr"] == "'unsafe-inline'"
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert "ws://testserver" in policy["connect-src"] and "wss://testserver" in policy["connect-src"]
    for path in ("/api/docs/", "/api/redoc/"):
        docs = directives(client.get(path)["Content-Security-Policy"])
        assert "'unsafe-inline'" in docs["script-src"], path
    assert "blob:" in directives(client.get("/api/redoc/")["Content-Security-Policy"])["worker-src"]
    assert "Content-Security-Policy" in client.get("/health")
