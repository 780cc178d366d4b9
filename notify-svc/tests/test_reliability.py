"""Provider outages delay, never lose; redelivery and crashes mid-send never send twice; failures surface."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from devkit import devstack
from devkit.events import publish
from devkit.testing import Stack, Tokens, eventually, reset_jetstream, running
from notify_svc.app import create_app
from notify_svc.delivery.models import Delivery
from notify_testkit import Env, emails_to, new_applicant, new_code, notify_settings, sms_to, submitted
from servicekit.db import OutboxRow
from servicekit.retry import Backoff

ADMIN = {"sub": "admin-1", "roles": ("admin",), "agency_code": "000.00.00.H19"}


async def deliveries(app: Any, code: str) -> list[Delivery]:
    async with app.state.sessionmaker() as s:
        return list(await s.scalars(select(Delivery).where(Delivery.dossier_code == code)))


async def test_smtp_outage_delays_then_each_email_goes_once(stack: Stack, tokens: Tokens, tmp_path: Path) -> None:
    await reset_jetstream(stack.nats.url)
    port = devstack.free_port()
    sink = devstack.SmtpSink(tmp_path / "mail", port=port).start()
    sink.stop()  # the mail server is down when the decisions are taken
    retry = Backoff(max_attempts=1000, base_seconds=0.1, max_seconds=0.3)
    settings = notify_settings(stack, tokens, smtp_url=sink.url, retry=retry)
    app = create_app(settings)
    people = [(new_applicant(), new_code()) for _ in range(3)]
    async with running(app) as client:
        await publish(stack.nats.url, *[submitted(code, a) for a, code in people])

        async def retried() -> bool:
            rows = [d for _, code in people for d in await deliveries(app, code) if d.channel == "email"]
            return len(rows) == 3 and all(d.status == "pending" and d.attempts >= 2 for d in rows)

        await eventually(retried, timeout=15)
        # the event was consumed: SMS and the inbox did not wait for the mail server
        a, code = people[0]
        await eventually(lambda: len(sms_to(stack, a.phone or "")) == 1, timeout=15)
        r = await client.get("/api/v1/notifications", headers=tokens.header(sub=a.user_id))
        assert r.json()["total"] == 1
        await asyncio.sleep(0.3)
        assert len(sms_to(stack, a.phone or "")) == 1  # and only once

        async def pending_for_operators() -> httpx.Response | None:
            # a row is briefly 'sending' while the sender tries the (still closed) port again
            r = await client.get(
                "/api/v1/notifications/deliveries",
                params={"status": "pending", "channel": "email"},
                headers=tokens.header(**ADMIN),
            )
            return r if r.status_code == 200 and r.json()["total"] == 3 else None

        r = await eventually(pending_for_operators, timeout=15)
        assert all("SMTP" in (d["last_error"] or "") or "onnect" in (d["last_error"] or "") for d in r.json()["items"])

        sink = devstack.SmtpSink(tmp_path / "mail", port=port).start()  # back, on the same port
        try:
            await eventually(lambda: len(sink.messages()) >= 3, timeout=15)

            async def all_sent() -> bool:
                rows = [d for _, c in people for d in await deliveries(app, c)]
                return all(d.status == "sent" for d in rows)

            await eventually(all_sent, timeout=10)
            await asyncio.sleep(0.5)  # a few more sender rounds: nothing else goes out
            for a, code in people:
                mails = [m for m in sink.messages() if m["To"] == a.email]
                assert len(mails) == 1 and code in mails[0]["Subject"]
        finally:
            sink.stop()


async def test_redelivered_event_sends_nothing_twice(env: Env) -> None:
    a, code = new_applicant(), new_code()
    e = submitted(code, a)
    await publish(env.stack.nats.url, e)
    await eventually(lambda: emails_to(env.stack, a.email) and sms_to(env.stack, a.phone or ""))
    # the same event again, past JetStream's de-duplication (another message id): the inbox row skips it
    await publish(env.stack.nats.url, e, msg_id=f"again-{e.id}")
    # and handled again past the consumer's inbox (another consumer, a replay): the deliveries are unique
    async with env.app.state.sessionmaker() as session, session.begin():
        assert await env.app.state.planner.plan(e, session) == 0
    await asyncio.sleep(1.0)
    assert len(emails_to(env.stack, a.email)) == 1
    assert len(sms_to(env.stack, a.phone or "")) == 1
    r = await env.client.get("/api/v1/notifications", headers=env.tokens.header(sub=a.user_id))
    assert r.json()["total"] == 1


async def test_crash_mid_send_resends_once_with_the_same_id(stack: Stack, tokens: Tokens) -> None:
    await reset_jetstream(stack.nats.url)
    settings = notify_settings(stack, tokens, send_lease_seconds=0.5)
    a, code = new_applicant(), new_code()
    claimed: list[Delivery] = []

    async def hang(d: Delivery) -> None:
        claimed.append(d)
        await asyncio.Event().wait()  # the process dies here, after 'sending' was committed

    async with running(create_app(settings, before_send=hang)):
        await publish(stack.nats.url, submitted(code, a))
        await eventually(lambda: len(claimed) == 2)  # email and SMS
    assert emails_to(stack, a.email) == [] and sms_to(stack, a.phone or "") == []

    app = create_app(settings)  # the restarted service, on the same database
    async with running(app):
        rows = await deliveries(app, code)
        assert {d.channel: d.status for d in rows if d.channel != "inbox"} in (
            {"email": "sending", "sms": "sending"},
            {"email": "sent", "sms": "sent"},
            {"email": "sending", "sms": "sent"},
            {"email": "sent", "sms": "sending"},
        )
        mails = await eventually(lambda: emails_to(stack, a.email), timeout=10)
        await eventually(lambda: sms_to(stack, a.phone or ""), timeout=10)
        await asyncio.sleep(1.0)  # past another lease: nothing more
        assert len(emails_to(stack, a.email)) == 1 and len(sms_to(stack, a.phone or "")) == 1
        email_row = next(d for d in claimed if d.channel == "email")
        assert mails[0]["Message-ID"] == f"<{email_row.id}@{settings.mail_domain}>"
        rows = await deliveries(app, code)
        assert {d.channel: (d.status, d.attempts) for d in rows} == {
            "email": ("sent", 2),
            "sms": ("sent", 2),
            "inbox": ("sent", 1),
        }


async def test_bounded_retries_then_failed_event_and_operator_view(stack: Stack, tokens: Tokens) -> None:
    await reset_jetstream(stack.nats.url)
    dead = f"http://127.0.0.1:{devstack.free_port()}/sms"  # nobody listens
    app = create_app(notify_settings(stack, tokens, sms_url=dead,
                                     retry=Backoff(max_attempts=3, base_seconds=0.1, max_seconds=0.3)))
    a, code = new_applicant(), new_code()
    async with running(app) as client:
        await publish(stack.nats.url, submitted(code, a))

        async def failed() -> list[Delivery]:
            return [d for d in await deliveries(app, code) if d.status == "failed"]

        [row] = await eventually(failed, timeout=15)
        assert row.channel == "sms" and row.attempts == 3 and row.failed_at is not None
        assert emails_to(stack, a.email)  # the other channels went out

        async def published() -> bool:
            async with app.state.sessionmaker() as s:
                out = await s.scalar(select(OutboxRow).where(
                    OutboxRow.event_id.startswith(f"delivery-failed-{row.id.hex}-")))
            return out is not None and out.sent_at is not None and out.subject == "notify.delivery.failed.v1"

        await eventually(published, timeout=10)

        r = await client.get(
            "/api/v1/notifications/deliveries",
            params={"status": "failed"},
            headers=tokens.header(sub="auditor-1", roles=("auditor",), agency_code="000.00.00.H19"),
        )
        assert r.status_code == 200
        [item] = r.json()["items"]
        assert item["id"] == str(row.id) and item["attempts"] == 3 and item["recipient"] == a.phone
        assert item["last_error"]
        r = await client.get(
            "/api/v1/notifications/deliveries", params={"status": "failed"}, headers=tokens.header(sub=a.user_id)
        )
        assert r.status_code == 403 and r.headers["content-type"].startswith("application/problem+json")
        r = await client.get(
            "/api/v1/notifications/deliveries", params={"status": "lost"}, headers=tokens.header(**ADMIN)
        )
        assert r.status_code == 422

        # an operator sends it again once the gateway is fixed (same id: the same Idempotency-Key)
        r = await client.post(f"/api/v1/notifications/deliveries/{row.id}/retry", headers=tokens.header(**ADMIN))
        assert r.status_code == 200 and r.json()["status"] == "pending"
        r = await client.post(f"/api/v1/notifications/deliveries/{row.id}/retry", headers=tokens.header(**ADMIN))
        assert r.status_code in (200, 409)

        # the gateway is still down: it fails for good again, a second fact recorded (not an outcome left unwritten
        # because the outbox already held the first failure's event id)
        async def failed_twice() -> bool:
            async with app.state.sessionmaker() as s:
                n = await s.scalar(select(func.count()).select_from(OutboxRow).where(
                    OutboxRow.event_id.startswith(f"delivery-failed-{row.id.hex}-")))
            return n == 2

        await eventually(failed_twice, timeout=15)
        [again] = await failed()
        assert again.id == row.id and again.attempts == 3
