"""An OTLP/HTTP receiver for tests: a real HTTP server that decodes what the services export (protobuf, as
the OpenTelemetry collector receives it) and keeps spans, metric points and log records in memory."""

from __future__ import annotations

import gzip
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue


def _value(v: AnyValue) -> Any:
    kind = v.WhichOneof("value")
    return getattr(v, kind) if kind else None


def _attrs(kvs: Any) -> dict[str, Any]:
    return {kv.key: _value(kv.value) for kv in kvs if isinstance(kv, KeyValue)}


@dataclass(frozen=True)
class ReceivedSpan:
    service: str
    name: str
    kind: int
    trace_id: str
    span_id: str
    parent_span_id: str
    attributes: dict[str, Any]


@dataclass(frozen=True)
class ReceivedPoint:
    service: str
    metric: str
    kind: str  # sum | gauge | histogram
    unit: str
    value: float  # the sum's or gauge's value; a histogram's count
    attributes: dict[str, Any]


@dataclass(frozen=True)
class ReceivedLog:
    service: str
    body: str
    trace_id: str
    attributes: dict[str, Any]


@dataclass
class OtlpSink:
    spans: list[ReceivedSpan] = field(default_factory=list)
    points: list[ReceivedPoint] = field(default_factory=list)
    logs: list[ReceivedLog] = field(default_factory=list)
    port: int = 0
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> OtlpSink:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                try:
                    sink.receive(self.path, body)
                except Exception:
                    self.send_response(400)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def receive(self, path: str, body: bytes) -> None:
        if path.endswith("/v1/traces"):
            self._traces(body)
        elif path.endswith("/v1/metrics"):
            self._metrics(body)
        elif path.endswith("/v1/logs"):
            self._logs(body)
        else:
            raise ValueError(path)

    def _traces(self, body: bytes) -> None:
        req = ExportTraceServiceRequest.FromString(body)
        out = []
        for rs in req.resource_spans:
            service = str(_attrs(rs.resource.attributes).get("service.name", ""))
            for ss in rs.scope_spans:
                for s in ss.spans:
                    out.append(ReceivedSpan(service, s.name, s.kind, s.trace_id.hex(), s.span_id.hex(),
                                            s.parent_span_id.hex(), _attrs(s.attributes)))
        with self._lock:
            self.spans.extend(out)

    def _metrics(self, body: bytes) -> None:
        req = ExportMetricsServiceRequest.FromString(body)
        out = []
        for rm in req.resource_metrics:
            service = str(_attrs(rm.resource.attributes).get("service.name", ""))
            for sm in rm.scope_metrics:
                for m in sm.metrics:
                    kind = m.WhichOneof("data")
                    if kind == "histogram":
                        for hp in m.histogram.data_points:
                            out.append(ReceivedPoint(service, m.name, kind, m.unit, float(hp.count),
                                                     _attrs(hp.attributes)))
                    elif kind in ("sum", "gauge"):
                        for p in getattr(m, kind).data_points:
                            v = p.as_double if p.WhichOneof("value") == "as_double" else p.as_int
                            out.append(ReceivedPoint(service, m.name, kind, m.unit, float(v), _attrs(p.attributes)))
        with self._lock:
            self.points.extend(out)

    def _logs(self, body: bytes) -> None:
        req = ExportLogsServiceRequest.FromString(body)
        out = []
        for rl in req.resource_logs:
            service = str(_attrs(rl.resource.attributes).get("service.name", ""))
            for sl in rl.scope_logs:
                for r in sl.log_records:
                    out.append(ReceivedLog(service, str(_value(r.body)), r.trace_id.hex(), _attrs(r.attributes)))
        with self._lock:
            self.logs.extend(out)

    # --- queries ---------------------------------------------------------------------------------------------
    def spans_of(self, trace_id: str) -> list[ReceivedSpan]:
        with self._lock:
            return [s for s in self.spans if s.trace_id == trace_id]

    def latest(self, service: str, metric: str) -> list[ReceivedPoint]:
        """The points of ``metric`` from ``service``'s most recent export that had it."""
        with self._lock:
            points = [p for p in self.points if p.service == service and p.metric == metric]
        if not points:
            return []
        last: dict[tuple[tuple[str, Any], ...], ReceivedPoint] = {}
        for p in points:
            last[tuple(sorted(p.attributes.items()))] = p
        return list(last.values())

    def metric_names(self, service: str) -> set[str]:
        with self._lock:
            return {p.metric for p in self.points if p.service == service}
