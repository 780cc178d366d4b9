"""Agencies edited by an administrator (name, parent, contact details).

One procedure, many places to file: ``agencies`` defaults to the agency, is edited as a new revision, must
hold the agency itself and known codes only, and lists the procedure under each agency."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from catalog_testkit import KET_HON, demo_procedure
from devkit.testing import eventually

URL = "/api/v1/catalog/procedures"
KHAI_SINH = "1.001193.000.01.30.H19"
TAN_PHONG, TRANG_DAI, XUAN_TRUNG = "000.01.30.H19", "000.02.30.H19", "000.01.31.H19"


async def test_agencies_default_edit_and_filter(client: Any, editor: dict[str, str]) -> None:
    single = (await client.get(f"{URL}/{KET_HON}")).json()
    assert single["agencies"] == [single["agency_code"]]
    two = (await client.get(f"{URL}/{KHAI_SINH}")).json()
    assert two["agencies"] == [TAN_PHONG, TRANG_DAI]
    listed = (await client.get(URL, params={"agency": TRANG_DAI, "size": 100})).json()["items"]
    assert KHAI_SINH in [p["code"] for p in listed]

    body = demo_procedure(KET_HON)
    body["agencies"] = [TAN_PHONG, XUAN_TRUNG]
    r = await client.put(f"{URL}/{KET_HON}", json=body, headers=editor)
    assert r.status_code == 200, r.text
    assert r.json()["agencies"] == [TAN_PHONG, XUAN_TRUNG] and r.json()["revision"] == 2
    latest = (await client.get(f"{URL}/{KET_HON}/revisions")).json()[0]
    assert [(c["field"], c["old"], c["new"]) for c in latest["changes"]] == [
        ("agencies", [TAN_PHONG], [TAN_PHONG, XUAN_TRUNG])]
    assert KET_HON in [p["code"] for p in (await client.get(URL, params={"agency": XUAN_TRUNG})).json()["items"]]

    without_lead = await client.put(f"{URL}/{KET_HON}", json={**body, "agencies": [XUAN_TRUNG]}, headers=editor)
    assert without_lead.status_code == 422 and without_lead.json()["errors"][0]["loc"] == ["body", "agencies"]
    unknown = await client.put(f"{URL}/{KET_HON}", json={**body, "agencies": [TAN_PHONG, "999.99.99.H19"]},
                               headers=editor)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["loc"] == ["body", "agencies"]
    twice = await client.put(f"{URL}/{KET_HON}", json={**body, "agencies": [TAN_PHONG, TAN_PHONG]}, headers=editor)
    assert twice.status_code == 422
    assert (await client.get(f"{URL}/{KET_HON}")).json()["revision"] == 2


async def test_an_admin_edits_an_agency(client: Any, editor: dict[str, str], tokens: Any) -> None:
    admin = tokens.header(roles=("admin",))
    url = f"/api/v1/catalog/agencies/{TAN_PHONG}"
    before = (await client.get(url)).json()
    assert before["code"] == TAN_PHONG and before["address"] is None and before["parent_code"] == "000.00.30.H19"
    assert (await client.get("/api/v1/catalog/agencies/000.99.99.H19")).status_code == 404
    assert (await client.get(f"{URL}/{KHAI_SINH}")).json()["agency_name"] != "UBND phường Tân Phong"  # now cached

    change = {"name": "UBND phường Tân Phong", "address": " 12 Đồng Khởi, phường Tân Phong, Biên Hòa ",
              "phone": "0251 3822 111", "email": "tanphong@dongnai.gov.vn"}
    assert (await client.patch(url, json=change)).status_code == 401
    assert (await client.patch(url, json=change, headers=editor)).status_code == 403
    r = await client.patch(url, json=change, headers={**admin, "Idempotency-Key": "sua-tan-phong"})
    assert r.status_code == 200, r.text
    assert r.json() == {**change, "address": change["address"].strip(), "code": TAN_PHONG,
                        "parent_code": "000.00.30.H19"}
    assert (await client.get(url)).json() == r.json()
    listed = {a["code"]: a for a in (await client.get("/api/v1/catalog/agencies")).json()}
    assert listed[TAN_PHONG] == {"code": TAN_PHONG, "name": "UBND phường Tân Phong", "parent_code": "000.00.30.H19"}
    # the procedures it carries out show the new name (the event drops the cached answers)

    async def renamed() -> bool:
        return bool((await client.get(f"{URL}/{KHAI_SINH}")).json()["agency_name"] == "UBND phường Tân Phong")

    await eventually(renamed)

    # a field left out stays; an empty one clears it; nothing changed announces nothing
    r = await client.patch(url, json={"phone": ""}, headers=admin)
    assert r.status_code == 200 and r.json()["phone"] is None and r.json()["email"] == change["email"]
    assert (await client.patch(url, json={"email": change["email"]}, headers=admin)).status_code == 200
    async with client.app.state.sessionmaker() as session:
        events = (await session.execute(text(
            "SELECT subject, body FROM kit_outbox WHERE subject = 'catalog.agency.updated.v1' ORDER BY seq"))).all()
    assert len(events) == 2
    assert '"changed_fields":["name","address","phone","email"]' in events[0].body
    assert '"changed_fields":["phone"]' in events[1].body

    # bad input: the field named, in Vietnamese; the code never changes
    for body, field, words in (
        ({"email": "tanphong@"}, "email", "email"), ({"phone": "goi so 113"}, "phone", "điện thoại"),
        ({"name": "X"}, "name", ""), ({"parent_code": TAN_PHONG}, "parent_code", "chính cơ quan"),
        ({"parent_code": "000.99.99.H19"}, "parent_code", "Không có cơ quan"), ({"code": "000.09.30.H19"}, "code", ""),
    ):
        bad = await client.patch(url, json=body, headers=admin)
        assert bad.status_code == 422, body
        error = bad.json()["errors"][0]
        assert error["loc"] == ["body", field] and words in error["msg"], bad.json()
    # no loops: the city may not be put under one of its own wards
    loop = await client.patch("/api/v1/catalog/agencies/000.00.30.H19", json={"parent_code": TAN_PHONG},
                              headers=admin)
    assert loop.status_code == 422 and "trực thuộc" in loop.json()["errors"][0]["msg"]
