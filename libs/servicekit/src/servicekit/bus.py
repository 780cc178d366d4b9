"""NATS JetStream: connection, idempotent stream set-up, and durable pull consumers whose handler
effects commit together with an inbox row, so a redelivered event changes nothing twice."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import nats
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError
from opentelemetry import trace
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts import DLQ_STREAM, STREAMS, CloudEvent, StreamSpec, dlq_subject, stream_for_subject
from servicekit.opsmetrics import CONSUMED
from servicekit.telemetry import continued, inject_headers, tracer

log = logging.getLogger(__name__)

Handler = Callable[[CloudEvent, AsyncSession], Awaitable[None]]

# The inbox row of an event, first time only. Plain SQL: SQLAlchemy's PostgreSQL ``insert … on_conflict`` has no
# cache key, so that construct would be compiled again for every event consumed (the kit_inbox table: db.InboxRow).
FIRST_SIGHT = text(
    "INSERT INTO kit_inbox (consumer, event_id, event_type) VALUES (:consumer, :event_id, :event_type) "
    "ON CONFLICT DO NOTHING RETURNING event_id"
)


def raise_if_cancelling() -> None:
    """nats-py sometimes turns a cancellation into its own error: a retry loop must not swallow it."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


def server_urls(url: str) -> list[str]:
    """``NATS_URL`` may name several servers of one cluster, comma-separated: any of them will do."""
    return [u.strip() for u in url.split(",") if u.strip()]


async def connect(url: str, *, name: str, creds_file: str | None = None, user: str | None = None,
                  password: str | None = None) -> NATS:
    """Connects, retrying the first connection forever with backoff; then reconnects forever (to any server of
    the cluster: those in ``url`` and those the servers announce).

    Credentials: a creds file (``NATS_CREDS_FILE``: the account's JWT and nkey seed) or a user and password
    (``NATS_USER``, ``NATS_PASSWORD``); none when the server needs none (the dev stack's)."""
    auth: dict[str, Any] = {}
    if creds_file:
        auth["user_credentials"] = creds_file
    elif user:
        auth.update(user=user, password=password or "")

    async def on_error(exc: Exception) -> None:
        log.warning("nats: %s", exc)

    delay = 0.2
    while True:
        try:
            return await nats.connect(
                server_urls(url),
                name=name,
                max_reconnect_attempts=-1,
                reconnect_time_wait=0.5,
                connect_timeout=2,
                allow_reconnect=True,
                error_cb=on_error,
                **auth,
            )
        except (OSError, nats.errors.NoServersError, NatsTimeout) as exc:
            raise_if_cancelling()
            log.warning("nats %s not reachable (%s); retrying in %.1fs", url, exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


@dataclass(frozen=True)
class StreamSettings:
    """What an operator decides for every stream the platform creates (``DVC_STREAM_*``): replicas (3 on a
    3-node cluster), and limits and retention. Applied when a stream is created, never to one that exists:
    an operator's later change (``nats stream edit``) is kept across every restart."""

    replicas: int = 1
    max_age: float = 0.0  # seconds; 0 keeps messages until a limit or forever
    max_bytes: int = -1
    max_msgs: int = -1
    duplicate_window: float = 120.0


async def ensure_streams(
    js: JetStreamContext,
    specs: Iterable[StreamSpec] = (*STREAMS, DLQ_STREAM),
    settings: StreamSettings | None = None,
) -> None:
    """Creates each missing stream with ``settings``; on a stream that exists only adds subjects it lacks
    (a new event family), keeping its replicas, limits and retention as they are: safe on every start-up."""
    settings = settings or StreamSettings()
    for spec in specs:
        try:
            info = await js.stream_info(spec.name)
        except NotFoundError:
            try:
                await js.add_stream(
                    StreamConfig(
                        name=spec.name,
                        subjects=list(spec.subjects),
                        storage=StorageType.FILE,
                        num_replicas=settings.replicas,
                        max_age=settings.max_age or None,
                        max_bytes=settings.max_bytes,
                        max_msgs=settings.max_msgs,
                        duplicate_window=settings.duplicate_window,
                    )
                )
                log.info("stream %s created (%d replicas)", spec.name, settings.replicas)
                continue
            except Exception:  # another replica created it meanwhile
                info = await js.stream_info(spec.name)
        have = list(info.config.subjects or [])
        missing = [s for s in spec.subjects if s not in have]
        if missing:
            config = info.config
            config.subjects = have + missing
            await js.update_stream(config)
            log.info("stream %s: subjects %s added", spec.name, missing)


@dataclass
class Subscription:
    """One durable consumer: ``name`` is ``<consumer-svc>-<handler>``; ``event_types`` share a stream."""

    name: str
    event_types: Sequence[str]
    handler: Handler
    max_deliver: int = 5
    ack_wait: float = 30.0
    retry_delays: Sequence[float] = (0.5, 2.0, 5.0, 15.0)
    batch: int = 64
    stream: str = field(init=False)

    def __post_init__(self) -> None:
        streams = {stream_for_subject(t).name for t in self.event_types}
        if len(streams) != 1:
            raise ValueError(f"consumer {self.name}: event types must share one stream, got {streams}")
        self.stream = streams.pop()


class ConsumerRunner:
    def __init__(self, js: JetStreamContext, sessionmaker: async_sessionmaker[AsyncSession], sub: Subscription) -> None:
        self._js = js
        self._sessionmaker = sessionmaker
        self.sub = sub
        self.processed = 0
        self.dead_lettered = 0
        self.idle_wait = 5.0
        self.drain_wait = 0.2

    async def _bind(self) -> JetStreamContext.PullSubscription:
        config = ConsumerConfig(
            durable_name=self.sub.name,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            # one more than ours: the server stops redelivering only if we crash on the last try
            max_deliver=self.sub.max_deliver + 1,
            ack_wait=self.sub.ack_wait,
            filter_subjects=list(self.sub.event_types),
            max_ack_pending=1000,
        )
        await self._js.add_consumer(self.sub.stream, config)
        return await self._js.pull_subscribe_bind(self.sub.name, stream=self.sub.stream)

    async def run(self) -> None:
        """At rest: one long pull for a single message (``idle_wait`` seconds, answered the moment an event
        arrives). Busy: batches taken without waiting (``no_wait``) until a batch comes back short. A pull for a
        whole batch that lingers would hold the first event until the batch filled or the pull expired."""
        psub: JetStreamContext.PullSubscription | None = None
        busy = False
        while True:
            try:
                if psub is None:
                    psub = await self._bind()
                try:
                    if busy:
                        msgs = await psub.fetch(self.sub.batch, timeout=self.drain_wait)
                    else:
                        msgs = await psub.fetch(1, timeout=self.idle_wait)
                except NatsTimeout:
                    busy = False
                    continue
                for msg in msgs:
                    await self.handle(msg)
                busy = not busy or len(msgs) >= self.sub.batch
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                raise_if_cancelling()
                log.warning("consumer %s: %s; retrying", self.sub.name, exc)
                psub = None
                await asyncio.sleep(1.0)

    async def handle(self, msg: Msg) -> None:
        try:
            event = CloudEvent.model_validate_json(msg.data)
        except ValueError as exc:
            await self._dead_letter(msg, "unparseable", f"not a CloudEvent: {exc}")
            return
        with continued(msg.headers), tracer().start_as_current_span(
            f"consume {event.type}",
            kind=trace.SpanKind.CONSUMER,
            attributes={
                "messaging.system": "nats",
                "messaging.destination.name": msg.subject,
                "messaging.message.id": event.id,
                "messaging.consumer.group.name": self.sub.name,
            },
        ) as span:
            try:
                async with self._sessionmaker() as session, session.begin():
                    first = await session.execute(
                        FIRST_SIGHT, {"consumer": self.sub.name, "event_id": event.id, "event_type": event.type}
                    )
                    if first.scalar_one_or_none() is not None:
                        await self.sub.handler(event, session)
                    else:
                        span.set_attribute("dvc.duplicate", True)
            except Exception as exc:
                span.record_exception(exc)
                delivered = msg.metadata.num_delivered
                if delivered >= self.sub.max_deliver:
                    await self._dead_letter(msg, event.type, repr(exc))
                    return
                delay = self.sub.retry_delays[min(delivered - 1, len(self.sub.retry_delays) - 1)]
                log.warning("consumer %s: event %s failed (try %d): %r", self.sub.name, event.id, delivered, exc)
                await msg.nak(delay=delay)
                CONSUMED.add(1, {"messaging.consumer.group.name": self.sub.name, "outcome": "retried"})
                return
        await msg.ack()
        self.processed += 1
        CONSUMED.add(1, {"messaging.consumer.group.name": self.sub.name, "outcome": "ok"})

    async def _dead_letter(self, msg: Msg, event_type: str, error: str) -> None:
        headers = {
            **(msg.headers or {}),
            **inject_headers(),
            "Dvc-Error": error[:1000],
            "Dvc-Original-Subject": msg.subject,
            "Dvc-Consumer": self.sub.name,
        }
        meta_id = (msg.headers or {}).get("Nats-Msg-Id")
        if meta_id:
            headers["Nats-Msg-Id"] = f"dlq-{self.sub.name}-{meta_id}"
        else:
            headers.pop("Nats-Msg-Id", None)
        await self._js.publish(dlq_subject(self.sub.name, event_type.replace(".", "_")), msg.data, headers=headers)
        await msg.term()
        self.dead_lettered += 1
        CONSUMED.add(1, {"messaging.consumer.group.name": self.sub.name, "outcome": "dead_lettered"})
        log.error("consumer %s: dead-lettered %s: %s", self.sub.name, msg.subject, error[:200])
