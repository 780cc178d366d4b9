"""TelemetryMiddleware's server span, checked through the real OpenTelemetry SDK (spans kept by its in-memory
exporter): what the span carries, the caller's trace continued, and the context left as it was found."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from opentelemetry import baggage, context, trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from servicekit.telemetry import REQUEST_ID, REQUEST_ID_ATTR, RequestIdSpanProcessor, TelemetryMiddleware

CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"


def traced_app() -> tuple[TelemetryMiddleware, InMemorySpanExporter, dict[str, Any]]:
    app = FastAPI(telemetry={"tracing": False, "metrics": False, "logs": False,  # type: ignore[call-arg]
                             "operation_spans": False})  # FastAPI's own: the middleware is the one server span
    seen: dict[str, Any] = {}

    @app.get("/items/{code}")
    async def item(code: str) -> dict[str, str]:
        # what the handler's own spans and log lines would be made under
        seen["span"] = trace.get_current_span().get_span_context()
        seen["request_id"] = baggage.get_baggage(REQUEST_ID)
        if code == "boom":
            raise RuntimeError("boom")
        return {"code": code}

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(RequestIdSpanProcessor())
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    middleware = TelemetryMiddleware(app)
    middleware.tracer = provider.get_tracer("servicekit.http")
    return middleware, exporter, seen


async def call(app: Any, path: str, headers: list[tuple[bytes, bytes]]) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "client": ("10.0.0.7", 5000), "server": ("127.0.0.1", 80), "headers": [(b"host", b"svc"), *headers]}
    await app(scope, receive, send)
    return sent


async def test_the_server_span_carries_the_request_and_its_answer() -> None:
    app, exporter, seen = traced_app()
    before = context.get_current()
    sent = await call(app, "/items/LLTP", [
        (b"traceparent", f"00-{CALLER_TRACE}-{CALLER_SPAN}-01".encode()), (b"x-request-id", b"req-42")])
    assert sent[0]["status"] == 200
    (span,) = exporter.get_finished_spans()
    assert span.name == "GET /items/{code}"
    assert span.kind == SpanKind.SERVER
    assert dict(span.attributes or {}) == {
        "http.request.method": "GET", "url.path": "/items/LLTP", "url.scheme": "http",
        "network.protocol.version": "1.1", "client.address": "10.0.0.7", "http.response.status_code": 200,
        "http.route": "/items/{code}", REQUEST_ID_ATTR: "req-42"}
    # the caller's trace continued, and the handler ran under this span with the request id in its baggage
    assert format(span.context.trace_id, "032x") == CALLER_TRACE
    assert span.parent is not None and format(span.parent.span_id, "016x") == CALLER_SPAN
    assert seen["span"].span_id == span.context.span_id
    assert seen["request_id"] == "req-42"
    assert context.get_current() == before  # nothing of the request left attached


async def test_an_unhandled_error_marks_the_span_failed_and_leaves_the_context_clean() -> None:
    app, exporter, _ = traced_app()
    before = context.get_current()
    try:
        await call(app, "/items/boom", [])
    except RuntimeError:
        pass  # FastAPI's ServerErrorMiddleware answers 500, then re-raises to the server
    (span,) = exporter.get_finished_spans()
    assert span.attributes is not None and span.attributes["http.response.status_code"] == 500
    assert span.status.status_code == StatusCode.ERROR
    assert REQUEST_ID_ATTR not in span.attributes  # none given, none issued (a service; the gateway issues them)
    assert context.get_current() == before
