"""What operators get, checked on the platform as ``make run`` starts it, exporting to an independent OTLP/HTTP
receiver (a real HTTP server decoding the protobuf the services send):

1. one dossier submission is one trace: the gateway's server and client spans, intake's server span, the
   notify consumer's span and the SMTP send, all carrying the gateway's request id;
2. every service exports metrics: HTTP duration histograms, outbox backlog, consumer pending, the overdue gauges;
3. notify stopped under traffic shows as consumer pending (metric and operator status) and recovers to zero
   after it starts again;
4. a collector that goes away costs nothing but the data.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from devkit.otlpsink import OtlpSink, ReceivedSpan
from devkit.stackrun import Platform, running_platform
from devkit.testing import api_login, eventually
from servicekit import bus

ROOT = Path(__file__).resolve().parents[1]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\nstartxref\n0\n%%EOF\n"
LLTP = "2.000488.000.00.15.H19"
LLTP_FORM = {"loai_phieu": "Phiếu lý lịch tư pháp số 2", "muc_dich": "Xin việc", "so_luong_phieu": 1,
             "ngay_sinh": "1990-05-12"}
SERVICES = ("gateway", "catalog-svc", "intake-svc", "workflow-svc", "notify-svc", "interop-svc", "portal")
SERVER, CLIENT, CONSUMER = 2, 3, 5  # OTLP span kinds

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def sink() -> Iterator[OtlpSink]:
    s = OtlpSink().start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def platform(sink: OtlpSink) -> Iterator[Platform]:
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": sink.endpoint,
        "OTEL_METRIC_EXPORT_INTERVAL": "1000",
        "OTEL_BSP_SCHEDULE_DELAY": "200",
        "OTEL_BLRP_SCHEDULE_DELAY": "200",
        "DVC_OPS_SAMPLE_SECONDS": "1",
        "LOG_FORMAT": "json",
    }
    with running_platform(ROOT / "deploy" / "services.json", env=env, timeout=180) as p:
        yield p


login = api_login  # the bearer header of a user
mails_to = Platform.mails_to  # the emails the platform's SMTP sink kept for an address


async def submit(gw: httpx.AsyncClient, citizen: dict[str, str], address: str, request_id: str) -> str:
    documents = []
    for tp in ("TP1", "TP2"):
        r = await gw.post("/api/v1/files", headers=citizen,
                          files={"file": ("giay-to.pdf", PDF + uuid.uuid4().bytes, "application/pdf")})
        assert r.status_code == 201, r.text
        documents.append({"requirement_code": tp, "file_id": r.json()["id"]})
    body = {
        "procedure_code": LLTP, "return_method": "counter", "form_data": dict(LLTP_FORM), "documents": documents,
        "applicant": {"full_name": "Lê Thị Mai", "id_number": "075190007777", "phone": "0912777888",
                      "email": address, "address": "Biên Hòa, Đồng Nai", "type": "citizen"},
    }
    key = uuid.uuid4().hex
    for _ in range(3):  # on a loaded machine intake may not reach the catalog in time (503): the same key again
        r = await gw.post("/api/v1/dossiers", json=body,
                          headers={**citizen, "Idempotency-Key": key, "X-Request-Id": request_id})
        if r.status_code != 503:
            break
    assert r.status_code == 201, r.text
    assert r.headers["x-request-id"] == request_id
    return str(r.json()["code"])


async def test_one_submission_is_one_trace_from_the_gateway_to_the_mail_server(
    gw: httpx.AsyncClient, platform: Platform, sink: OtlpSink
) -> None:
    citizen = await login(gw, "congdan1", "CongDan@2026")
    address = f"trace-{uuid.uuid4().hex[:8]}@example.vn"
    request_id = f"req-{uuid.uuid4().hex}"
    code = await submit(gw, citizen, address, request_id)
    await eventually(lambda: mails_to(platform, address), timeout=60)

    def gateway_span() -> ReceivedSpan | None:
        return next((s for s in sink.spans if s.service == "gateway" and s.kind == SERVER
                     and s.attributes.get("dvc.request_id") == request_id
                     and s.attributes.get("http.response.status_code") == 201), None)

    root = await eventually(gateway_span, timeout=30)
    assert root.name == "POST /api/v1/dossiers/*"

    def whole_trace() -> list[ReceivedSpan] | None:
        """Once the SMTP send and the delivery span around it (it ends after the outcome is recorded) arrived."""
        spans = sink.spans_of(root.trace_id)
        ids = {s.span_id for s in spans}
        smtp = [s for s in spans if s.name == "smtp send"]
        # each service exports its spans in its own batches: intake's may come after notify's
        intake = any(s.service == "intake-svc" and s.kind == SERVER for s in spans)
        return spans if smtp and smtp[0].parent_span_id in ids and intake else None

    spans = await eventually(whole_trace, timeout=30)
    by = {(s.service, s.kind, s.name) for s in spans}
    assert ("gateway", CLIENT, "POST") in by, by
    assert ("intake-svc", SERVER, "POST /api/v1/dossiers") in by, by
    assert ("notify-svc", CONSUMER, "consume intake.dossier.submitted.v1") in by, by
    assert ("notify-svc", CLIENT, "smtp send") in by, by
    # parent links: gateway server → gateway client → intake server
    ids = {s.span_id: s for s in spans}
    proxied = next(s for s in spans if s.service == "gateway" and s.kind == CLIENT)
    intake = next(s for s in spans if s.service == "intake-svc" and s.kind == SERVER)
    assert proxied.parent_span_id == root.span_id and intake.parent_span_id == proxied.span_id
    smtp = next(s for s in spans if s.name == "smtp send")
    assert smtp.parent_span_id in ids
    # the gateway's request id is on the spans of every service of the trace, the SMTP send's included
    assert smtp.attributes["dvc.request_id"] == request_id
    assert {s.service for s in spans if s.attributes.get("dvc.request_id") == request_id} >= {
        "gateway", "intake-svc", "notify-svc"}
    consumer = next(s for s in spans if s.kind == CONSUMER and s.service == "notify-svc")
    assert consumer.attributes["messaging.consumer.group.name"] == "notify-intake"
    assert code
    # logs: exported with the trace id; the gateway wrote one access line for the request
    access = await eventually(lambda: [lg for lg in sink.logs if lg.service == "gateway"
                                       and lg.trace_id == root.trace_id and "POST /api/v1/dossiers" in lg.body],
                              timeout=30)
    assert len(access) == 1 and " 201 " in access[0].body
    lines = (platform.root / "logs" / "gateway.log").read_text().splitlines()
    assert any(f'"request_id": "{request_id}"' in line and '"http_status": 201' in line for line in lines)


async def test_every_service_exports_its_metrics(gw: httpx.AsyncClient, platform: Platform, sink: OtlpSink) -> None:
    # an open dossier of its own: intake's per-agency gauges report the agencies with open work (with -n 2 this
    # test may run on a platform where no other test submitted one)
    citizen = await login(gw, "congdan1", "CongDan@2026")
    await submit(gw, citizen, f"metrics-{uuid.uuid4().hex[:8]}@example.vn", f"req-{uuid.uuid4().hex}")
    paths = {"catalog": "/api/v1/catalog/procedures", "intake": "/api/v1/dossiers",
             "workflow": "/api/v1/workflow/tasks",
             "notify": "/api/v1/notifications", "interop": "/api/v1/interop/systems", "portal": "/",
             "gateway": "/api/v1/auth/me"}
    for path in paths.values():
        await gw.get(path)

    def exported() -> dict[str, set[str]] | None:
        names = {svc: sink.metric_names(svc) for svc in SERVICES}
        ready = all("http.server.request.duration" in n and "dvc.outbox.backlog" in n for n in names.values())
        return names if ready and "dvc.dossiers.overdue" in names["intake-svc"] else None

    names = await eventually(exported, timeout=60)
    for svc in SERVICES:
        assert {"http.server.request.duration", "dvc.outbox.backlog", "dvc.outbox.oldest_age",
                "db.client.connection.count"} <= names[svc], (svc, names[svc])

    def search_duration() -> list[Any]:
        return [p for p in sink.latest("catalog-svc", "http.server.request.duration")
                if p.kind == "histogram" and p.unit == "s" and p.attributes.get("http.request.method") == "GET"
                and p.attributes.get("http.route") == "/api/v1/catalog/procedures"
                and p.attributes.get("http.response.status_code") == 200]

    await eventually(search_duration, timeout=30)
    # consumers are watched from the stream they read: intake reports notify's and workflow's lag on INTAKE
    pending = await eventually(lambda: sink.latest("intake-svc", "dvc.consumer.pending"), timeout=30)
    assert {"notify-intake", "workflow-intake"} <= {p.attributes["messaging.consumer.group.name"] for p in pending}
    assert {"dvc.dossiers.overdue", "dvc.dossiers.reception_overdue"} <= names["intake-svc"]
    assert {"dvc.workflow.timers.due", "dvc.workflow.timers.late"} <= names["workflow-svc"]
    # the gateway watches its own stream's consumers and the dead letters of every consumer (zero included)
    assert {"dvc.consumer.pending", "dvc.dead_letters"} <= names["gateway"]
    letters = sink.latest("gateway", "dvc.dead_letters")
    assert "notify-intake" in {p.attributes["messaging.consumer.group.name"] for p in letters}


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "the page has no CSRF field"
    return m.group(1)


async def console(gw: httpx.AsyncClient, username: str, password: str) -> httpx.AsyncClient:
    """A browser session of the officer console (its own cookies), logged in."""
    web = httpx.AsyncClient(base_url=str(gw.base_url), timeout=30, follow_redirects=False)
    page = await web.get("/can-bo/dang-nhap")
    r = await web.post("/can-bo/dang-nhap", data={"username": username, "password": password, "tiep": "/can-bo/",
                                                  "csrf_token": csrf_of(page.text)})
    assert r.status_code == 303, r.text
    return web


def row_of(html: str, name: str) -> str:
    m = re.search(rf'<tr[^>]*>\s*<th scope="row">{re.escape(name)}</th>(.*?)</tr>', html, re.S)
    assert m, f"no row {name}"
    return m.group(1)


async def _status(gw: httpx.AsyncClient, admin: dict[str, str]) -> dict[str, Any]:
    r = await gw.get("/api/v1/ops/status", headers=admin)
    assert r.status_code == 200, r.text
    return dict(r.json())


def _consumer(status: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in status["consumers"] if c["name"] == name)


async def test_notify_stopped_shows_as_consumer_lag_and_recovers_after_restart(
    gw: httpx.AsyncClient, platform: Platform, sink: OtlpSink
) -> None:
    admin = await login(gw, "admin", "Admin@2026")
    citizen = await login(gw, "congdan1", "CongDan@2026")
    assert (await gw.get("/api/v1/ops/status", headers=citizen)).status_code == 403
    platform.stop_service("notify")
    addresses = []
    for i in range(5):  # traffic while notify is down: registrations, each one a welcome email to send
        address = f"lag-{i}-{uuid.uuid4().hex[:6]}@example.vn"
        r = await gw.post("/api/v1/auth/register", json={
            "username": f"lag.{uuid.uuid4().hex[:8]}", "password": "CongDan@2026", "full_name": "Đỗ Văn Lâm",
            "id_number": str(uuid.uuid4().int)[:12], "phone": "0933444555", "email": address})
        assert r.status_code == 201, r.text
        addresses.append(address)

    async def lagging() -> dict[str, Any] | None:
        status = await _status(gw, admin)
        welcome = _consumer(status, "notify-welcome")
        return status if welcome["pending"] + welcome["ack_pending"] >= 5 else None

    status = await eventually(lagging, timeout=60)
    assert status["status"] == "degraded"
    assert next(s for s in status["services"] if s["name"] == "notify")["ready"] == "unavailable"
    # the operator status page of the officer console shows it too
    web = await console(gw, "admin", "Admin@2026")
    html = (await web.get("/can-bo/van-hanh")).text
    assert "<h1>Vận hành hệ thống</h1>" in html and "Có vấn đề cần xử lý" in html
    assert "Không sẵn sàng" in row_of(html, "notify")
    pending_cells = re.findall(r"<td>(\d+)</td>", row_of(html, "notify-welcome"))
    assert int(pending_cells[0]) + int(pending_cells[1]) >= 5, pending_cells

    def metric_lag() -> float | None:
        points = [p for p in sink.latest("gateway", "dvc.consumer.pending")
                  if p.attributes.get("messaging.consumer.group.name") == "notify-welcome"]
        return points[0].value if points and points[0].value >= 5 else None

    await eventually(metric_lag, timeout=60)

    platform.start_service("notify")

    async def recovered() -> dict[str, Any] | None:
        status = await _status(gw, admin)
        welcome = _consumer(status, "notify-welcome")
        return status if welcome["pending"] == 0 and welcome["ack_pending"] == 0 else None

    status = await eventually(recovered, timeout=120)
    assert next(s for s in status["services"] if s["name"] == "notify")["ready"] == "ok"

    async def page_recovered() -> bool:  # a readiness probe may time out on a loaded machine: the next one answers
        html = (await web.get("/can-bo/van-hanh")).text
        return ("<td>Sẵn sàng</td>" in row_of(html, "notify")
                and re.findall(r"<td>(\d+)</td>", row_of(html, "notify-welcome"))[:2] == ["0", "0"])

    await eventually(page_recovered, timeout=60)
    await web.aclose()

    def metric_zero() -> bool:
        points = [p for p in sink.latest("gateway", "dvc.consumer.pending")
                  if p.attributes.get("messaging.consumer.group.name") == "notify-welcome"]
        return bool(points) and points[0].value == 0

    await eventually(metric_zero, timeout=60)
    for address in addresses:
        await eventually(lambda a=address: mails_to(platform, a), timeout=60)


async def test_a_dead_letter_is_listed_and_replayed_from_the_console(
    gw: httpx.AsyncClient, platform: Platform
) -> None:
    nc = await bus.connect(platform.nats_url, name="test")
    try:
        js = nc.jetstream()
        # an event no consumer can read: each consumer of the subject parks it at once
        await js.publish("intake.dossier.withdrawn.v1", b"khong phai CloudEvent",
                         headers={"Nats-Msg-Id": f"bad-{uuid.uuid4().hex}"})
    finally:
        await nc.close()
    admin = await login(gw, "admin", "Admin@2026")

    async def parked() -> dict[str, Any] | None:
        status = await _status(gw, admin)
        return status if any(d["consumer"] == "notify-intake" for d in status["dead_letters"]) else None

    status = await eventually(parked, timeout=60)
    letter = next(d for d in status["dead_letters"] if d["consumer"] == "notify-intake")
    assert letter["original_subject"] == "intake.dossier.withdrawn.v1" and "CloudEvent" in letter["error"]
    assert status["status"] == "degraded" and status["dead_letters_total"] >= 1
    web = await console(gw, "admin", "Admin@2026")
    html = (await web.get("/can-bo/van-hanh")).text
    assert f'action="/can-bo/van-hanh/thu-chet/{letter["seq"]}/gui-lai"' in html
    r = await web.post(f"/can-bo/van-hanh/thu-chet/{letter['seq']}/gui-lai", data={"csrf_token": csrf_of(html)})
    assert r.status_code == 303 and "thong-bao=" in r.headers["location"]
    after = await _status(gw, admin)
    assert letter["seq"] not in [d["seq"] for d in after["dead_letters"]]
    # replayed once: it is gone from the dead-letter stream
    r = await gw.post(f"/api/v1/ops/dead-letters/{letter['seq']}/replay", headers=admin)
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    # the page is for administrators only
    desk = await console(gw, "tiepnhan.stp", "CanBo@2026")
    assert (await desk.get("/can-bo/van-hanh")).status_code == 404
    assert json.loads((await gw.get("/api/v1/ops/status")).text)["status"] == 401
    await web.aclose()
    await desk.aclose()


async def test_a_collector_that_goes_away_costs_only_the_data(
    gw: httpx.AsyncClient, platform: Platform, sink: OtlpSink
) -> None:
    sink.stop()
    for _ in range(20):
        r = await gw.get("/api/v1/catalog/procedures", params={"q": "ly lich"})
        assert r.status_code == 200, r.text
    assert (await gw.get("/readyz")).json()["status"] == "ok"
