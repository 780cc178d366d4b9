"""The lifespan every service shares: engine, NATS, stream set-up, the outbox relay and the consumers.

A service's ``create_app()`` calls :func:`create_service_app` with its routers and subscriptions.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import io
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from typing import Any

import stamina
from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.middleware import Middleware

from servicekit import audit, bus, opsmetrics, retention
from servicekit.auth import TokenVerifier
from servicekit.db import make_engine, make_sessionmaker
from servicekit.health import ReadyCheck, health_router
from servicekit.openapi import install as install_openapi
from servicekit.outbox import OutboxRelay
from servicekit.problems import install_problem_handlers
from servicekit.settings import ServiceSettings
from servicekit.telemetry import TelemetryMiddleware, instrument_engine, instrument_httpx, setup_logging, setup_tracing
from servicekit.wakeup import Listener

log = logging.getLogger(__name__)

Hook = Callable[[FastAPI], Awaitable[None]]


def _retry_unless_cancelling(exc: Exception) -> bool:
    """stamina's predicate: retry any error, except one nats-py made out of our own cancellation."""
    bus.raise_if_cancelling()
    return True


def stream_settings(settings: ServiceSettings) -> bus.StreamSettings:
    return bus.StreamSettings(replicas=settings.stream_replicas, max_age=settings.stream_max_age_seconds,
                              max_bytes=settings.stream_max_bytes, max_msgs=settings.stream_max_msgs)


async def _ensure_streams_forever(js: Any, streams: bus.StreamSettings) -> None:
    """Until JetStream answers: exponential backoff from 0.2 s up to 5 s (stamina logs each retry)."""
    async for attempt in stamina.retry_context(on=_retry_unless_cancelling, attempts=None, timeout=None,
                                               wait_initial=0.2, wait_max=5.0, wait_jitter=0.2):
        with attempt:
            await bus.ensure_streams(js, settings=streams)


async def load_verifier(settings: ServiceSettings) -> TokenVerifier | None:
    if settings.auth_public_key_file:
        return TokenVerifier.from_pem_file(settings.auth_public_key_file, issuer=settings.auth_issuer)
    if settings.auth_jwks_url:
        try:  # the gateway may start after us: 30 tries, one second apart
            async for attempt in stamina.retry_context(on=Exception, attempts=30, timeout=None, wait_initial=1.0,
                                                       wait_max=1.0, wait_jitter=0.0, wait_exp_base=1.0):
                with attempt:
                    return await TokenVerifier.from_jwks_url(settings.auth_jwks_url, issuer=settings.auth_issuer)
        except Exception as exc:
            raise RuntimeError(f"could not load JWKS from {settings.auth_jwks_url}") from exc
    return None


def create_service_app(
    *,
    settings: ServiceSettings,
    title: str,
    description: str = "",
    routers: Sequence[APIRouter] = (),
    subscriptions: Sequence[bus.Subscription] = (),
    ready_checks: Sequence[ReadyCheck] = (),
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
    background: Sequence[Callable[[FastAPI], Coroutine[Any, Any, None]]] = (),
    verifier: TokenVerifier | None = None,
    cors_origins: Sequence[str] = (),
    docs: bool = True,
    middleware: Sequence[Middleware] = (),
    samplers: Sequence[opsmetrics.Sampler] = (),
    telemetry: bool = True,
) -> FastAPI:
    """``middleware`` (e.g. :class:`servicekit.respcache.ResponseCache`) runs innermost: inside the error
    wrappers and the telemetry, so what it answers is traced and guarded like any other answer.
    ``samplers`` add the service's own sampled gauges (see opsmetrics) to the kit's; ``telemetry=False``
    leaves the HTTP middleware to whoever wraps the app (the gateway wraps its proxy)."""
    setup_logging(settings.service_name)
    setup_tracing(settings.service_name)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
        if settings.trace_sql:  # a span per statement: for a debugging session, not on by default
            instrument_engine(engine)
        app.state.settings = settings
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        app.state.token_verifier = verifier or await load_verifier(settings)
        app.state.nc = app.state.js = None
        app.state.bus_ready = asyncio.Event()  # set once connected to NATS (app.state.nc)
        # one LISTEN connection: the relay and the service's own loops sleep until notified (servicekit.wakeup)
        app.state.listener = Listener(settings.database_url)
        app.state.relay = OutboxRelay(app.state.sessionmaker, None, batch=settings.relay_batch,
                                      listener=app.state.listener)
        app.state.consumers = []
        app.state.audit_key = audit.load_anchor_key(settings)
        app.state.samples = opsmetrics.new_store()
        for hook in on_startup:
            await hook(app)
        freeze_startup_objects()

        async def bus_main() -> None:
            """NATS may be down at start: the app serves meanwhile and /readyz says so."""
            nc = await bus.connect(settings.nats_url, name=settings.service_name, creds_file=settings.nats_creds_file,
                                   user=settings.nats_user, password=settings.nats_password)
            js = nc.jetstream(timeout=5)
            app.state.nc, app.state.js = nc, js
            app.state.bus_ready.set()
            app.state.relay.js = js
            app.state.consumers = [bus.ConsumerRunner(js, app.state.sessionmaker, s) for s in subscriptions]
            await _ensure_streams_forever(js, stream_settings(settings))
            tasks.append(asyncio.create_task(app.state.relay.run(), name="outbox-relay"))
            tasks.extend(asyncio.create_task(c.run(), name=f"consumer-{c.sub.name}") for c in app.state.consumers)

        tasks: list[asyncio.Task[None]] = []
        if settings.run_background:
            tasks.append(asyncio.create_task(app.state.listener.run(), name="listen"))
            tasks.append(asyncio.create_task(bus_main(), name="bus"))
            tasks += [asyncio.create_task(_restarting(job, app), name=getattr(job, "__name__", "job"))
                      for job in background]
            tasks.append(asyncio.create_task(retention.prune_forever(
                app.state.sessionmaker, retention.Ages.of(settings), every=settings.retention_sweep_seconds),
                name="retention"))
            if app.state.audit_key is not None:
                tasks.append(asyncio.create_task(audit.anchor_forever(
                    app.state.sessionmaker, app.state.audit_key, service=settings.service_name,
                    every=settings.audit_anchor_seconds), name="audit-anchor"))
            tasks.append(asyncio.create_task(
                opsmetrics.sample_forever(app, [*opsmetrics.KIT_SAMPLERS, *samplers], settings.ops_sample_seconds),
                name="metrics-sampler"))
        app.state.tasks = tasks
        try:
            yield
        finally:
            for t in tasks:
                t.cancel()
            if tasks:
                _, pending = await asyncio.wait(tasks, timeout=5)
                for t in pending:
                    buf = io.StringIO()
                    t.print_stack(file=buf)
                    log.error("task %s did not stop when cancelled: %s", t.get_name(), buf.getvalue())
                    t.cancel()
            for hook in on_shutdown:
                await hook(app)
            if app.state.nc is not None:
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(5):
                        await app.state.nc.close()
            opsmetrics.drop_store(app.state.samples)
            await engine.dispose()

    app = FastAPI(
        title=title,
        description=description,
        version="1.0.0",
        lifespan=lifespan,
        # FastAPI's own telemetry is off: TelemetryMiddleware is the one server span and duration per request
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
        openapi_url="/openapi.json" if docs else None,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
    )
    for m in reversed(middleware):  # each add_middleware wraps the previous ones: the first listed is outermost
        app.add_middleware(m.cls, *m.args, **m.kwargs)
    install_problem_handlers(app)
    install_openapi(app)
    app.include_router(health_router(list(ready_checks)))
    app.include_router(audit.audit_router())
    app.include_router(opsmetrics.ops_router())
    for router in routers:
        app.include_router(router)
    if cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_credentials=False,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    if telemetry:  # added last: the outermost of the app's middleware (span, duration, request id)
        app.add_middleware(TelemetryMiddleware)  # type: ignore[arg-type]
    instrument_httpx()
    return app


_frozen = False


def freeze_startup_objects() -> None:
    """Once per process, when the first app has started: what start-up made (modules, classes, the app, its
    routes) lives as long as the process, so it leaves the collector's generations (``gc.freeze``) and a full
    collection scans only what was made since. Under the bench's load a full collection over catalog-svc's
    ~190,000 start-up objects stopped it for 300-480 ms: every request in flight waited that long."""
    global _frozen
    if _frozen:
        return
    _frozen = True
    gc.collect()  # garbage of the start-up first: frozen objects are never collected
    gc.freeze()


async def _restarting(job: Callable[[FastAPI], Coroutine[Any, Any, None]], app: FastAPI, *,
                      delay: float = 1.0) -> None:
    """A service's background loop must never end silently (a dead timer loop stops every deadline): an
    unexpected error is logged with its traceback and the loop starts again after ``delay`` seconds."""
    name = getattr(job, "__name__", "job")
    while True:
        try:
            await job(app)
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background job %s stopped on an error; restarting in %.0f s", name, delay)
            await asyncio.sleep(delay)
