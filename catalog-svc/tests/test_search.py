from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text

from catalog_svc.text import fold
from catalog_testkit import DEMO


async def search(client: Any, **params: Any) -> dict[str, Any]:
    r = await client.get("/api/v1/catalog/procedures", params=params)
    assert r.status_code == 200, r.text
    return r.json()


QUERIES = ["dang ky ket hon", "DANG KY KET HON", "Đăng ký kết hôn", "ĐĂNG KÝ KẾT HÔN", "  dang   ky, ket-hon ",
           "đang ky ket hon", "Dang Ky Ket Hon"]


async def test_search_ignores_case_and_diacritics(client: Any) -> None:
    for q in QUERIES:
        body = await search(client, q=q)
        assert body["items"][0]["name"] == "Đăng ký kết hôn", q
        assert "Đăng ký kết hôn có yếu tố nước ngoài" in [i["name"] for i in body["items"]]


async def test_search_ranks_the_best_match_first(client: Any) -> None:
    for q, expected in [
        ("dang ky khai sinh", "Đăng ký khai sinh"),
        ("DANG KY KHAI TU", "Đăng ký khai tử"),
        ("giay xac nhan tinh trang hon nhan", "Cấp Giấy xác nhận tình trạng hôn nhân"),
        ("ho kinh doanh thanh lap", "Đăng ký thành lập hộ kinh doanh"),
        ("dang ky ket hn", "Đăng ký kết hôn"),  # a typo still finds it (trigram word similarity)
    ]:
        body = await search(client, q=q)
        assert body["items"] and body["items"][0]["name"] == expected, (q, body["items"][:3])
    body = await search(client, q="LY LICH TU PHAP")
    assert [i["sector_code"] for i in body["items"][:3]] == ["LLTP"] * 3
    scores = [i["score"] for i in body["items"]]
    assert scores == sorted(scores, reverse=True)


async def test_filters_and_agency_listing(client: Any) -> None:
    body = await search(client, sector="HOTICH", size=100)
    assert body["total"] == 10 and {i["sector_code"] for i in body["items"]} == {"HOTICH"}
    body = await search(client, level=4, q="dang ky", size=100)
    assert body["total"] > 0 and {i["level"] for i in body["items"]} == {4}
    # R-CAT-5: an agency's own services
    body = await search(client, agency="000.00.15.H19", size=100)
    assert body["total"] == 4 and {i["agency_code"] for i in body["items"]} == {"000.00.15.H19"}
    # a partner agency of a liên thông procedure also lists it
    body = await search(client, agency="000.00.92.H19", size=100)
    assert "1.000689.000.02.30.H19" in [i["code"] for i in body["items"]]
    body = await search(client, q="khong co thu tuc nao nhu the nay xyz")
    assert body == {"items": [], "total": 0, "page": 1, "size": 20}
    r = await client.get("/api/v1/catalog/procedures", params={"level": 7})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")


async def test_pagination(client: Any) -> None:
    first = await search(client, page=1, size=10)
    second = await search(client, page=2, size=10)
    assert first["total"] == 62 and len(first["items"]) == 10
    assert not {i["code"] for i in first["items"]} & {i["code"] for i in second["items"]}


async def test_sql_fold_matches_python_fold_and_uses_the_index(client: Any) -> None:
    names = [p["name"] for p in json.loads((DEMO / "procedures.json").read_text("utf-8"))]
    names += ["ĐƯỜNG ỐNG Ỹ Ữ Ợ", "Nghĩa vụ quân sự", "e\u0301 decomposed", "Đđ"]
    async with client.app.state.sessionmaker() as session:
        for name in names:
            assert await session.scalar(text("SELECT catalog_fold(:t)"), {"t": name}) == fold(name), name
        await session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(r[0] for r in await session.execute(text(
            "EXPLAIN SELECT code FROM procedures WHERE search_name LIKE '%ket hon%'")))
    assert "ix_procedures_search_name_trgm" in plan


async def test_reference_lists(client: Any) -> None:
    sectors = (await client.get("/api/v1/catalog/sectors")).json()
    assert isinstance(sectors, list) and len(sectors) == 18 and {"code": "HOTICH", "name": "Hộ tịch"} in sectors
    agencies = (await client.get("/api/v1/catalog/agencies")).json()
    assert isinstance(agencies, list) and len(agencies) == 39
    assert {"code": "000.00.00.H19", "name": "Ủy ban nhân dân tỉnh Đồng Nai", "parent_code": None} in agencies
    children = (await client.get("/api/v1/catalog/agencies", params={"parent": "000.00.00.H19"})).json()
    assert children and all(a["parent_code"] == "000.00.00.H19" for a in children)
