"""Transcript-only analysis takes bounded input: lines, characters, and the body's bytes."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from jobs.questions import labelling
from tests.api.conftest import error_of, key_client
from tests.conftest import login

pytestmark = pytest.mark.django_db

PATH = "/api/v1/analyze/text"


def test_it_caps_the_lines_of_one_request(tenant_a):
    api = key_client(tenant_a, "viewer")
    assert labelling.MAX_LINES == 500
    refused = api.post(PATH, {"lines": ["Why?"] * 501}, format="json")
    assert refused.status_code == 400 and error_of(refused)["code"] == "validation_error"


def test_it_caps_the_characters_of_one_request(tenant_a):
    api = key_client(tenant_a, "viewer")
    lines = ["Why do you think so? " + "a" * 1500] * 70  # 70 lines, about 105,000 characters
    refused = api.post(PATH, {"lines": lines}, format="json")
    assert refused.status_code == 413
    error = error_of(refused)
    assert error["code"] == "text_too_large" and "100,000 characters" in error["message"]


def test_it_refuses_a_json_body_over_djangos_limit_before_reading_it(tenant_a, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    api = key_client(tenant_a, "viewer")
    body = json.dumps({"lines": ["Why is the sky blue?"] * 150})  # about 3,500 bytes
    refused = api.post(PATH, body, content_type="application/json")
    assert refused.status_code == 413 and error_of(refused)["code"] == "too_large"
    assert api.post(PATH, {"lines": ["Why is the sky blue?"]}, format="json").status_code == 200


def test_the_page_caps_lines_and_characters_too(client, bob):
    login(client, bob)
    path = reverse("dashboard:questions")
    too_many = client.post(path, {"text": "\n".join(["Why?"] * 501)})
    assert too_many.status_code == 413 and b"At most 500 lines" in too_many.content
    too_long = client.post(path, {"text": "\n".join(["Why do you think so? " + "a" * 1500] * 70)})
    assert too_long.status_code == 413 and b"100,000 characters" in too_long.content
