"""One real event path across services, in one process: registering at the gateway emits
``gateway.user.registered.v1`` through the outbox; notify-svc consumes it and sends a Vietnamese
welcome email through a real SMTP server; one trace links the request to the consumer's handler."""

from __future__ import annotations

from pathlib import Path

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from devkit.testing import Stack, Tokens, eventually, reset_jetstream, running
from gateway.app import create_app as create_gateway
from gateway.settings import Settings as GatewaySettings
from notify_svc.app import create_app as create_notify
from notify_svc.settings import Settings as NotifySettings
from servicekit.telemetry import setup_tracing

ROOT = Path(__file__).resolve().parents[1]


async def test_register_sends_welcome_email_in_one_trace(stack: Stack, tokens: Tokens, signing_key_file: Path) -> None:
    setup_tracing("e2e")
    provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    await reset_jetstream(stack.nats.url)

    gateway = create_gateway(
        GatewaySettings(
            database_url=stack.fresh_database("gateway", ROOT / "gateway" / "migrations"),
            nats_url=stack.nats.url,
            signing_key_file=str(signing_key_file),
            admin_password="Admin@Test2026",
        )
    )
    notify = create_notify(
        NotifySettings(
            database_url=stack.fresh_database("notify", ROOT / "notify-svc" / "migrations"),
            nats_url=stack.nats.url,
            auth_public_key_file=str(tokens.public_key_file),
            smtp_url=stack.smtp.url,
            poll_seconds=0.05,
        )
    )
    email = "welcome.e2e@example.vn"
    async with running(gateway) as gw, running(notify):
        r = await gw.post(
            "/api/v1/auth/register",
            json={
                "username": "welcome.e2e",
                "password": "CongDan@2026",
                "full_name": "Phạm Thị Thu",
                "id_number": "075190009999",
                "phone": "0911222333",
                "email": email,
            },
        )
        assert r.status_code == 201, r.text

        def welcome() -> list:  # type: ignore[type-arg]
            return [m for m in stack.smtp.messages() if m["To"] == email]

        [msg] = await eventually(welcome, timeout=20)
    assert "Chào mừng Phạm Thị Thu" in msg["Subject"]
    body = msg.get_content()
    assert "welcome.e2e" in body and "Cổng dịch vụ công trực tuyến tỉnh Đồng Nai" in body

    spans = exporter.get_finished_spans()
    request = [s for s in spans if s.kind == trace.SpanKind.SERVER and "/api/v1/auth/register" in s.name]
    consumer = [s for s in spans if s.name == "consume gateway.user.registered.v1"]
    assert request and consumer, [s.name for s in spans]
    assert consumer[0].context.trace_id == request[0].context.trace_id
    assert consumer[0].attributes["messaging.consumer.group.name"] == "notify-welcome"
