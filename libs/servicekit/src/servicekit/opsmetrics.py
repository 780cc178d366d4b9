"""What operators watch: the platform's metric instruments, declared once, and the sampled gauges.

Every instrument of the platform is created through :func:`counter`, :func:`histogram` or :func:`gauge`, so
:data:`INSTRUMENTS` lists what the services emit (the dashboards and alert rules are checked against it).

Gauges that need a query (outbox backlog, consumer pending, overdue dossiers …) are **sampled**: one
background task per service runs its samplers every ``ops_sample_seconds`` (default 15 s) and keeps the
values; the OTLP export and the ``/opsz`` endpoint only read them, so an export never runs a query.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from nats.js.errors import NotFoundError
from opentelemetry import metrics
from opentelemetry.metrics import CallbackOptions, Observation
from sqlalchemy import func, select

from contracts import DLQ_STREAM, STREAMS
from servicekit.db import OutboxRow

log = logging.getLogger(__name__)

Attrs = dict[str, str]
Values = list[tuple[float, Attrs]]
Sampler = Callable[[FastAPI], Awaitable[dict[str, Values]]]


@dataclass(frozen=True)
class Instrument:
    name: str
    kind: str  # counter | histogram | gauge
    unit: str
    description: str


INSTRUMENTS: dict[str, Instrument] = {}
_meter = metrics.get_meter("dvc")


def _declare(name: str, kind: str, unit: str, description: str) -> None:
    known = INSTRUMENTS.get(name)
    if known is not None and known.kind != kind:
        raise ValueError(f"metric {name} declared twice with different kinds")
    INSTRUMENTS[name] = Instrument(name, kind, unit, description)


def counter(name: str, *, unit: str, description: str) -> metrics.Counter:
    _declare(name, "counter", unit, description)
    return _meter.create_counter(name, unit=unit, description=description)


def histogram(name: str, *, unit: str, description: str, buckets: Sequence[float] | None = None) -> metrics.Histogram:
    _declare(name, "histogram", unit, description)
    return _meter.create_histogram(name, unit=unit, description=description,
                                   explicit_bucket_boundaries_advisory=buckets)


@dataclass
class SampleStore:
    """The latest sampled values of this process, by metric name; ``sampled_at`` is a wall-clock time."""

    values: dict[str, Values] = field(default_factory=dict)
    sampled_at: dict[str, datetime] = field(default_factory=dict)

    def put(self, name: str, values: Values) -> None:
        self.values[name] = values
        self.sampled_at[name] = datetime.now(UTC)

    def observe(self, name: str) -> Iterable[Observation]:
        return [Observation(v, a) for v, a in self.values.get(name, [])]

    def as_json(self) -> dict[str, Any]:
        return {
            name: [{"value": v, "attributes": a} for v, a in values]
            for name, values in sorted(self.values.items())
        }


STORES: list[SampleStore] = []  # one per running app (tests run several services in one process)


def new_store() -> SampleStore:
    store = SampleStore()
    STORES.append(store)
    return store


def drop_store(store: SampleStore) -> None:
    if store in STORES:
        STORES.remove(store)


def gauge(name: str, *, unit: str, description: str) -> str:
    """An observable gauge reporting whatever the samplers last put under ``name``."""
    if name not in INSTRUMENTS:

        def callback(options: CallbackOptions) -> Iterable[Observation]:
            return [o for store in list(STORES) for o in store.observe(name)]

        _meter.create_observable_gauge(name, callbacks=[callback], unit=unit, description=description)
    _declare(name, "gauge", unit, description)
    return name


# --- the kit's own metrics --------------------------------------------------------------------------------------
OUTBOX_BACKLOG = gauge("dvc.outbox.backlog", unit="{event}", description="Outbox events not yet published.")
OUTBOX_AGE = gauge("dvc.outbox.oldest_age", unit="s", description="Age of the oldest unpublished outbox event.")
CONSUMER_PENDING = gauge("dvc.consumer.pending", unit="{message}",
                         description="Messages of a stream a durable consumer has not received yet.")
CONSUMER_ACK_PENDING = gauge("dvc.consumer.ack_pending", unit="{message}",
                             description="Messages delivered to a durable consumer and not acknowledged yet.")
CONSUMER_REDELIVERED = gauge("dvc.consumer.redelivered", unit="{message}",
                             description="Messages a durable consumer has had redelivered (now outstanding).")
DEAD_LETTERS = gauge("dvc.dead_letters", unit="{message}",
                     description="Events parked in the dead-letter stream, by consumer.")
DB_CONNECTIONS = gauge("db.client.connection.count", unit="{connection}",
                       description="Connections of the pool, by state (idle, used).")
DB_CONNECTIONS_MAX = gauge("db.client.connection.max", unit="{connection}",
                           description="The most connections the pool may open.")
CONSUMED = counter("dvc.consumer.messages", unit="{message}",
                   description="Events handled by a durable consumer, by outcome (ok, retried, dead_lettered).")


def _pool_attrs(app: FastAPI) -> Attrs:
    return {"db.client.connection.pool.name": app.state.settings.service_name}


async def sample_pool(app: FastAPI) -> dict[str, Values]:
    pool = app.state.engine.pool
    attrs = _pool_attrs(app)
    used = float(pool.checkedout())
    idle = float(pool.checkedin())
    size = float(pool.size() + max(getattr(pool, "_max_overflow", 0), 0))
    return {
        DB_CONNECTIONS: [(used, {**attrs, "db.client.connection.state": "used"}),
                         (idle, {**attrs, "db.client.connection.state": "idle"})],
        DB_CONNECTIONS_MAX: [(size, attrs)],
    }


async def sample_outbox(app: FastAPI) -> dict[str, Values]:
    """One index-only query over the unsent rows (the relay's partial index)."""
    async with app.state.sessionmaker() as session:
        count, oldest = (
            await session.execute(
                select(func.count(), func.min(OutboxRow.created_at)).where(OutboxRow.sent_at.is_(None))
            )
        ).one()
    age = (datetime.now(UTC) - oldest).total_seconds() if oldest is not None else 0.0
    return {OUTBOX_BACKLOG: [(float(count), {})], OUTBOX_AGE: [(max(age, 0.0), {})]}


def own_streams(service_name: str) -> list[str]:
    """The stream this service publishes to (its consumers are watched from here: a stopped consumer
    service cannot report its own lag). The gateway also watches the dead-letter stream."""
    base = service_name.removesuffix("-svc").upper()
    return [s.name for s in STREAMS if s.name == base]


async def sample_consumers(app: FastAPI) -> dict[str, Values]:
    js = app.state.js
    if js is None:
        return {}
    pending: Values = []
    ack_pending: Values = []
    redelivered: Values = []
    for stream in own_streams(app.state.settings.service_name):
        for info in await js.consumers_info(stream):
            attrs = {"messaging.consumer.group.name": info.name or "", "messaging.destination.name": stream}
            pending.append((float(info.num_pending or 0), attrs))
            ack_pending.append((float(info.num_ack_pending or 0), attrs))
            redelivered.append((float(info.num_redelivered or 0), attrs))
    return {CONSUMER_PENDING: pending, CONSUMER_ACK_PENDING: ack_pending, CONSUMER_REDELIVERED: redelivered}


async def dead_letter_counts(js: Any) -> dict[str, int]:
    """Messages in the dead-letter stream by consumer (``dlq.<consumer>.<event type>``)."""
    info = await js.stream_info(DLQ_STREAM.name, subjects_filter="dlq.>")
    counts: dict[str, int] = {}
    for subject, n in (info.state.subjects or {}).items():
        parts = subject.split(".")
        consumer = parts[1] if len(parts) > 2 else subject
        counts[consumer] = counts.get(consumer, 0) + int(n)
    return counts


async def sample_dead_letters(app: FastAPI) -> dict[str, Values]:
    js = app.state.js
    if js is None:
        return {}
    counts = await dead_letter_counts(js)
    for spec in STREAMS:  # every durable consumer reports, zero included (an alert needs the series)
        try:
            for info in await js.consumers_info(spec.name):
                counts.setdefault(info.name or "", 0)
        except NotFoundError:
            continue
    return {DEAD_LETTERS: [(float(n), {"messaging.consumer.group.name": c}) for c, n in sorted(counts.items())]}


KIT_SAMPLERS: tuple[Sampler, ...] = (sample_pool, sample_outbox, sample_consumers)


async def run_samplers(app: FastAPI, samplers: Sequence[Sampler]) -> None:
    """Once: each sampler's values replace its previous ones; a failing sampler keeps its old values."""
    store: SampleStore = app.state.samples
    for sampler in samplers:
        try:
            async with asyncio.timeout(10):
                for name, values in (await sampler(app)).items():
                    store.put(name, values)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("metrics sampler %s: %s", getattr(sampler, "__name__", sampler), exc)


async def sample_forever(app: FastAPI, samplers: Sequence[Sampler], interval: float) -> None:
    while True:
        started = time.monotonic()
        await run_samplers(app, samplers)
        await asyncio.sleep(max(interval - (time.monotonic() - started), 0.5))


def ops_router() -> APIRouter:
    """``GET /opsz``: this service's sampled gauges as JSON, read by the gateway's operator status (not routed
    publicly: the gateway proxies only ``/api/…`` paths)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/opsz")
    async def opsz(request: Request) -> dict[str, Any]:
        app = request.app
        store: SampleStore = app.state.samples
        return {"service": app.state.settings.service_name, "metrics": store.as_json()}

    return router
