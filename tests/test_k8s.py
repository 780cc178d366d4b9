"""The Kubernetes manifests (deploy/k8s): each overlay rendered with ``kubectl kustomize`` and every object
validated against the Kubernetes API schemas (``kubernetes-validate``, offline, strict: an unknown field is an
error), plus what the deployment must hold: probes, resources, security context, an HPA and a PDB for every
service, a migration Job per database, NATS as a 3-node JetStream cluster, PostgreSQL as a 3-instance
CloudNativePG Cluster with scheduled backups, TLS on the Ingress."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.32.0"
SERVICES = ("gateway", "catalog", "intake", "workflow", "notify", "interop", "portal")
# CloudNativePG's custom resources: kubernetes-validate ships only the built-in API's schemas and the operator's
# CRD schema is not available offline here; their fields are checked by the assertions below instead.
CRD_GROUPS = {"postgresql.cnpg.io/v1"}


def render(overlay: str) -> list[dict[str, Any]]:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed: the manifests cannot be rendered (kubectl kustomize)")
    out = subprocess.run(["kubectl", "kustomize", str(K8S / "overlays" / overlay)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return [d for d in yaml.safe_load_all(out.stdout) if d]


@pytest.fixture(scope="module", params=["small", "large"])
def objects(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    return render(request.param)


def by_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def test_every_object_validates_against_the_kubernetes_schemas(objects: list[dict[str, Any]]) -> None:
    import kubernetes_validate

    checked = skipped = 0
    errors = []
    for obj in objects:
        if obj["apiVersion"] in CRD_GROUPS:
            skipped += 1
            continue
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
            checked += 1
        except kubernetes_validate.ValidationError as exc:
            errors.append(f"{obj['kind']}/{obj['metadata']['name']}: {exc.message} at {list(exc.path)}")
    assert not errors, errors
    assert checked == len(objects) - skipped and checked > 40
    assert skipped == 1 + 1 + len(SERVICES)  # the Cluster, its ScheduledBackup, a Database per service


def test_the_validation_bites() -> None:
    """A misspelt field and a wrong type are refused: the check above can fail."""
    import kubernetes_validate

    deployment = next(o for o in render("small") if o["kind"] == "Deployment" and o["metadata"]["name"] == "intake")
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)
    del deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"]
    deployment["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_every_service_is_deployed_with_probes_limits_a_safe_context_an_hpa_and_a_pdb(
    objects: list[dict[str, Any]],
) -> None:
    deployments, hpas, pdbs = by_kind(objects, "Deployment"), by_kind(objects, "HorizontalPodAutoscaler"), by_kind(
        objects, "PodDisruptionBudget")
    for name in SERVICES:
        pod = deployments[name]["spec"]["template"]["spec"]
        [container] = pod["containers"]
        assert {"startupProbe", "livenessProbe", "readinessProbe"} <= container.keys(), name
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["resources"]["requests"] and container["resources"]["limits"]
        ctx = container["securityContext"]
        assert ctx["runAsNonRoot"] and ctx["readOnlyRootFilesystem"] and not ctx["allowPrivilegeEscalation"]
        assert ctx["capabilities"]["drop"] == ["ALL"]
        assert pod["automountServiceAccountToken"] is False
        assert container["args"][-1] == "serve"  # migrations are not run by a replica's start
        secrets = {v["secret"]["secretName"] for v in pod["volumes"] if "secret" in v}
        assert "dvc-keys" in secrets  # keys and certificates as files, never in the ConfigMap
        assert hpas[name]["spec"]["scaleTargetRef"]["name"] == name and hpas[name]["spec"]["minReplicas"] >= 2
        assert pdbs[name]["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": name}
    jobs = by_kind(objects, "Job")
    assert sorted(jobs) == sorted(f"migrate-{n}" for n in SERVICES)
    assert all(j["spec"]["template"]["spec"]["containers"][0]["args"][-1] == "migrate" for j in jobs.values())
    config = by_kind(objects, "ConfigMap")
    dvc = next(c for n, c in config.items() if n.startswith("dvc-config"))
    assert dvc["data"]["DVC_DEMO"] == "0" and dvc["data"]["DVC_STREAM_REPLICAS"] == "3"
    # secrets only as files: a key may name the file (..._FILE), never hold the value
    assert not any(("PASSWORD" in k or "SECRET" in k) and not k.endswith("_FILE") for k in dvc["data"])


def test_nats_is_a_three_node_jetstream_cluster(objects: list[dict[str, Any]]) -> None:
    nats = by_kind(objects, "StatefulSet")["nats"]
    assert nats["spec"]["replicas"] == 3
    conf = next(c for n, c in by_kind(objects, "ConfigMap").items() if n.startswith("nats-config"))
    text = conf["data"]["nats.conf"]
    assert '"jetstream"' in text and text.count("nats-headless:6222") == 3
    assert by_kind(objects, "PodDisruptionBudget")["nats"]["spec"]["maxUnavailable"] == 1


def test_postgresql_is_a_cloudnativepg_cluster_with_backups_and_a_database_per_service(
    objects: list[dict[str, Any]],
) -> None:
    cluster = by_kind(objects, "Cluster")["dvc-db"]
    assert cluster["spec"]["instances"] == 3 and cluster["spec"]["backup"]["barmanObjectStore"]["destinationPath"]
    backup = by_kind(objects, "ScheduledBackup")["dvc-db-daily"]
    assert backup["spec"]["cluster"]["name"] == "dvc-db" and len(backup["spec"]["schedule"].split()) == 6
    assert sorted(d["spec"]["name"] for d in by_kind(objects, "Database").values()) == sorted(
        f"dvc_{n}" for n in SERVICES)


def test_the_ingress_serves_the_gateway_over_tls(objects: list[dict[str, Any]]) -> None:
    ingress = by_kind(objects, "Ingress")["dvc"]
    assert ingress["spec"]["tls"][0]["secretName"]
    [rule] = ingress["spec"]["rules"]
    assert rule["http"]["paths"][0]["backend"]["service"]["name"] == "gateway"
    assert ingress["spec"]["tls"][0]["hosts"] == [rule["host"]]


MODULES = {"gateway": "gateway", "catalog": "catalog_svc", "intake": "intake_svc", "workflow": "workflow_svc",
           "notify": "notify_svc", "interop": "interop_svc", "portal": "portal"}


@pytest.mark.parametrize("service", SERVICES)
def test_the_config_names_every_key_a_service_needs_outside_demo_mode(
    service: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Outside demo mode a service refuses to start without its keys: the ConfigMap points at each one (the
    Secrets' files), so a deployment with its Secrets in place starts."""
    import importlib

    config = yaml.safe_load((K8S / "base" / "config.yaml").read_text())
    assert config["data"]["DVC_DEMO"] == "0"
    for k, v in config["data"].items():
        monkeypatch.setenv(k, v)
    signing = tmp_path / "intake"  # the Secret dvc-intake-keys as mounted
    signing.mkdir()
    for name in ("ca.cert.pem", "default.key.pem", "default.cert.pem"):
        (signing / name).write_text("-")
    monkeypatch.setenv("INTAKE_SIGNING_DIR", str(signing))
    password = tmp_path / "admin-password"  # dvc-gateway-keys' admin-password
    password.write_text("Quản trị@2026\n")
    monkeypatch.setenv("DVC_ADMIN_PASSWORD_FILE", str(password))
    monkeypatch.setenv(f"{service.upper()}_DATABASE_URL", "postgresql://u:p@dvc-db-rw:5432/x")
    settings = importlib.import_module(f"{MODULES[service]}.settings").Settings()
    assert settings.demo is False
    assert settings.missing_secrets() == []
