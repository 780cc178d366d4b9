"""Writes the Grafana dashboards of deploy/grafana/dashboards/ (run: ``python deploy/grafana/dashboards.py``).

The JSON files are what Grafana loads (deploy/grafana/provisioning); this script is how they are kept alike.
A test regenerates them and checks every query's metric names against what the services emit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "dashboards"
DS = {"type": "prometheus", "uid": "${datasource}"}
SERVICES = ["gateway", "catalog-svc", "intake-svc", "workflow-svc", "notify-svc", "interop-svc", "portal"]


def panel(title: str, exprs: list[tuple[str, str]], *, unit: str = "short", kind: str = "timeseries",
          description: str = "") -> dict[str, Any]:
    return {
        "type": kind,
        "title": title,
        "description": description,
        "datasource": DS,
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom"}} if kind == "timeseries" else {},
        "targets": [
            {"refId": chr(ord("A") + i), "datasource": DS, "expr": expr, "legendFormat": legend}
            for i, (expr, legend) in enumerate(exprs)
        ],
    }


def dashboard(uid: str, title: str, panels: list[dict[str, Any]], tags: list[str]) -> dict[str, Any]:
    laid = []
    for i, p in enumerate(panels):  # two panels a row
        laid.append({**p, "id": i + 1, "gridPos": {"h": 8, "w": 12, "x": 12 * (i % 2), "y": 8 * (i // 2)}})
    return {
        "uid": uid,
        "title": title,
        "tags": ["dvc", *tags],
        "timezone": "Asia/Ho_Chi_Minh",
        "schemaVersion": 39,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": [{"name": "datasource", "type": "datasource", "query": "prometheus",
                                 "label": "Nguồn dữ liệu"}]},
        "panels": laid,
    }


def http_panels(job: str) -> list[dict[str, Any]]:
    sel = f'job="{job}"'
    return [
        panel("Yêu cầu mỗi giây theo route", [
            (f"sum by (http_route) (rate(http_server_request_duration_seconds_count{{{sel}}}[5m]))",
             "{{http_route}}")], unit="reqps"),
        panel("Thời gian trả lời p95 theo route", [
            (f"histogram_quantile(0.95, sum by (http_route, le) "
             f"(rate(http_server_request_duration_seconds_bucket{{{sel}}}[5m])))", "{{http_route}}")], unit="s"),
        panel("Lỗi theo mã trạng thái", [
            (f'sum by (http_route, http_response_status_code) (rate(http_server_request_duration_seconds_count'
             f'{{{sel},http_response_status_code=~"[45].."}}[5m]))',
             "{{http_response_status_code}} {{http_route}}")], unit="reqps"),
        panel("Kết nối cơ sở dữ liệu", [
            (f"sum by (db_client_connection_state) (db_client_connection_count{{{sel}}})",
             "{{db_client_connection_state}}"),
            (f"sum(db_client_connection_max{{{sel}}})", "tối đa")]),
        panel("Outbox: sự kiện chưa gửi", [(f"sum(dvc_outbox_backlog{{{sel}}})", "chưa gửi")]),
        panel("Outbox: tuổi sự kiện cũ nhất chưa gửi", [(f"max(dvc_outbox_oldest_age_seconds{{{sel}}})", "tuổi")],
              unit="s"),
    ]


def consumer_panels(job: str) -> list[dict[str, Any]]:
    return [
        panel("Sự kiện đã xử lý theo bộ tiêu thụ và kết quả", [
            (f'sum by (messaging_consumer_group_name, outcome) (rate(dvc_consumer_messages_total{{job="{job}"}}[5m]))',
             "{{messaging_consumer_group_name}} {{outcome}}")], unit="ops"),
    ]


SPECIFIC: dict[str, list[dict[str, Any]]] = {
    "gateway": [
        panel("Sẵn sàng của từng dịch vụ", [("dvc_service_ready", "{{service}}")], kind="stat"),
        panel("Thư chết theo bộ tiêu thụ", [("sum by (messaging_consumer_group_name) (dvc_dead_letters)",
                                             "{{messaging_consumer_group_name}}")]),
    ],
    "intake-svc": [
        panel("Hồ sơ quá hạn theo cơ quan", [("sum by (agency) (dvc_dossiers_overdue)", "{{agency}}")]),
        panel("Hồ sơ chờ tiếp nhận quá 8 giờ làm việc",
              [("sum by (agency) (dvc_dossiers_reception_overdue)", "{{agency}}")]),
        panel("Thanh toán theo kết quả", [
            ("sum by (method, outcome) (increase(dvc_intake_payments_total[1h]))", "{{method}} {{outcome}}")]),
    ],
    "workflow-svc": [
        panel("Hẹn giờ đến hạn và trễ", [("sum(dvc_workflow_timers_due)", "đến hạn"),
                                          ("sum(dvc_workflow_timers_late)", "trễ")]),
    ],
    "notify-svc": [
        panel("Gửi thông báo theo kênh và kết quả", [
            ("sum by (channel, outcome) (rate(dvc_notify_deliveries_total[5m]))", "{{channel}} {{outcome}}")],
              unit="ops"),
    ],
    "interop-svc": [
        panel("Đẩy dữ liệu tới phần mềm một cửa", [
            ("sum by (outcome) (rate(dvc_interop_pushes_total[5m]))", "{{outcome}}")], unit="ops"),
        panel("Thông điệp nhận vào theo kết quả", [
            ("sum by (outcome) (rate(dvc_interop_inbound_total[5m]))", "{{outcome}}")], unit="ops"),
        panel("Thời gian còn lại của chứng thư số", [
            ("min by (system) (dvc_interop_certificate_time_to_expiry_seconds)", "{{system}}")], unit="s"),
    ],
}


def overview() -> dict[str, Any]:
    return dashboard("dvc-overview", "DVC Đồng Nai — Tổng quan", [
        panel("Sẵn sàng của từng dịch vụ", [("dvc_service_ready", "{{service}}")], kind="stat"),
        panel("Yêu cầu mỗi giây theo dịch vụ", [
            ("sum by (job) (rate(http_server_request_duration_seconds_count[5m]))", "{{job}}")], unit="reqps"),
        panel("Tỉ lệ lỗi 5xx theo dịch vụ", [
            ('sum by (job) (rate(http_server_request_duration_seconds_count{http_response_status_code=~"5.."}[5m]))'
             " / sum by (job) (rate(http_server_request_duration_seconds_count[5m]))", "{{job}}")],
              unit="percentunit"),
        panel("Thời gian trả lời p95 theo dịch vụ", [
            ("histogram_quantile(0.95, sum by (job, le) (rate(http_server_request_duration_seconds_bucket[5m])))",
             "{{job}}")], unit="s"),
        panel("Outbox: tuổi sự kiện cũ nhất chưa gửi", [("max by (job) (dvc_outbox_oldest_age_seconds)", "{{job}}")],
              unit="s"),
        panel("Sự kiện chờ xử lý theo bộ tiêu thụ", [
            ("sum by (messaging_consumer_group_name) (dvc_consumer_pending + dvc_consumer_ack_pending)",
             "{{messaging_consumer_group_name}}")]),
        panel("Thư chết", [("sum(dvc_dead_letters)", "thư chết")], kind="stat"),
        panel("Hồ sơ quá hạn", [("sum(dvc_dossiers_overdue)", "quá hạn"),
                                ("sum(dvc_dossiers_reception_overdue)", "chờ tiếp nhận quá 8 giờ")], kind="stat"),
    ], ["overview"])


def event_bus() -> dict[str, Any]:
    return dashboard("dvc-event-bus", "DVC Đồng Nai — Luồng sự kiện (outbox, JetStream)", [
        panel("Outbox: sự kiện chưa gửi theo dịch vụ", [("sum by (job) (dvc_outbox_backlog)", "{{job}}")]),
        panel("Outbox: tuổi sự kiện cũ nhất", [("max by (job) (dvc_outbox_oldest_age_seconds)", "{{job}}")], unit="s"),
        panel("Chưa nhận (pending) theo bộ tiêu thụ", [
            ("sum by (messaging_consumer_group_name) (dvc_consumer_pending)", "{{messaging_consumer_group_name}}")]),
        panel("Đã nhận chưa xác nhận (ack pending)", [
            ("sum by (messaging_consumer_group_name) (dvc_consumer_ack_pending)",
             "{{messaging_consumer_group_name}}")]),
        panel("Gửi lại (redelivered)", [
            ("sum by (messaging_consumer_group_name) (dvc_consumer_redelivered)",
             "{{messaging_consumer_group_name}}")]),
        panel("Sự kiện đã xử lý theo kết quả", [
            ("sum by (messaging_consumer_group_name, outcome) (rate(dvc_consumer_messages_total[5m]))",
             "{{messaging_consumer_group_name}} {{outcome}}")], unit="ops"),
        panel("Thư chết theo bộ tiêu thụ", [
            ("sum by (messaging_consumer_group_name) (dvc_dead_letters)", "{{messaging_consumer_group_name}}")]),
    ], ["events"])


def dossier_flow() -> dict[str, Any]:
    return dashboard("dvc-dossier-flow", "DVC Đồng Nai — Dòng hồ sơ", [
        panel("Hồ sơ nộp mỗi giờ", [
            ('sum(increase(http_server_request_duration_seconds_count{job="intake-svc",http_route="/api/v1/dossiers",'
             'http_request_method="POST",http_response_status_code="201"}[1h]))', "nộp")]),
        panel("Hồ sơ chờ tiếp nhận quá 8 giờ làm việc theo cơ quan",
              [("sum by (agency) (dvc_dossiers_reception_overdue)", "{{agency}}")]),
        panel("Hồ sơ quá hạn theo cơ quan", [("sum by (agency) (dvc_dossiers_overdue)", "{{agency}}")]),
        panel("Thanh toán phí, lệ phí", [
            ("sum by (outcome) (increase(dvc_intake_payments_total[1h]))", "{{outcome}}")]),
        panel("Thông báo gửi đi", [("sum by (channel, outcome) (increase(dvc_notify_deliveries_total[1h]))",
                                    "{{channel}} {{outcome}}")]),
        panel("Trao đổi với phần mềm một cửa", [
            ("sum by (outcome) (increase(dvc_interop_pushes_total[1h]))", "đẩy {{outcome}}"),
            ("sum by (outcome) (increase(dvc_interop_inbound_total[1h]))", "nhận {{outcome}}")]),
        panel("Hẹn giờ trễ của quy trình", [("sum(dvc_workflow_timers_late)", "trễ")]),
    ], ["dossiers"])


def build() -> dict[str, dict[str, Any]]:
    out = {"overview.json": overview(), "event-bus.json": event_bus(), "dossier-flow.json": dossier_flow()}
    for svc in SERVICES:
        panels = [*http_panels(svc), *consumer_panels(svc), *SPECIFIC.get(svc, [])]
        out[f"service-{svc}.json"] = dashboard(f"dvc-{svc}", f"DVC Đồng Nai — {svc}", panels, ["service"])
    return out


def render(d: dict[str, Any]) -> str:
    return json.dumps(d, ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    for name, d in build().items():
        (OUT / name).write_text(render(d), encoding="utf-8")
        print(OUT / name)
