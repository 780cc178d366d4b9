"""The cost of telemetry per request: a small FastAPI JSON endpoint called through ASGI in this process,
bare, and behind servicekit's TelemetryMiddleware: every trace sampled (the default ratio 1.0) and exported over
OTLP/HTTP to a real receiver; sampled with no exporter (``make run``'s default: spans made, then dropped); no
trace sampled (ratio 0; the duration metric is still recorded).

Run: ``python libs/servicekit/bench/telemetry_bench.py [--requests N]`` (``make bench`` runs it)."""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from typing import Any

from fastapi import FastAPI
from opentelemetry import metrics, trace
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

from devkit.otlpsink import OtlpSink
from servicekit.telemetry import RequestIdSpanProcessor, TelemetryMiddleware

NO_TELEMETRY = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}


def make_app() -> FastAPI:
    app = FastAPI(telemetry=NO_TELEMETRY)  # type: ignore[call-arg]

    @app.get("/api/v1/items/{code}")
    async def item(code: str) -> dict[str, Any]:
        return {"code": code, "name": "Cấp Phiếu lý lịch tư pháp", "level": 4}

    return app


async def call(app: Any, n: int) -> list[float]:
    """``n`` requests straight through the ASGI interface; seconds per request."""
    body = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> dict[str, Any]:
        return body[0]

    async def send(message: Any) -> None:
        pass

    times = []
    for i in range(n):
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                 "scheme": "http", "path": f"/api/v1/items/{i}", "raw_path": f"/api/v1/items/{i}".encode(),
                 "query_string": b"", "root_path": "", "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 80),
                 "headers": [(b"host", b"bench"), (b"x-request-id", f"bench-{i}".encode())]}
        t = time.perf_counter()
        await app(scope, receive, send)
        times.append(time.perf_counter() - t)
    return times


async def run(requests: int) -> dict[str, Any]:
    sink = OtlpSink().start()
    resource = Resource.create({"service.name": "bench"})
    metrics.set_meter_provider(MeterProvider(resource=resource, metric_readers=[
        PeriodicExportingMetricReader(OTLPMetricExporter(endpoint=sink.endpoint + "/v1/metrics"),
                                      export_interval_millis=1000)]))
    sampled = TracerProvider(resource=resource, sampler=ParentBased(TraceIdRatioBased(1.0)))
    sampled.add_span_processor(RequestIdSpanProcessor())
    sampled.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=sink.endpoint + "/v1/traces")))
    unexported = TracerProvider(resource=resource, sampler=ParentBased(TraceIdRatioBased(1.0)))
    unexported.add_span_processor(RequestIdSpanProcessor())
    unsampled = TracerProvider(resource=resource, sampler=ParentBased(TraceIdRatioBased(0.0)))
    trace.set_tracer_provider(sampled)

    bare = make_app()
    traced = TelemetryMiddleware(make_app())
    traced.tracer = sampled.get_tracer("servicekit.http")
    local = TelemetryMiddleware(make_app())
    local.tracer = unexported.get_tracer("servicekit.http")
    quiet = TelemetryMiddleware(make_app())
    quiet.tracer = unsampled.get_tracer("servicekit.http")
    modes = {"bare": bare, "sampled": traced, "not_exported": local, "unsampled": quiet}
    for app in modes.values():
        await call(app, 200)  # warm-up
    per: dict[str, list[float]] = {k: [] for k in modes}
    for _ in range(3):  # interleaved rounds: drift on a shared machine hits every mode alike
        for name, app in modes.items():
            per[name].extend(await call(app, requests // 3))
    sampled.force_flush()
    result: dict[str, Any] = {}
    for name, times in per.items():
        result[name] = {"mean_us": statistics.mean(times) * 1e6, "p50_us": statistics.median(times) * 1e6,
                        "per_second": len(times) / sum(times)}
    for name in ("sampled", "not_exported", "unsampled"):
        result[name]["added_us"] = result[name]["mean_us"] - result["bare"]["mean_us"]
        result[name]["added_p50_us"] = result[name]["p50_us"] - result["bare"]["p50_us"]
        result[name]["throughput_ratio"] = result[name]["per_second"] / result["bare"]["per_second"]
    metrics.get_meter_provider().shutdown()  # type: ignore[attr-defined]
    sampled.shutdown()
    result["spans_received"] = len(sink.spans)
    sink.stop()
    return result


def report(r: dict[str, Any]) -> str:
    lines = []
    for name in ("bare", "sampled", "not_exported", "unsampled"):
        row = r[name]
        extra = (f"  (+{row['added_p50_us']:.0f} µs p50, +{row['added_us']:.0f} µs mean; "
                 f"{row['throughput_ratio']:.0%} of bare)" if name != "bare" else "")
        lines.append(f"{name:<13}{row['per_second']:7.0f} req/s  p50 {row['p50_us']:.0f} µs  "
                     f"mean {row['mean_us']:.0f} µs{extra}")
    lines.append(f"spans received by the OTLP receiver: {r['spans_received']}")
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    out = asyncio.run(run(args.requests))
    print(report(out))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)
