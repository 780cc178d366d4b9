"""Push delivery to a real local HTTP receiver that fails the first attempts: every change arrives once, in order
per dossier, as the same signed XML the feed serves; deliveries that never succeed are visible to admins."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import select

from devkit.testing import eventually
from interop_svc.dossier.models import DossierChange
from interop_svc.xml import (
    SigningIdentity,
    certificate_pem,
    parse_dossier_feed,
    parse_untrusted,
    validate,
    verify_envelope,
)
from interop_testkit import AGENCY, Env, accepted, dossier_code, processing
from servicekit.retry import Backoff


@pytest.fixture
def background() -> bool:
    return True


@pytest.fixture
def settings_extra() -> dict[str, Any]:
    return {"push_poll_seconds": 0.05, "push_retry": Backoff(max_attempts=4, base_seconds=0.05, max_seconds=0.2),
            "push_timeout_seconds": 2.0}


@dataclass
class Receiver:
    fail_first: int
    url: str = ""
    calls: int = 0
    accepted: list[bytes] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.calls += 1
        if self.calls <= self.fail_first:
            return web.Response(status=503, text="bận")
        self.accepted.append(body)
        return web.Response(status=200, text="ok")


async def start_receiver(fail_first: int) -> tuple[Receiver, web.AppRunner]:
    receiver = Receiver(fail_first)
    app = web.Application()
    app.router.add_post("/push", receiver.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    receiver.url = f"http://127.0.0.1:{port}/push"
    return receiver, runner


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver, runner = await start_receiver(fail_first=3)
    try:
        yield receiver
    finally:
        await runner.cleanup()


async def register_push(env: Env, code: str, identity: SigningIdentity, push_url: str) -> None:
    response = await env.client.post("/api/v1/interop/systems", headers=env.admin, json={
        "code": code, "name": "Một cửa có push", "agency_code": AGENCY, "push_url": push_url,
        "certificate": certificate_pem(identity.certificate).decode()})
    assert response.status_code == 201, response.text


async def test_every_change_is_pushed_once_in_order_despite_failures(
    env: Env, system_identity: SigningIdentity, receiver: Receiver
) -> None:
    await register_push(env, "motcua-push", system_identity, receiver.url)
    codes = [dossier_code(n) for n in (91, 92)]
    for minute, code in enumerate(codes):
        await env.apply(accepted(code, minutes=minute))
    for code in codes:
        await env.apply(processing(code, minutes=5))
    await env.apply(processing(codes[0], minutes=9))
    async with env.app.state.sessionmaker() as session:
        changes = list((await session.scalars(select(DossierChange).order_by(DossierChange.seq))).all())
    assert len(changes) == 5

    async def all_arrived() -> bool:
        return len(receiver.accepted) >= len(changes)

    await eventually(all_arrived, timeout=20)
    got: list[tuple[str, int]] = []
    for body in receiver.accepted:
        validate(parse_untrusted(body))
        page = parse_dossier_feed(verify_envelope(body, env.platform.certificate))
        assert len(page.dossiers) == 1
        dossier = page.dossiers[0]
        assert dossier.change_seq is not None
        got.append((dossier.code, dossier.change_seq))
    assert sorted(got, key=lambda g: g[1]) == [(c.dossier_code, c.seq) for c in changes]  # each change once
    assert len(set(got)) == len(got)
    for code in codes:  # in order per dossier
        seqs = [seq for c, seq in got if c == code]
        assert seqs == sorted(seqs)
    assert receiver.calls == len(changes) + 3
    listed = await env.client.get("/api/v1/interop/systems/motcua-push/push", headers=env.admin,
                                  params={"status": "delivered"})
    assert listed.status_code == 200 and len(listed.json()) == len(changes)


async def test_deliveries_that_never_succeed_are_visible_to_operators(
    env: Env, system_identity: SigningIdentity, caplog: pytest.LogCaptureFixture
) -> None:
    receiver, runner = await start_receiver(fail_first=10**6)
    try:
        caplog.set_level(logging.WARNING, logger="interop_svc.push")
        await register_push(env, "motcua-hong", system_identity, receiver.url)
        await env.apply(accepted(dossier_code(93)))

        async def failed() -> list[dict[str, Any]] | None:
            r = await env.client.get("/api/v1/interop/systems/motcua-hong/push", headers=env.admin,
                                     params={"status": "failed"})
            assert r.status_code == 200, r.text
            return r.json() or None

        rows = await eventually(failed, timeout=20)
        assert rows is not None
        assert rows[0]["dossier_code"] == dossier_code(93) and rows[0]["attempts"] == 4
        assert rows[0]["last_status_code"] == 503 and "503" in rows[0]["last_error"]
        assert receiver.calls == 4
        assert any("failed for good" in r.getMessage() for r in caplog.records)
        officer = env.tokens.header(sub="u1", roles=("reception",), agency_code=AGENCY)
        refused = await env.client.get("/api/v1/interop/systems/motcua-hong/push", headers=officer)
        assert refused.status_code == 403
    finally:
        await runner.cleanup()
