from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import select

from contracts.intake import DossierAccepted
from devkit import events
from devkit.testing import eventually
from interop_svc.message.models import InboundMessage
from interop_svc.xml import (
    NS,
    ReceiptResult,
    SigningIdentity,
    parse_receipt,
    parse_untrusted,
    to_bytes,
    validate,
    verify_envelope,
)
from interop_svc.xml.schema import DS_NS
from interop_testkit import (
    AGENCY,
    OTHER_AGENCY,
    Env,
    Registered,
    accepted,
    counter_dossier,
    dossier_code,
    status_update,
)

XML = {"Content-Type": "application/xml"}


@pytest.fixture
async def system(env: Env, system_identity: SigningIdentity) -> Registered:
    registered = await env.register("motcua-msg", AGENCY, system_identity)
    await env.apply(accepted(dossier_code(1)))
    await env.apply(accepted(dossier_code(2, OTHER_AGENCY), OTHER_AGENCY))
    return registered


async def post(env: Env, system: Registered, body: bytes | Any, **headers: str) -> Any:
    return await env.client.post("/interop/v1/messages", headers={**system.headers, **XML, **headers}, content=body)


def read_receipt(env: Env, content: bytes) -> Any:
    validate(parse_untrusted(content))
    return parse_receipt(verify_envelope(content, env.platform.certificate))


async def test_status_update_gets_a_signed_receipt_once(env: Env, system: Registered) -> None:
    message_id = str(uuid.uuid4())
    body = status_update(system.identity, dossier_code(1), message_id=message_id)
    response = await post(env, system, body)
    assert response.status_code == 202, response.text
    receipt = read_receipt(env, response.content)
    assert receipt.message_id == message_id and receipt.result is ReceiptResult.ACCEPTED
    assert receipt.digest_sha256 == hashlib.sha256(body).hexdigest()

    events = await env.outbox("interop.status.reported.v1")
    assert len(events) == 1
    data = events[0]["data"]
    assert (data["dossier_code"], data["national_status"], data["agency_code"]) == (dossier_code(1), 9, AGENCY)
    assert data["message_id"] == message_id and data["officer"] == "Nguyễn Văn An"

    again = await post(env, system, body)
    assert again.status_code == 202 and again.content == response.content
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(await env.outbox("interop.status.reported.v1")) == 1
    assert await env.messages() == 1

    async with env.app.state.sessionmaker() as session:
        stored = (await session.scalars(select(InboundMessage))).one()
    assert stored.body == body and stored.digest_sha256 == receipt.digest_sha256
    assert stored.system_code == system.code and stored.receipt == response.content

    # the same message id with other content is not the same message
    other = status_update(system.identity, dossier_code(1), message_id=message_id, status=10)
    assert (await post(env, system, other)).status_code == 409


async def test_the_same_message_twice_at_once_is_stored_once(env: Env, system: Registered) -> None:
    body = status_update(system.identity, dossier_code(1))
    first, second = await asyncio.gather(post(env, system, body), post(env, system, body))
    assert first.status_code == second.status_code == 202
    assert first.content == second.content
    assert await env.messages() == 1
    assert len(await env.outbox("interop.status.reported.v1")) == 1


async def test_counter_dossier_is_reported_for_statistics(env: Env, system: Registered) -> None:
    response = await post(env, system, counter_dossier(system.identity, dossier_code(7)))
    assert response.status_code == 202, response.text
    (event,) = await env.outbox("interop.counter_dossier.received.v1")
    assert event["data"]["dossier_code"] == dossier_code(7) and event["data"]["national_status"] == 2
    foreign = await post(env, system, counter_dossier(system.identity, dossier_code(8, OTHER_AGENCY)))
    assert foreign.status_code == 404


def _billion_laughs() -> bytes:
    return (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
            b'<Envelope xmlns="urn:dvc:dongnai:interop:v1">&lol2;</Envelope>')


def _tampered(body: bytes) -> bytes:
    return body.replace(b"<StatusCode>9</StatusCode>", b"<StatusCode>10</StatusCode>")


def _wrapped(body: bytes) -> bytes:
    """XSW: the genuine signed content tucked into ds:Object, forged content in its place."""
    root = parse_untrusted(body)
    signature = root.find(f"{{{DS_NS}}}Signature")
    stash = copy.deepcopy(root)
    stash.remove(stash.find(f"{{{DS_NS}}}Signature"))
    root.find(f"{{{NS}}}Body/{{{NS}}}StatusUpdate/{{{NS}}}StatusCode").text = "10"
    etree.SubElement(signature, f"{{{DS_NS}}}Object").append(stash)
    return to_bytes(root)


def _unsigned(body: bytes) -> bytes:
    root = parse_untrusted(body)
    root.remove(root.find(f"{{{DS_NS}}}Signature"))
    return to_bytes(root)


async def test_bad_messages_are_400_and_leave_nothing(
    env: Env, system: Registered, other_identity: SigningIdentity
) -> None:
    genuine = status_update(system.identity, dossier_code(1))
    cases = {
        "other key": (status_update(other_identity, dossier_code(1)), "signature_invalid"),
        "tampered": (_tampered(genuine), "signature_invalid"),
        "wrapped": (_wrapped(genuine), None),
        "unsigned": (_unsigned(genuine), "signature_missing"),
        "doctype bomb": (_billion_laughs(), "doctype_forbidden"),
        "doctype before signed": (b'<!DOCTYPE x [<!ENTITY a "b">]>' + genuine.split(b"?>", 1)[1], "doctype_forbidden"),
        "not xml": (b"khong phai xml", "malformed"),
        "empty": (b"", "empty"),
        "schema": (b'<Envelope xmlns="urn:dvc:dongnai:interop:v1"><Header/></Envelope>', "schema_invalid"),
        "sender": (status_update(system.identity, dossier_code(1), sender=OTHER_AGENCY), "sender_mismatch"),
    }
    for name, (body, reason) in cases.items():
        response = await post(env, system, body)
        assert response.status_code == 400, (name, response.text)
        problem = response.json()
        assert response.headers["content-type"] == "application/problem+json" and problem["detail"], name
        if reason is not None:
            assert problem["reason"] == reason, (name, problem)
    assert await env.messages() == 0
    assert await env.outbox("interop.status.reported.v1") == []


async def test_dossier_of_another_agency_or_unknown_is_404(env: Env, system: Registered) -> None:
    for code in (dossier_code(2, OTHER_AGENCY), dossier_code(99)):
        # the sender may name any dossier code in its own message: our read model decides
        response = await post(env, system, status_update(system.identity, code))
        assert response.status_code == 404, response.text
        assert response.json()["status"] == 404
    assert await env.messages() == 0
    assert await env.outbox("interop.status.reported.v1") == []


async def test_limits_and_media_type(env: Env, system: Registered) -> None:
    big = b"<a>" + b"x" * (2 * 1024 * 1024) + b"</a>"
    assert (await post(env, system, big)).status_code == 413

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(40):
            yield b"x" * 65536

    streamed = await post(env, system, chunks())
    assert streamed.status_code == 413 and streamed.json()["status"] == 413
    wrong = await post(env, system, b"{}", **{"Content-Type": "application/json"})
    assert wrong.status_code == 415
    assert await env.messages() == 0


@pytest.mark.parametrize("background", [True])
async def test_through_the_bus(env: Env, system_identity: SigningIdentity, stack: Any, background: bool) -> None:
    """The real path: an intake event on JetStream feeds the read model; the status report goes out on JetStream."""
    import nats

    system = await env.register("motcua-bus", AGENCY, system_identity)
    code = dossier_code(42)
    payload = DossierAccepted(
        code=code, procedure_code="1.001612", agency_code=AGENCY, status="accepted", national_status=2,
        at="2026-11-27T08:00:00+07:00", applicant_name="Võ Thị Hoa", procedure_name="Đăng ký khai sinh",
        received_at="2026-11-27T08:00:00+07:00", due_at="2026-12-02T17:00:00+07:00", processing_time_value=3,
        processing_time_unit="working_days", return_method="online", level=3,
    )
    event = events.event(payload, subject=code)
    nc = await nats.connect(stack.nats.url)
    try:
        js = nc.jetstream()

        async def stream_ready() -> bool:
            try:
                await js.stream_info("INTAKE")
                return True
            except Exception:
                return False

        await eventually(stream_ready)
        await js.publish(event.type, event.model_dump_json().encode(), headers={"Nats-Msg-Id": event.id})

        async def in_feed() -> bool:
            response = await env.client.get("/interop/v1/dossiers", headers=system.headers)
            return code.encode() in response.content

        await eventually(in_feed)
        body = status_update(system_identity, code)
        assert (await post(env, system, body)).status_code == 202

        async def published() -> Any:
            try:
                return await js.get_last_msg("INTEROP", "interop.status.reported.v1")
            except Exception:
                return None

        msg = await eventually(published)
        data = json.loads(msg.data)["data"]
        assert data["dossier_code"] == code and data["national_status"] == 9
    finally:
        await nc.close()
