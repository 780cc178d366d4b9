"""OpenTelemetry for every service: one trace per request, metrics and logs over OTLP.

- **Traces**: :class:`TelemetryMiddleware` is the one ASGI middleware of a service (server span per the
  HTTP semantic conventions, the ``http.server.request.duration`` histogram, the request id); the W3C
  ``traceparent`` and ``baggage`` headers continue the caller's trace. The gateway's request id travels
  as the baggage entry ``request_id`` (through HTTP, outbox rows and NATS headers), and every span
  started under it carries it as ``dvc.request_id``.
- **Sampling**: parent-based ratio, ``OTEL_TRACES_SAMPLER_ARG`` (default ``1.0``: every trace); the
  standard ``OTEL_TRACES_SAMPLER`` overrides it.
- **Export**: OTLP/HTTP when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set (traces, metrics every
  ``OTEL_METRIC_EXPORT_INTERVAL`` ms, logs), from background threads: an unreachable collector loses
  the data and nothing else.
- **Logs**: plain text by default, one JSON object per line with ``LOG_FORMAT=json``; each line carries
  the trace id, span id and request id.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping, MutableMapping
from datetime import UTC, datetime
from typing import Any

from opentelemetry import baggage, context, metrics, propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from opentelemetry.trace import SpanKind, Status, StatusCode

from servicekit import opsmetrics

REQUEST_ID = "request_id"  # the baggage key
REQUEST_ID_ATTR = "dvc.request_id"  # the span attribute
REQUEST_ID_SCOPE = "dvc.request_id"  # the ASGI scope key TelemetryMiddleware leaves it under
UNTRACED_PATHS = frozenset({"/healthz", "/readyz", "/opsz"})
# seconds, per the semantic conventions' advice for http.server.request.duration
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_configured = False
access_log = logging.getLogger("access")


def exporting() -> bool:
    return bool(os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"))


def current_request_id() -> str | None:
    value = baggage.get_baggage(REQUEST_ID)
    return str(value) if value is not None else None


# --- logs -------------------------------------------------------------------------------------------------------
class TraceIdFilter(logging.Filter):
    """Puts ``trace_id``, ``span_id`` and ``request_id`` of the current context on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        ctx = trace.get_current_span().get_span_context()
        record.trace_id = format(ctx.trace_id, "032x") if ctx.is_valid else "-"
        record.span_id = format(ctx.span_id, "016x") if ctx.is_valid else "-"
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, service, logger, message, trace/span/request ids, exception."""

    def __init__(self, service_name: str) -> None:
        super().__init__()
        self.service_name = service_name

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service_name,
            "logger": record.name,
            "message": record.getMessage(),
            "trace_id": getattr(record, "trace_id", "-"),
            "span_id": getattr(record, "span_id", "-"),
            "request_id": getattr(record, "request_id", "-"),
        }
        for key in ("http_method", "http_path", "http_status", "duration_ms"):
            if hasattr(record, key):
                out[key] = getattr(record, key)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def setup_logging(service_name: str) -> None:
    root = logging.getLogger()
    if any(isinstance(f, TraceIdFilter) for h in root.handlers for f in h.filters):
        return
    handler = logging.StreamHandler()
    handler.addFilter(TraceIdFilter())
    if os.environ.get("LOG_FORMAT", "plain").lower() == "json":
        handler.setFormatter(JsonFormatter(service_name))
    else:
        handler.setFormatter(
            logging.Formatter(
                f"%(asctime)s %(levelname)s {service_name} %(name)s trace=%(trace_id)s span=%(span_id)s "
                "request=%(request_id)s %(message)s"
            )
        )
    root.addHandler(handler)
    root.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())


# --- providers --------------------------------------------------------------------------------------------------
class RequestIdSpanProcessor(SpanProcessor):
    """Every span started under a request carries its gateway request id (from the baggage)."""

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        value = baggage.get_baggage(REQUEST_ID, parent_context)
        if value is not None:
            span.set_attribute(REQUEST_ID_ATTR, str(value))

    def on_end(self, span: ReadableSpan) -> None:
        pass


def sampler() -> ParentBased | None:
    """Parent-based ratio sampling; ``None`` lets the SDK read ``OTEL_TRACES_SAMPLER`` when it is set."""
    if os.environ.get("OTEL_TRACES_SAMPLER"):
        return None
    try:
        ratio = float(os.environ.get("OTEL_TRACES_SAMPLER_ARG", "1.0"))
    except ValueError:
        ratio = 1.0
    return ParentBased(TraceIdRatioBased(min(max(ratio, 0.0), 1.0)))


def setup_tracing(service_name: str) -> None:
    """Installs the global tracer, meter and (when exporting) logger providers once per process; tests may
    install their own tracer provider first."""
    global _configured
    if _configured:
        return
    _configured = True
    resource = Resource.create({"service.name": service_name})
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        provider = TracerProvider(resource=resource, sampler=sampler())
        provider.add_span_processor(RequestIdSpanProcessor())
        if exporting() or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(provider)
    else:
        current = trace.get_tracer_provider()
        assert isinstance(current, TracerProvider)
        current.add_span_processor(RequestIdSpanProcessor())
    if exporting() or os.environ.get("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader

        reader = PeriodicExportingMetricReader(OTLPMetricExporter())
        metrics.set_meter_provider(MeterProvider(resource=resource, metric_readers=[reader]))
    if exporting() or os.environ.get("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
        from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
        from opentelemetry.sdk._logs.export import BatchLogRecordProcessor

        log_provider = LoggerProvider(resource=resource)
        log_provider.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter()))
        handler = LoggingHandler(level=logging.INFO, logger_provider=log_provider)
        handler.addFilter(TraceIdFilter())
        logging.getLogger().addHandler(handler)


def instrument_engine(engine: Any) -> None:
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    SQLAlchemyInstrumentor().instrument(engine=engine.sync_engine)


def instrument_httpx() -> None:
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    HTTPXClientInstrumentor().instrument()


def inject_headers() -> dict[str, str]:
    """The current trace context as W3C headers (``traceparent``, ``baggage``), for an outbox row or a message."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def extract_context(headers: Mapping[str, str] | None) -> Context:
    return propagate.extract(dict(headers or {}))


@contextlib.contextmanager
def continued(headers: Mapping[str, str] | None) -> Iterator[Context]:
    """Makes the context carried by ``headers`` (trace and baggage: the request id) current for the block, so
    the spans, events and rows written inside continue that trace."""
    ctx = extract_context(headers)
    token = context.attach(ctx)
    try:
        yield ctx
    finally:
        context.detach(token)


def tracer(name: str = "servicekit") -> trace.Tracer:
    return trace.get_tracer(name)


# --- the one ASGI middleware ------------------------------------------------------------------------------------
_duration = opsmetrics.histogram(
    "http.server.request.duration", unit="s", description="Duration of HTTP server requests.",
    buckets=DURATION_BUCKETS,
)
_PROPAGATED = (b"traceparent", b"tracestate", b"baggage")


def _valid_request_id(v: bytes) -> bool:
    return 0 < len(v) <= 100 and all(32 < c < 127 for c in v)


class TelemetryMiddleware:
    """Pure ASGI: continues the caller's trace, opens the server span, records the request duration by
    route and status, and keeps the request id (``X-Request-Id``; generated when ``issue_request_ids``,
    as the gateway does) in the baggage. ``access_log`` writes one line per request (the gateway)."""

    def __init__(self, app: ASGIApp, *, issue_request_ids: bool = False, access_log: bool = False) -> None:
        self.app = app
        self.issue_request_ids = issue_request_ids
        self.access_log = access_log
        self.tracer = trace.get_tracer("servicekit.http")

    def __getattr__(self, name: str) -> Any:  # ``.state``, ``.routes`` … of the wrapped app
        return getattr(self.app, name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNTRACED_PATHS:
            await self.app(scope, receive, send)
            return
        carrier: dict[str, str] | None = None
        request_id: bytes | None = None
        for k, v in scope["headers"]:
            if k in _PROPAGATED:
                if carrier is None:
                    carrier = {}
                carrier[k.decode("latin-1")] = v.decode("latin-1")
            elif k == b"x-request-id" and _valid_request_id(v):
                request_id = bytes(v)
        ctx = propagate.extract(carrier) if carrier else Context()
        if request_id is None and self.issue_request_ids:
            request_id = uuid.uuid4().hex.encode()
            scope["headers"] = [*scope["headers"], (b"x-request-id", request_id)]
        if request_id is not None:
            ctx = baggage.set_baggage(REQUEST_ID, request_id.decode(), ctx)
            scope[REQUEST_ID_SCOPE] = request_id  # what an inner layer (the gateway's proxy) reuses
        method = scope["method"]
        scheme = scope.get("scheme", "http")
        # the attributes given at the start (one pass through the SDK's checks, not one call each)
        attributes: dict[str, Any] = {"http.request.method": method, "url.path": scope["path"], "url.scheme": scheme,
                                      "network.protocol.version": scope.get("http_version", "1.1")}
        client = scope.get("client")
        if client:
            attributes["client.address"] = client[0]
        # the parent given explicitly (the sampler and RequestIdSpanProcessor read it from there): one context
        # attached for the request, the one with the span
        span = self.tracer.start_span(method, kind=SpanKind.SERVER, context=ctx, attributes=attributes)
        recording = span.is_recording()
        status = [500]

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        start = time.perf_counter()
        span_token = context.attach(trace.set_span_in_context(span, ctx))
        try:
            await self.app(scope, receive, send_wrapper)
        except BaseException as exc:
            status[0] = 500
            if recording:
                span.record_exception(exc)
            raise
        finally:
            elapsed = time.perf_counter() - start
            route = _route(scope)
            code = status[0]
            answered: dict[str, Any] = {"http.response.status_code": code}
            if route:
                answered["http.route"] = route
            _duration.record(elapsed, {"http.request.method": method, "url.scheme": scheme, **answered})
            if recording:
                span.update_name(f"{method} {route}" if route else method)
                span.set_attributes(answered)  # the method and scheme were given at the start
                if code >= 500:
                    span.set_status(Status(StatusCode.ERROR))
            span.end()
            if self.access_log and access_log.isEnabledFor(logging.INFO):
                # the record made directly: Logger.info would walk the stack for a caller no format shows
                path = scope["path"]
                ms = elapsed * 1000
                access_log.handle(access_log.makeRecord(
                    access_log.name, logging.INFO, __file__, 0, "%s %s %d %.1fms", (method, path, code, ms), None,
                    extra={"http_method": method, "http_path": path, "http_status": code,
                           "duration_ms": round(ms, 1)},
                ))
            context.detach(span_token)


def _route(scope: Scope) -> str | None:
    """The route template (FastAPI's matched route, or what a proxy put in ``scope['dvc.route']``)."""
    route = scope.get("dvc.route")
    if route:
        return str(route)
    matched = scope.get("route")
    path = getattr(matched, "path", None)
    if path:
        prefix = scope.get("root_path", "")
        return f"{prefix}{path}" if prefix and not str(path).startswith(prefix) else str(path)
    return None
