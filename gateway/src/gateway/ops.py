"""The operators' status for a province without Grafana (admins only): every service's readiness and
sampled gauges (``/opsz``), each durable consumer's lag read live from JetStream, the dead letters with a
replay action, and the overdue dossiers."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import aiohttp
from fastapi import APIRouter, Request
from nats.js.errors import NotFoundError
from pydantic import BaseModel

from contracts import DLQ_STREAM, STREAMS
from gateway.deps import AdminUser
from gateway.errors import NotFound, Problem

router = APIRouter(prefix="/api/v1/ops", tags=["ops"])
DEAD_LETTERS_SHOWN = 50
# consumer lag above this many messages (or any dead letter, any unready service) marks the platform degraded
LAG_WARNING = 100


class ServiceStatus(BaseModel):
    name: str
    ready: str  # ok | degraded (working, something is wrong) | unavailable
    checks: dict[str, Any] = {}
    metrics: dict[str, list[dict[str, Any]]] = {}


class ConsumerStatus(BaseModel):
    name: str
    stream: str
    pending: int
    ack_pending: int
    redelivered: int
    waiting: int


class DeadLetter(BaseModel):
    seq: int
    consumer: str
    subject: str
    original_subject: str | None
    error: str | None
    time: datetime | None


class OutboxStatus(BaseModel):
    service: str
    backlog: int
    oldest_age_seconds: float


class OverdueAgency(BaseModel):
    agency: str
    count: int


class OpsStatus(BaseModel):
    status: str  # ok | degraded
    checked_at: datetime
    services: list[ServiceStatus]
    outbox: list[OutboxStatus]
    consumers: list[ConsumerStatus]
    dead_letters_total: int
    dead_letters: list[DeadLetter]
    reception_overdue: int | None
    overdue_by_agency: list[OverdueAgency]
    problems: list[str]


class Replayed(BaseModel):
    seq: int
    subject: str
    event_id: str | None


def _js(request: Request) -> Any:
    js = getattr(request.app.state, "js", None)
    if js is None:
        raise Problem("Chưa kết nối được hệ thống truyền sự kiện (NATS).", status=503, slug="service-unavailable")
    return js


async def _service(session: aiohttp.ClientSession, name: str, bases: list[str]) -> ServiceStatus:
    """The first replica that answers gives the readiness checks and the sampled gauges (the gauges count
    database rows and stream state, the same from every replica)."""
    timeout = aiohttp.ClientTimeout(total=2)
    found = ServiceStatus(name=name, ready="unavailable")
    for base in bases:
        try:
            async with session.get(base + "/readyz", timeout=timeout) as r:
                body = await r.json()
                ready = str(body.get("status") or ("ok" if r.status == 200 else "unavailable"))
                checks = body.get("checks", {})
            async with session.get(base + "/opsz", timeout=timeout) as r:
                samples = (await r.json()).get("metrics", {}) if r.status == 200 else {}
        except (aiohttp.ClientError, TimeoutError, ValueError):
            continue
        found = ServiceStatus(name=name, ready=ready, checks=checks, metrics=samples)
        if ready == "ok":
            return found
    return found


async def consumers(js: Any) -> list[ConsumerStatus]:
    out: list[ConsumerStatus] = []
    for spec in STREAMS:
        try:
            infos = await js.consumers_info(spec.name)
        except NotFoundError:
            continue
        for info in infos:
            out.append(
                ConsumerStatus(
                    name=info.name or "",
                    stream=spec.name,
                    pending=info.num_pending or 0,
                    ack_pending=info.num_ack_pending or 0,
                    redelivered=info.num_redelivered or 0,
                    waiting=info.num_waiting or 0,
                )
            )
    return sorted(out, key=lambda c: (c.stream, c.name))


async def dead_letters(js: Any, limit: int = DEAD_LETTERS_SHOWN) -> tuple[int, list[DeadLetter]]:
    """The newest ``limit`` dead letters (newest first) and how many there are."""
    try:
        info = await js.stream_info(DLQ_STREAM.name)
    except NotFoundError:
        return 0, []
    total = int(info.state.messages or 0)
    out: list[DeadLetter] = []
    seq = int(info.state.last_seq or 0)
    first = int(info.state.first_seq or 0)
    while seq >= first and seq > 0 and len(out) < limit:
        try:
            msg = await js.get_msg(DLQ_STREAM.name, seq)
        except NotFoundError:
            seq -= 1
            continue
        headers = msg.headers or {}
        parts = (msg.subject or "").split(".")
        out.append(
            DeadLetter(
                seq=seq,
                consumer=headers.get("Dvc-Consumer") or (parts[1] if len(parts) > 2 else ""),
                subject=msg.subject or "",
                original_subject=headers.get("Dvc-Original-Subject"),
                error=headers.get("Dvc-Error"),
                time=msg.time if isinstance(getattr(msg, "time", None), datetime) else None,
            )
        )
        seq -= 1
    return total, out


def _value(metrics: dict[str, list[dict[str, Any]]], name: str) -> float:
    return float(sum(v.get("value", 0) for v in metrics.get(name, [])))


@router.get("/status", response_model=OpsStatus, summary="Tình trạng vận hành của nền tảng (quản trị)")
async def status(request: Request, _: AdminUser) -> OpsStatus:
    from gateway.app import split_urls, upstreams

    session: aiohttp.ClientSession = request.app.state.proxy.session
    settings = request.app.state.settings
    services = list(await asyncio.gather(*(_service(session, n, split_urls(u))
                                           for n, u in upstreams(settings).items())))
    gateway_samples = request.app.state.samples.as_json()
    services.insert(0, ServiceStatus(name="gateway", ready="ok", checks={}, metrics=gateway_samples))
    js = getattr(request.app.state, "js", None)
    problems: list[str] = []
    lag: list[ConsumerStatus] = []
    total, letters = 0, list[DeadLetter]()
    if js is None:
        problems.append("Cổng chưa kết nối được NATS: không đọc được độ trễ của các bộ tiêu thụ sự kiện.")
    else:
        try:
            lag = await consumers(js)
            total, letters = await dead_letters(js)
        except Exception as exc:  # NATS blinked: the page still shows the rest
            problems.append(f"Không đọc được trạng thái JetStream: {exc}")
    outbox = [
        OutboxStatus(service=s.name, backlog=int(_value(s.metrics, "dvc.outbox.backlog")),
                     oldest_age_seconds=_value(s.metrics, "dvc.outbox.oldest_age"))
        for s in services
        if "dvc.outbox.backlog" in s.metrics
    ]
    intake = next((s for s in services if s.name == "intake"), None)
    reception_overdue = None
    by_agency: list[OverdueAgency] = []
    if intake is not None and "dvc.dossiers.reception_overdue" in intake.metrics:
        reception_overdue = int(_value(intake.metrics, "dvc.dossiers.reception_overdue"))
        by_agency = sorted(
            (OverdueAgency(agency=v["attributes"].get("agency", ""), count=int(v["value"]))
             for v in intake.metrics.get("dvc.dossiers.overdue", []) if v.get("value")),
            key=lambda a: (-a.count, a.agency),
        )
    for s in services:
        if s.ready == "degraded":
            problems.append(f"Dịch vụ {s.name} vẫn hoạt động nhưng gián đoạn (xem các mục kiểm tra).")
        elif s.ready != "ok":
            problems.append(f"Dịch vụ {s.name} không sẵn sàng.")
    for c in lag:
        if c.pending + c.ack_pending > LAG_WARNING:
            problems.append(f"Bộ tiêu thụ {c.name} còn {c.pending + c.ack_pending} sự kiện chưa xử lý.")
    if total:
        problems.append(f"Có {total} sự kiện trong hàng thư chết (dead letter).")
    return OpsStatus(
        status="ok" if not problems else "degraded",
        checked_at=datetime.now(UTC),
        services=services,
        outbox=outbox,
        consumers=lag,
        dead_letters_total=total,
        dead_letters=letters,
        reception_overdue=reception_overdue,
        overdue_by_agency=by_agency,
        problems=problems,
    )


@router.post(
    "/dead-letters/{seq}/replay",
    response_model=Replayed,
    status_code=202,
    summary="Đưa lại một sự kiện trong hàng thư chết về luồng gốc (quản trị)",
)
async def replay(seq: int, request: Request, _: AdminUser) -> Replayed:
    """Publishes the parked event again on its original subject (consumers that already handled it skip it by
    their inbox) and removes it from the dead-letter stream."""
    js = _js(request)
    try:
        msg = await js.get_msg(DLQ_STREAM.name, seq)
    except NotFoundError:
        raise NotFound("Không tìm thấy sự kiện này trong hàng thư chết.") from None
    headers = dict(msg.headers or {})
    original = headers.get("Dvc-Original-Subject")
    if not original:
        raise Problem("Sự kiện không ghi chủ đề gốc nên không thể đưa lại.", status=409, slug="conflict")
    event_id: str | None = None
    try:
        event_id = json.loads(msg.data or b"{}").get("id")
    except ValueError:
        pass
    out = {k: v for k, v in headers.items() if not k.startswith("Dvc-") and not k.startswith("Nats-")}
    out["Nats-Msg-Id"] = f"replay-{seq}-{event_id or 'x'}"
    await js.publish(original, msg.data or b"", headers=out)
    await js.delete_msg(DLQ_STREAM.name, seq)
    return Replayed(seq=seq, subject=original, event_id=event_id)

