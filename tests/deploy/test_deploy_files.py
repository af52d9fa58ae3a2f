"""The deployment files: Compose and the Kubernetes manifests are checked here, since no
container runtime or cluster runs in the tests. Kubernetes objects are validated against the
API schemas of Kubernetes 1.30 (kubernetes-validate); KEDA's ScaledObjects are checked for
what this product relies on."""

from __future__ import annotations

import re
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = ROOT / "deploy" / "kubernetes"
QUEUES = {"rq:queue:high", "rq:queue:default", "rq:queue:low"}


def entrypoint_commands() -> set[str]:
    """The process names deploy/entrypoint.sh knows (its case labels)."""
    text = (ROOT / "deploy" / "entrypoint.sh").read_text()
    labels = re.findall(r"^\s{2}([a-z |]+)\)\s*$", text, flags=re.M)
    return {name.strip() for label in labels for name in label.split("|")}


def manifests() -> list[dict]:
    kustomization = yaml.safe_load((MANIFESTS / "kustomization.yaml").read_text())
    docs = []
    for name in kustomization["resources"]:
        docs += [d for d in yaml.safe_load_all((MANIFESTS / name).read_text()) if d]
    return docs


def test_every_manifest_file_is_applied_by_the_kustomization():
    listed = set(yaml.safe_load((MANIFESTS / "kustomization.yaml").read_text())["resources"])
    assert listed == {p.name for p in MANIFESTS.glob("*.yaml")} - {"kustomization.yaml"}


@pytest.mark.parametrize(
    "doc",
    [d for d in manifests() if d["apiVersion"] != "keda.sh/v1alpha1"],
    ids=lambda d: f"{d['kind']}/{d['metadata']['name']}",
)
def test_each_kubernetes_object_is_valid_for_the_api(doc):
    kubernetes_validate.validate(doc, "1.30", strict=True)


def test_every_container_runs_a_process_the_image_knows_with_probes_where_it_serves():
    known = entrypoint_commands()
    assert {"web", "ws", "worker", "delivery", "reconciler", "migrate"} <= known
    kinds = {}
    for doc in manifests():
        if doc["kind"] not in ("Deployment", "Job"):
            continue
        (container,) = doc["spec"]["template"]["spec"]["containers"]
        (process,) = container["args"]
        assert process in known, doc["metadata"]["name"]
        kinds[process] = container
        assert "requests" in container["resources"] and "memory" in container["resources"]["limits"]
    for serving in ("web", "ws"):
        probes = kinds[serving]
        assert probes["readinessProbe"]["httpGet"]["path"] == "/ready"
        assert probes["livenessProbe"]["httpGet"]["path"] == "/health"


def test_the_gpu_workers_ask_for_a_gpu_on_gpu_nodes():
    (gpu,) = [d for d in manifests() if d["kind"] == "Deployment" and d["metadata"]["name"] == "cultivate-worker-gpu"]
    spec = gpu["spec"]["template"]["spec"]
    assert spec["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert spec["nodeSelector"] and spec["tolerations"][0]["key"] == "nvidia.com/gpu"


def test_keda_scales_the_workers_on_the_rq_queues_and_the_ingress_sends_sockets_to_ws():
    docs = manifests()
    deployments = {d["metadata"]["name"] for d in docs if d["kind"] == "Deployment"}
    scaled = [d for d in docs if d["kind"] == "ScaledObject"]
    assert {s["spec"]["scaleTargetRef"]["name"] for s in scaled} == {"cultivate-worker", "cultivate-worker-gpu"}
    for s in scaled:
        assert s["spec"]["scaleTargetRef"]["name"] in deployments
        assert 0 <= s["spec"]["minReplicaCount"] <= 1 < s["spec"]["maxReplicaCount"]
        triggers = [t for t in s["spec"]["triggers"] if t["type"] == "redis"]  # and the database backlog
        assert {t["metadata"]["listName"] for t in triggers} <= QUEUES
        assert all(t["metadata"]["addressFromEnv"] == "REDIS_ADDRESS" for t in triggers)
    cpu = next(s for s in scaled if s["metadata"]["name"] == "cultivate-worker")
    assert {t["metadata"]["listName"] for t in cpu["spec"]["triggers"] if t["type"] == "redis"} == QUEUES
    config = next(d for d in docs if d["kind"] == "ConfigMap")
    assert "REDIS_ADDRESS" in config["data"]
    (ingress,) = [d for d in docs if d["kind"] == "Ingress"]
    paths = {p["path"]: p["backend"]["service"]["name"] for p in ingress["spec"]["rules"][0]["http"]["paths"]}
    assert paths == {"/ws/": "cultivate-ws", "/": "cultivate-web"}
    hpa = next(d for d in docs if d["kind"] == "HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"]["name"] == "cultivate-web"


def test_compose_runs_every_process_on_real_services_with_health_checks():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    known = entrypoint_commands()
    app = {name: s for name, s in services.items() if s.get("image") == "cultivate:latest"}
    assert {s["command"][0] for s in app.values()} == {"web", "ws", "worker", "delivery", "reconciler", "migrate"}
    assert all(s["command"][0] in known for s in app.values())
    for name in ("db", "redis", "s3", "web", "ws"):
        assert services[name]["healthcheck"]["test"], name
    for name, service in services.items():
        assert set(service.get("depends_on", {})) <= set(services), name
    volumes = set(compose["volumes"])
    for service in services.values():
        for mount in service.get("volumes", []):
            assert mount.split(":")[0] in volumes
    env = services["worker"]["environment"]
    assert env["DATABASE_URL"].startswith("postgres://") and env["REDIS_URL"].startswith("redis://redis:")
