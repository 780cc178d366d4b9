"""The operators' files in deploy/: the collector has its three pipelines, the alert rules pass promtool
(syntax and unit tests), the dashboards are what deploy/grafana/dashboards.py writes, and every query of a
dashboard or a rule names a metric the services emit (from the instrument registry every instrument is
declared in, translated to Prometheus names as the collector's Prometheus exporter does)."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from servicekit.opsmetrics import INSTRUMENTS, Instrument

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool not installed (make prometheus, or apt-get install prometheus)"
)
APPS = ["gateway.app", "catalog_svc.app", "intake_svc.app", "workflow_svc.app", "notify_svc.app",
        "interop_svc.app", "portal.app"]
# PromQL words that are not metric names
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool", "and", "or",
            "unless", "inf", "nan"}
UNITS = {"s": "seconds", "ms": "milliseconds", "By": "bytes"}


def prometheus_names(i: Instrument) -> set[str]:
    """The names the collector's Prometheus exporter gives an OTLP metric (dots to underscores, the unit as a
    suffix, ``{annotations}`` dropped, ``_total`` on counters, ``_bucket/_sum/_count`` on histograms)."""
    base = re.sub(r"[^a-zA-Z0-9_:]", "_", i.name)
    unit = "ratio" if i.unit == "1" and i.kind == "gauge" else UNITS.get(i.unit, "")
    if unit and not base.endswith("_" + unit):
        base = f"{base}_{unit}"
    if i.kind == "counter":
        return {f"{base}_total"}
    if i.kind == "histogram":
        return {f"{base}_bucket", f"{base}_sum", f"{base}_count"}
    return {base}


def emitted() -> set[str]:
    for module in APPS:
        importlib.import_module(module)  # each service's instruments are declared when its modules load
    return {n for i in INSTRUMENTS.values() for n in prometheus_names(i)}


def metric_names(expr: str) -> set[str]:
    e = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)  # strings
    e = re.sub(r"\{[^}]*\}", "", e)  # label matchers
    e = re.sub(r"\[[^\]]*\]", "", e)  # ranges
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", e)
    e = re.sub(r"\boffset\s+\w+", "", e)
    e = re.sub(r"\$\{?\w+\}?", "", e)
    names = set()
    for m in re.finditer(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?", e):
        word, call = m.group(1), m.group(2)
        if call or word.lower() in KEYWORDS:
            continue
        names.add(word)
    return names


def dashboard_exprs() -> dict[str, list[str]]:
    out = {}
    for path in sorted((DEPLOY / "grafana" / "dashboards").glob("*.json")):
        d = json.loads(path.read_text(encoding="utf-8"))
        assert d["uid"] and d["title"] and d["panels"], path.name
        out[path.name] = [t["expr"] for p in d["panels"] for t in p["targets"]]
    return out


def rule_exprs() -> list[str]:
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text(encoding="utf-8"))
    return [r["expr"] for g in rules["groups"] for r in g["rules"]]


def test_metric_names_are_read_from_queries() -> None:
    assert metric_names('sum by (job, le) (rate(http_server_request_duration_seconds_bucket{job="x"}[5m]))') == {
        "http_server_request_duration_seconds_bucket"}
    assert metric_names("dvc_consumer_pending + dvc_consumer_ack_pending > 100") == {
        "dvc_consumer_pending", "dvc_consumer_ack_pending"}
    assert metric_names("sum by (agency) (dvc_dossiers_overdue) - sum by (agency) (dvc_dossiers_overdue offset 1d)"
                        " > 5") == {"dvc_dossiers_overdue"}
    assert metric_names("dvc_interop_certificate_time_to_expiry_seconds < 30 * 86400 > 0") == {
        "dvc_interop_certificate_time_to_expiry_seconds"}


def test_every_dashboard_and_rule_query_names_an_emitted_metric() -> None:
    known = emitted()
    assert {"http_server_request_duration_seconds_bucket", "dvc_outbox_backlog", "dvc_consumer_pending",
            "dvc_dossiers_overdue", "dvc_notify_deliveries_total"} <= known
    dashboards = dashboard_exprs()
    assert {"overview.json", "event-bus.json", "dossier-flow.json", "service-intake-svc.json",
            "service-notify-svc.json", "service-gateway.json", "service-portal.json"} <= set(dashboards)
    unknown: dict[str, set[str]] = {}
    for name, exprs in [*dashboards.items(), ("alerts.yml", rule_exprs())]:
        for expr in exprs:
            names = metric_names(expr)
            assert names, (name, expr)
            if names - known:
                unknown.setdefault(name, set()).update(names - known)
    assert not unknown, unknown


def test_dashboards_are_what_the_generator_writes() -> None:
    spec = importlib.util.spec_from_file_location("dvc_dashboards", DEPLOY / "grafana" / "dashboards.py")
    assert spec and spec.loader
    module: Any = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = module.build()
    on_disk = {p.name for p in (DEPLOY / "grafana" / "dashboards").glob("*.json")}
    assert set(built) == on_disk
    for name, d in built.items():
        assert (DEPLOY / "grafana" / "dashboards" / name).read_text(encoding="utf-8") == module.render(d), name


def test_the_collector_has_traces_metrics_and_logs_pipelines() -> None:
    config = yaml.safe_load((DEPLOY / "otel-collector.yaml").read_text(encoding="utf-8"))
    pipelines = config["service"]["pipelines"]
    assert {"traces", "metrics", "logs"} <= set(pipelines)
    for p in pipelines.values():
        assert p["receivers"] == ["otlp"]
        assert set(p["exporters"]) <= set(config["exporters"]) and set(p["processors"]) <= set(config["processors"])
    assert "prometheus" in pipelines["metrics"]["exporters"]


@needs_promtool
def test_alert_rules_pass_promtool_check_and_their_unit_tests() -> None:
    assert PROMTOOL is not None
    folder = DEPLOY / "prometheus"
    for args in (["check", "rules", "alerts.yml"], ["test", "rules", "alerts_test.yml"],
                 ["check", "config", "prometheus.yml"]):
        r = subprocess.run([PROMTOOL, *args], cwd=folder, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, f"promtool {' '.join(args)}:\n{r.stdout}\n{r.stderr}"
    names = {r["alert"] for g in yaml.safe_load((folder / "alerts.yml").read_text())["groups"] for r in g["rules"]}
    assert {"ServiceDown", "HighErrorRate", "HighLatencyP95", "OutboxStuck", "ConsumerLag", "DeadLetters",
            "OverdueDossiersGrowing", "OneStopCertificateExpiring"} <= names
    tested = (folder / "alerts_test.yml").read_text()
    for alert in names:
        assert f"alertname: {alert}" in tested, f"{alert} has no promtool unit test"
