from __future__ import annotations

import asyncio
import random
import uuid
from typing import Any

import pytest

from interop_svc.dossier.service import DossierService
from interop_svc.xml import DossierFeedPage, parse_dossier_feed, parse_untrusted, validate, verify_envelope
from interop_testkit import (
    AGENCY,
    OTHER_AGENCY,
    Env,
    Registered,
    accepted,
    dossier_code,
    processing,
    submitted,
)


async def pull(env: Env, system: Registered, since: str | None = None, limit: int = 3) -> DossierFeedPage:
    params: dict[str, Any] = {"limit": limit}
    if since is not None:
        params["since"] = since
    response = await env.client.get("/interop/v1/dossiers", headers=system.headers, params=params)
    assert response.status_code == 200, response.text
    validate(parse_untrusted(response.content))  # the whole signed document, against envelope.xsd
    signed = verify_envelope(response.content, env.platform.certificate)  # with the published certificate
    page = parse_dossier_feed(signed)
    assert response.headers["X-Next-Cursor"] == page.next_cursor
    return page


async def pull_all(env: Env, system: Registered, since: str | None = None, limit: int = 3) -> tuple[list[int], str]:
    seqs: list[int] = []
    while True:
        page = await pull(env, system, since, limit)
        seqs += [d.change_seq for d in page.dossiers if d.change_seq is not None]
        since = page.next_cursor
        if not page.has_more:
            return seqs, since


async def test_feed_is_signed_valid_xml_of_the_agency_handed_off_dossiers(env: Env, system_identity: Any) -> None:
    system = await env.register("motcua-feed", AGENCY, system_identity)
    await env.apply(submitted(dossier_code(1)))  # not yet accepted: not handed off
    await env.apply(accepted(dossier_code(2)))
    await env.apply(accepted(dossier_code(3, OTHER_AGENCY), OTHER_AGENCY))  # another agency's
    await env.apply(processing(dossier_code(2)))
    page = await pull(env, system, limit=10)
    assert [(d.code, d.status_code) for d in page.dossiers] == [(dossier_code(2), 2), (dossier_code(2), 4)]
    latest = page.dossiers[-1]
    assert latest.procedure_name == "Đăng ký kết hôn" and latest.applicant.name == "Nguyễn Thị Bình"
    assert latest.received_at is not None and latest.due_at is not None and latest.local_status == "processing"
    assert [h.action for h in latest.history] == ["Tiếp nhận hồ sơ", "Bắt đầu xử lý"]
    assert not page.has_more
    # the earlier submission shows up once the dossier is accepted, with its whole history
    await env.apply(accepted(dossier_code(1), minutes=5))
    more = await pull(env, system, page.next_cursor)
    assert [d.code for d in more.dossiers] == [dossier_code(1)]
    assert [h.status_code for h in more.dossiers[0].history] == [1, 2]
    empty = await pull(env, system, more.next_cursor)
    assert empty.dossiers == () and empty.next_cursor == more.next_cursor and not empty.has_more


async def test_resuming_with_changes_between_pages_has_no_gap_and_no_repeat(env: Env, system_identity: Any) -> None:
    system = await env.register("motcua-page", AGENCY, system_identity)
    written: list[int] = []
    for n in range(1, 6):
        written.append(await env.apply(accepted(dossier_code(n))) or -1)
    seen: list[int] = []
    cursor: str | None = None
    for round_ in range(6):
        page = await pull(env, system, cursor, limit=2)
        seen += [d.change_seq for d in page.dossiers if d.change_seq is not None]
        cursor = page.next_cursor
        # more changes land between pages: new dossiers and changes to dossiers already read
        written.append(await env.apply(processing(dossier_code(round_ + 1), minutes=10 + round_)) or -1)
        written.append(await env.apply(accepted(dossier_code(20 + round_, OTHER_AGENCY), OTHER_AGENCY)) or -1)
        written.append(await env.apply(accepted(dossier_code(30 + round_), minutes=round_)) or -1)
    rest, _ = await pull_all(env, system, cursor, limit=2)
    seen += rest
    async with env.app.state.sessionmaker() as session:
        ours = [c.seq for c in await DossierService(session).changes_since(AGENCY, 0, 1000)]
    assert seen == ours  # every change of the agency, once, in order
    assert len(seen) == len(set(seen)) == 5 + 6 * 2


@pytest.mark.parametrize("writers", [8])
async def test_concurrent_writers_never_make_a_reader_skip(env: Env, system_identity: Any, writers: int) -> None:
    """Writers take sequence numbers and commit in random order and with random delays while a reader
    pages through the feed; the agency lock makes each agency's changes commit in seq order."""
    system = await env.register("motcua-conc", AGENCY, system_identity)
    maker = env.app.state.sessionmaker
    rng = random.Random(7)
    done = asyncio.Event()

    async def writer(w: int) -> None:
        for i in range(6):
            agency = AGENCY if (w + i) % 3 else OTHER_AGENCY
            async with maker() as session, session.begin():
                await DossierService(session).apply(
                    accepted(dossier_code(w * 100 + i, agency), agency), event_id=str(uuid.uuid4())
                )
                await asyncio.sleep(rng.random() * 0.02)  # hold the transaction open: commits race

    seen: list[int] = []

    async def reader() -> str:
        cursor = "0"
        while True:
            finished = done.is_set()
            page = await pull(env, system, cursor, limit=4)
            seen.extend(d.change_seq for d in page.dossiers if d.change_seq is not None)
            cursor = page.next_cursor
            if finished and not page.has_more:
                return cursor
            await asyncio.sleep(0.005)

    read = asyncio.create_task(reader())
    await asyncio.gather(*(writer(w) for w in range(writers)))
    done.set()
    await read
    async with maker() as session:
        ours = [c.seq for c in await DossierService(session).changes_since(AGENCY, 0, 10_000)]
    assert len(ours) == sum(1 for w in range(writers) for i in range(6) if (w + i) % 3)
    assert seen == ours


async def test_bad_cursor_and_limit_are_named(env: Env, system_identity: Any) -> None:
    system = await env.register("motcua-cur", AGENCY, system_identity)
    for params, field in (({"since": "abc"}, "since"), ({"since": "9" * 30}, "since"), ({"limit": 0}, "limit")):
        response = await env.client.get("/interop/v1/dossiers", headers=system.headers, params=params)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["loc"][-1] == field


async def test_feed_verifies_with_libxmlsec1_given_only_the_platform_certificate(
    env: Env, system_identity: Any
) -> None:
    """Must-show 1: a standard XML-DSig implementation (libxmlsec1, through python-xmlsec), not our own code,
    verifies the feed with the published certificate alone; any other certificate fails."""
    import xmlsec
    from lxml import etree

    from interop_svc.xml.keys import certificate_pem, generate_rsa_identity

    system = await env.register("motcua-xmlsec", AGENCY, system_identity)
    await env.apply(accepted(dossier_code(7)))
    response = await env.client.get("/interop/v1/dossiers", headers=system.headers)
    assert response.status_code == 200, response.text
    published = (await env.client.get("/interop/v1/certificate")).content

    def verify(cert_pem: bytes) -> None:
        root = etree.fromstring(response.content)
        node = xmlsec.tree.find_node(root, xmlsec.constants.NodeSignature)
        ctx = xmlsec.SignatureContext()
        ctx.key = xmlsec.Key.from_memory(cert_pem, xmlsec.constants.KeyDataFormatCertPem)
        ctx.verify(node)

    verify(published)
    with pytest.raises(xmlsec.Error):
        verify(certificate_pem(generate_rsa_identity().certificate))
