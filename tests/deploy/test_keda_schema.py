"""KEDA's objects in deploy/kubernetes/ against KEDA's own CRD schemas (kept in
tests/deploy/schemas/, see its README), checked as the API server with kubectl's strict field
validation would: wrong types, missing required fields and unknown fields are errors."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from functools import cache
from pathlib import Path

import jsonschema
import pytest
import yaml
from django.db import connection
from django.utils import timezone

from jobs.models import Job
from tests.factories import JobFactory

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = ROOT / "deploy" / "kubernetes"
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
SCHEMAS = {("keda.sh/v1alpha1", "ScaledObject"): "keda-scaledobject-v1alpha1.json"}
QUEUES = ["rq:queue:high", "rq:queue:default", "rq:queue:low"]


def keda_documents() -> list[dict]:
    docs = []
    for path in sorted(MANIFESTS.glob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d and d["apiVersion"].startswith("keda.sh/")]
    return docs


def _strict(schema: dict) -> dict:
    """The schema with unknown fields refused wherever it names the fields an object may have
    (a structural CRD schema allows others only with x-kubernetes-preserve-unknown-fields)."""
    schema = dict(schema)
    if "properties" in schema:
        schema["properties"] = {name: _strict(sub) for name, sub in schema["properties"].items()}
        if "additionalProperties" not in schema and not schema.get("x-kubernetes-preserve-unknown-fields"):
            schema["additionalProperties"] = False
    for key in ("items", "additionalProperties", "not"):
        if isinstance(schema.get(key), dict):
            schema[key] = _strict(schema[key])
    for key in ("allOf", "anyOf", "oneOf"):
        if key in schema:
            schema[key] = [_strict(sub) for sub in schema[key]]
    return schema


@cache
def validator(api_version: str, kind: str) -> jsonschema.protocols.Validator:
    schema = json.loads((SCHEMA_DIR / SCHEMAS[(api_version, kind)]).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(_strict(schema))


def schema_errors(doc: dict) -> list[str]:
    errors = validator(doc["apiVersion"], doc["kind"]).iter_errors(doc)
    return sorted(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)


def scaled_object(name: str) -> dict:
    (doc,) = [d for d in keda_documents() if d["kind"] == "ScaledObject" and d["metadata"]["name"] == name]
    return doc


def test_every_keda_object_has_a_kept_schema():
    docs = keda_documents()
    assert {d["metadata"]["name"] for d in docs if d["kind"] == "ScaledObject"} >= {
        "cultivate-worker",
        "cultivate-worker-gpu",
    }
    missing = {(d["apiVersion"], d["kind"]) for d in docs} - set(SCHEMAS)
    assert not missing, f"add KEDA's CRD schema for {missing} to tests/deploy/schemas/"


@pytest.mark.parametrize("doc", keda_documents(), ids=lambda d: f"{d['kind']}/{d['metadata']['name']}")
def test_each_keda_object_is_valid_for_kedas_crd_schema(doc):
    assert schema_errors(doc) == []


def triggers_of(spec: dict, kind: str) -> list[dict]:
    return [t for t in spec["triggers"] if t["type"] == kind]


def test_the_cpu_workers_scale_on_the_length_of_each_rq_queue_and_the_database_backlog():
    spec = scaled_object("cultivate-worker")["spec"]
    assert isinstance(spec["minReplicaCount"], int) and isinstance(spec["maxReplicaCount"], int)
    assert 1 <= spec["minReplicaCount"] < spec["maxReplicaCount"]
    assert {t["type"] for t in spec["triggers"]} == {"redis", "postgresql"}
    redis = triggers_of(spec, "redis")
    assert sorted(t["metadata"]["listName"] for t in redis) == sorted(QUEUES)
    for trigger in redis:
        assert trigger["metadata"]["addressFromEnv"] == "REDIS_ADDRESS"
        assert int(trigger["metadata"]["listLength"]) > 0
    (backlog,) = triggers_of(spec, "postgresql")
    assert backlog["metadata"]["connectionFromEnv"] == "DATABASE_URL"  # in the workers' Secret
    assert int(backlog["metadata"]["targetQueryValue"]) > 0


def test_the_gpu_workers_scale_from_zero_on_rq_queues_and_the_backlog():
    spec = scaled_object("cultivate-worker-gpu")["spec"]
    assert spec["minReplicaCount"] == 0 < spec["maxReplicaCount"]
    assert {t["type"] for t in spec["triggers"]} == {"redis", "postgresql"}
    assert {t["metadata"]["listName"] for t in triggers_of(spec, "redis")} <= set(QUEUES)
    assert all(int(t["metadata"]["listLength"]) > 0 for t in triggers_of(spec, "redis"))
    assert len(triggers_of(spec, "postgresql")) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["cultivate-worker", "cultivate-worker-gpu"])
def test_the_backlog_query_counts_every_queued_lesson_even_those_fair_share_holds_back(name, tenant_a, tenant_b):
    """Run the manifest's own query on the real schema: a burst from one tenant shows in full
    (RQ's lists hold only TENANT_MAX_WAITING_JOBS of it), and only queued jobs a worker could take
    now count: not running or finished ones, nor a retry still waiting out its backoff."""
    for _ in range(7):
        JobFactory(video__tenant=tenant_a, status=Job.Status.QUEUED)
    JobFactory(video__tenant=tenant_b, status=Job.Status.QUEUED, not_before=timezone.now() - timedelta(seconds=5))
    JobFactory(video__tenant=tenant_b, status=Job.Status.QUEUED, not_before=timezone.now() + timedelta(minutes=2))
    for status in (Job.Status.RUNNING, Job.Status.SUCCEEDED, Job.Status.FAILED, Job.Status.CANCELLED):
        JobFactory(video__tenant=tenant_b, status=status)
    (backlog,) = triggers_of(scaled_object(name)["spec"], "postgresql")
    with connection.cursor() as cursor:
        cursor.execute(backlog["metadata"]["query"])
        assert cursor.fetchone()[0] == 8


def _without_trigger_type(spec):
    del spec["triggers"][0]["type"]


def _list_length_as_number(spec):
    spec["triggers"][0]["metadata"]["listLength"] = 2


def _replica_count_as_text(spec):
    spec["minReplicaCount"] = "1"


def _misspelt_field(spec):
    spec["maxReplicas"] = spec.pop("maxReplicaCount")


def _without_target(spec):
    del spec["scaleTargetRef"]


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        (_without_trigger_type, "spec/triggers/0: 'type' is a required property"),
        (_list_length_as_number, "spec/triggers/0/metadata/listLength: 2 is not of type 'string'"),
        (_replica_count_as_text, "spec/minReplicaCount: '1' is not of type 'integer'"),
        (_misspelt_field, "spec: Additional properties are not allowed ('maxReplicas' was unexpected)"),
        (_without_target, "spec: 'scaleTargetRef' is a required property"),
    ],
    ids=["trigger-without-type", "list-length-as-number", "replica-count-as-text", "misspelt-field", "no-target"],
)
def test_a_broken_scaled_object_is_refused(breakage, expected):
    doc = copy.deepcopy(scaled_object("cultivate-worker"))
    breakage(doc["spec"])
    assert schema_errors(doc) == [expected]
