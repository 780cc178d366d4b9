"""One procedure, many places to file: ``agencies`` defaults to the agency, is edited as a new revision, must
hold the agency itself and known codes only, and lists the procedure under each agency."""

from __future__ import annotations

from typing import Any

from catalog_testkit import KET_HON, demo_procedure

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
