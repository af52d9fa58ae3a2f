"""The OpenAPI document: complete, served with its docs pages from local files, and true.

Schemathesis generates requests from the schema for every operation and sends them to a
live server; every response must be no server error, carry a documented status and
content type, and match the documented body.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from cultivate.accounts.services import apikey_create
from jobs.webhooks import deliveries
from tests.factories import JobFactory

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def test_the_schema_is_valid_and_documents_every_operation(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(out), "--validate", "--fail-on-warn")
    schema = yaml.safe_load(out.read_text())
    operations = {(m, p) for p, ops in schema["paths"].items() for m in ops}
    assert {
        ("post", "/api/v1/jobs"),
        ("get", "/api/v1/jobs"),
        ("get", "/api/v1/jobs/{job_id}"),
        ("delete", "/api/v1/jobs/{job_id}"),
        ("post", "/api/v1/jobs/{job_id}/retry"),
        ("get", "/api/v1/jobs/{job_id}/result"),
        ("get", "/api/v1/jobs/{job_id}/artifacts"),
        ("get", "/api/v1/jobs/{job_id}/corrections"),
        ("post", "/api/v1/jobs/{job_id}/corrections"),
        ("post", "/api/v1/analyze/text"),
        ("get", "/api/v1/webhooks"),
        ("post", "/api/v1/webhooks"),
        ("patch", "/api/v1/webhooks/{endpoint_id}"),
        ("delete", "/api/v1/webhooks/{endpoint_id}"),
        ("get", "/api/v1/webhooks/{endpoint_id}/deliveries"),
        ("post", "/api/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver"),
        ("get", "/api/v1/usage"),
        ("get", "/api/v1/keys"),
        ("post", "/api/v1/keys"),
        ("delete", "/api/v1/keys/{key_id}"),
    } <= operations
    assert schema["components"]["securitySchemes"]["apiKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["apiKey"]["description"],
    }
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            assert op.get("summary"), (method, path)
            assert (
                "404" in op["responses"]
                and "200" in op["responses"]
                or any(code.startswith("2") for code in op["responses"])
            )
            error = op["responses"]["404"]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/Error"}


def test_the_committed_schema_of_the_client_is_current(tmp_path, settings):
    """clients/openapi.yaml (and the client made from it) must follow the API: run `make client`."""
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(out))
    committed = Path(__file__).resolve().parents[2] / "clients" / "openapi.yaml"
    assert yaml.safe_load(out.read_text()) == yaml.safe_load(committed.read_text()), "run `make client`"


@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
def test_the_docs_pages_load_everything_from_this_site(client, db, page):
    response = client.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, html[:500]
    assert not [s for s in sources if s.startswith(("http:", "https:", "//"))], sources
    for source in sources:
        if source.startswith("/static/"):
            assert client.get(source).status_code == 200, source


@pytest.mark.timeout(900)
def test_schemathesis_finds_no_server_errors_and_no_schema_mismatch(
    live_server, transactional_db, tenant_a, settings, tmp_path
):
    """Every operation, positive and negative data, a bounded number of examples each."""
    settings.WEBHOOK_ALLOW_PRIVATE = True
    tenant_a.api_requests_per_minute = 100000
    tenant_a.save()
    key, raw = apikey_create(tenant=tenant_a, name="fuzz", role="admin", requests_per_minute=100000)
    # Some rows to find, so that reads and writes reach past the 404s.
    job = JobFactory(video__tenant=tenant_a, status="succeeded")
    job.result_file.save("result.json", ContentFile(b'{"schema": "cultivate.result/1"}'))
    default_storage.save(f"results/{tenant_a.pk}/{job.id}/highlights/01.mp4", ContentFile(b"clip"))
    deliveries.webhook_create(tenant=tenant_a, url="http://127.0.0.1:9/hook", events=["job.failed"])

    result = subprocess.run(
        [
            str(SCHEMATHESIS),
            "run",
            f"{live_server.url}/api/schema/?format=json",
            "--url",
            f"{live_server.url}",
            "--header",
            f"Authorization: Bearer {raw}",
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--max-examples",
            "8",
            "--seed",
            "20261130",
            "--workers",
            "1",
            "--request-timeout",
            "30",
            "--generation-database",
            "none",
            "--no-color",
        ],
        cwd=tmp_path,  # schemathesis keeps a folder of its own where it runs
        capture_output=True,
        text=True,
        timeout=800,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-8000:]
    assert re.search(r"\b\d+ passed", output) or "passed" in output, output[-2000:]
