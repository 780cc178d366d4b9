from __future__ import annotations

from typing import Any

from lxml import etree
from sqlalchemy import text

from catalog_testkit import KET_HON, demo_procedure

URL = "/api/v1/catalog/procedures"


async def test_read_has_what_intake_needs(client: Any) -> None:
    r = await client.get(f"{URL}/{KET_HON}")
    assert r.status_code == 200
    p = r.json()
    assert p["name"] == "Đăng ký kết hôn" and p["revision"] == 1 and p["agency_code"] == "000.01.30.H19"
    for key in ("level", "online_class", "processing_time", "documents", "fees", "interagency", "forms", "steps",
                "method", "applicants", "result", "requirements", "legal_basis", "effective_date",
                "online_registration", "guide", "sector_code", "form_names"):
        assert key in p, key
    assert p["online_class"] == {4: "full", 3: "partial"}.get(p["level"], "info")
    assert p["forms"] and p["forms"][0]["media_type"] == "text/html"
    missing = await client.get(f"{URL}/9.999999")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"


async def test_edit_creates_a_revision_with_the_field_difference(client: Any, editor: dict[str, str]) -> None:
    body = demo_procedure(KET_HON)
    old_fees = body["fees"]
    body["fees"] = [{"name": "Lệ phí đăng ký kết hôn", "amount": 20000}]
    body["processing_time"] = {"value": 3, "unit": "working_days"}
    r = await client.put(f"{URL}/{KET_HON}", json=body, headers={**editor, "If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert r.json()["revision"] == 2 and r.json()["fees"][0]["amount"] == 20000

    revisions = (await client.get(f"{URL}/{KET_HON}/revisions")).json()
    assert isinstance(revisions, list) and [r["revision"] for r in revisions] == [2, 1]
    latest = revisions[0]
    assert latest["revision"] == 2 and latest["changed_by"] == "bientap"
    assert latest["changed_by_name"] == "Trần Thị Biên Tập"
    assert latest["changed_at"].endswith("+07:00") and r.json()["updated_at"].endswith("+07:00")  # contract: times
    changes = {c["field"]: c for c in latest["changes"]}
    assert set(changes) == {"fees", "processing_time"}
    assert changes["fees"]["old"] == old_fees and changes["fees"]["new"][0]["amount"] == 20000

    old = (await client.get(f"{URL}/{KET_HON}", params={"revision": 1})).json()
    assert old["revision"] == 1 and old["fees"] == old_fees and old["latest_revision"] == 2
    assert (await client.get(f"{URL}/{KET_HON}", params={"revision": 9})).status_code == 404

    # The same content again changes nothing; a stale If-Match is a conflict.
    same = await client.put(f"{URL}/{KET_HON}", json=body, headers=editor)
    assert same.json()["revision"] == 2
    stale = await client.put(f"{URL}/{KET_HON}", json=body, headers={**editor, "If-Match": "1"})
    assert stale.status_code == 409

    # GET, edit, PUT back works as is (read-only fields ignored); a template detached is a change of forms
    current = (await client.get(f"{URL}/{KET_HON}")).json()
    assert current["processing_time"] == {"value": 3, "unit": "working_days"}
    r = await client.put(f"{URL}/{KET_HON}", json={**current, "forms": []}, headers=editor)
    assert r.status_code == 200 and r.json()["revision"] == 3 and r.json()["forms"] == []

    async with client.app.state.sessionmaker() as session:
        events = (await session.execute(text(
            "SELECT subject, body FROM kit_outbox WHERE body LIKE :c ORDER BY seq"), {"c": f"%{KET_HON}%"})).all()
    assert [e.subject for e in events] == ["catalog.procedure.published.v1"] + ["catalog.procedure.revised.v1"] * 2
    assert '"changed_fields":["processing_time","fees"]' in events[1].body


async def test_create_validates_in_vietnamese_and_needs_a_role(
    client: Any, editor: dict[str, str], citizen: dict[str, str],
) -> None:
    body = demo_procedure(KET_HON)
    body["code"] = "1.999999.000.01.30.H19"
    assert (await client.post(URL, json=body)).status_code == 401
    assert (await client.post(URL, json=body, headers=citizen)).status_code == 403

    bad = {**body, "level": 5, "sector_code": "", "documents": [{"code": "A", "name": "x", "copies": 0}]}
    r = await client.post(URL, json=bad, headers=editor)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    locs = {tuple(e["loc"][1:]) for e in r.json()["errors"]}
    assert {("level",), ("sector_code",), ("documents", 0, "copies")} <= locs
    assert all(e["msg"] and "Input" not in e["msg"] for e in r.json()["errors"])

    r = await client.post(URL, json={**body, "sector_code": "KHONGCO"}, headers=editor)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "sector_code"]
    assert "lĩnh vực" in r.json()["detail"]
    r = await client.post(URL, json={**body, "level": 2, "online_class": "full"}, headers=editor)
    assert r.status_code == 422 and "online_class" in r.json()["errors"][0]["msg"]

    headers = {**editor, "Idempotency-Key": "tao-1"}
    created = await client.post(URL, json={**body, "level": 3, "online_class": "full"}, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["online_class"] == "full" and created.json()["revision"] == 1
    again = await client.post(URL, json={**body, "level": 3, "online_class": "full"}, headers=headers)
    assert again.status_code == 201 and again.headers.get("idempotent-replayed") == "true"
    dup = await client.post(URL, json=body, headers=editor)
    assert dup.status_code == 409


async def test_dublin_core_metadata(client: Any) -> None:
    r = await client.get(f"{URL}/{KET_HON}/metadata")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml")
    root = etree.fromstring(r.content)
    ns = {"dc": "http://purl.org/dc/elements/1.1/", "dcterms": "http://purl.org/dc/terms/"}
    assert root.findtext("dc:title", namespaces=ns) == "Đăng ký kết hôn"
    assert root.findtext("dc:language", namespaces=ns) == "vi"
    assert root.findtext("dc:identifier", namespaces=ns) == KET_HON
    assert root.findtext("dc:subject", namespaces=ns) == "Hộ tịch"
    for tag in ("dc:description", "dc:publisher", "dc:date", "dc:type", "dc:format", "dcterms:modified"):
        assert root.find(tag, namespaces=ns) is not None, tag


async def test_stats_start_at_zero_and_only_for_online_services(client: Any) -> None:
    r = await client.get(f"{URL}/{KET_HON}/stats")
    assert r.status_code == 200
    assert r.json() == {"submitted": 0, "in_progress": 0, "completed": 0, "on_time": 0, "late": 0, "last_30_days": 0}
    level1 = (await client.get(URL, params={"level": 1})).json()["items"][0]["code"]
    r = await client.get(f"{URL}/{level1}/stats")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert (await client.get(f"{URL}/9.999999/stats")).status_code == 404


async def test_agencies_post_is_for_admins(client: Any, editor: dict[str, str], tokens: Any) -> None:
    body = {"code": "000.03.30.H19", "name": "Ủy ban nhân dân phường Thống Nhất", "parent_code": "000.00.30.H19"}
    assert (await client.post("/api/v1/catalog/agencies", json=body, headers=editor)).status_code == 403
    admin = tokens.header(roles=("admin",))
    r = await client.post("/api/v1/catalog/agencies", json=body, headers=admin)
    assert r.status_code == 201 and r.json() == body
    assert (await client.post("/api/v1/catalog/agencies", json=body, headers=admin)).status_code == 409
    bad = await client.post("/api/v1/catalog/agencies", json={**body, "code": "H19"}, headers=admin)
    assert bad.status_code == 422 and "QCVN 102" in bad.json()["errors"][0]["msg"]
