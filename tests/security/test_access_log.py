"""F11: the web server's log never keeps a token from a link (downloads, shared clips,
invitations). Real requests through the server `make run` starts, then its log is read."""

from __future__ import annotations

import logging
import secrets

import pytest

from cultivate.redact import RedactTokens, redact
from tests.conftest import free_port, start_web_server, stop_process_group, wait_for_http

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_it_keeps_link_tokens_out_of_the_access_log(tmp_path):
    port = free_port()
    log = tmp_path / "web.log"
    proc = start_web_server(port, log, WEB_WORKERS="1", LOG_LEVEL="INFO", WEB_ACCESS_LOG="true")
    tokens = {name: secrets.token_urlsafe(24) for name in ("file", "share", "invite", "query")}
    try:
        assert wait_for_http(f"http://127.0.0.1:{port}/health") == 200
        base = f"http://127.0.0.1:{port}"
        wait_for_http(f"{base}/api/v1/files/{tokens['file']}")
        wait_for_http(f"{base}/s/{tokens['share']}")
        wait_for_http(f"{base}/accounts/invite/{tokens['invite']}/")
        wait_for_http(f"{base}/no/such/page?token={tokens['query']}")
    finally:
        stop_process_group(proc)
    text = log.read_text()
    assert "GET /api/v1/files/[redacted]" in text  # the request is logged, its token is not
    assert "GET /s/[redacted]" in text
    assert "GET /accounts/invite/[redacted]/" in text
    for name, token in tokens.items():
        assert token not in text, f"the {name} token is in the server log"


def test_it_redacts_tokens_in_any_log_record():
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("/api/v1/files/abc.DEF-123",), None
    )
    assert RedactTokens().filter(record)
    assert record.getMessage() == "Not Found: /api/v1/files/[redacted]"
    assert (
        redact("GET /s/x_y-Z?x=1 and /accounts/invite/q/") == "GET /s/[redacted]?x=1 and /accounts/invite/[redacted]/"
    )
    assert redact("GET /jobs/1/result.json?token=abc&x=1") == "GET /jobs/1/result.json?token=[redacted]&x=1"
    assert redact("GET /health") == "GET /health"
