"""Review findings: Vietnamese validation messages, every bad reference reported, the public URL in Dublin
Core, no forms listed below level 2, Vietnamese chart texts."""

from __future__ import annotations

from typing import Any

from lxml import etree

from catalog_svc.app import create_app
from catalog_svc.loader import _validation_rejections
from catalog_svc.procedure.schemas import ProcedureCreate
from catalog_svc.settings import Settings
from catalog_svc.stats.render import weekly_svg
from catalog_testkit import KET_HON, MIGRATIONS, demo_procedure
from devkit.testing import reset_jetstream, running

URL = "/api/v1/catalog/procedures"
ENGLISH = ("Input should", "valid number", "valid boolean", "valid date", "List should", "valid dictionary",
           "Field required", "greater than")


def _english(messages: list[str]) -> list[str]:
    return [m for m in messages if any(e.lower() in m.lower() for e in ENGLISH)]


async def test_validation_messages_are_vietnamese(client: Any, editor: dict[str, str]) -> None:
    body = demo_procedure(KET_HON)
    body["code"] = "1.999998.000.01.30.H19"
    bad = {**body, "processing_time": {"value": 0, "unit": "working_days"}, "steps": [],
           "documents": [{"code": "A", "name": "Tờ khai", "copies": "hai", "original": "có lẽ"}],
           "effective_date": "ngày mai", "fees": [{"name": "Lệ phí", "amount": -1}]}
    del bad["method"]
    r = await client.post(URL, json=bad, headers=editor)
    assert r.status_code == 422
    errors = r.json()["errors"]
    locs = {tuple(e["loc"][1:]) for e in errors}
    assert {("processing_time", "value"), ("steps",), ("documents", 0, "copies"), ("documents", 0, "original"),
            ("effective_date",), ("fees", 0, "amount"), ("method",)} <= locs
    assert _english([e["msg"] for e in errors]) == []
    r = await client.post(URL, json=[body], headers=editor)
    assert r.status_code == 422 and _english([e["msg"] for e in r.json()["errors"]]) == []
    r = await client.post(URL, json={**body, "processing_time": {"value": "năm", "unit": "days"}}, headers=editor)
    assert r.status_code == 422 and _english([e["msg"] for e in r.json()["errors"]]) == []


def test_loader_messages_are_vietnamese() -> None:
    from pydantic import ValidationError

    for raw in ("không phải đối tượng", {**demo_procedure(KET_HON), "steps": [], "level": 0,
                                          "processing_time": {"value": 0, "unit": "days"}}):
        try:
            ProcedureCreate.model_validate(raw)
        except ValidationError as exc:
            rejected = _validation_rejections("bản ghi 0", None, exc)
        assert rejected and _english([r.reason for r in rejected]) == [], rejected


async def test_every_unknown_reference_is_reported(client: Any, editor: dict[str, str]) -> None:
    body = {**demo_procedure(KET_HON), "code": "1.999997.000.01.30.H19", "sector_code": "KHONGCO",
            "agency_code": "999.99.99.H19", "interagency": ["998.99.99.H19"]}
    r = await client.post(URL, json=body, headers=editor)
    assert r.status_code == 422
    errors = {e["loc"][-1]: e["msg"] for e in r.json()["errors"]}
    assert set(errors) == {"sector_code", "agency_code", "interagency"}
    assert "KHONGCO" in r.json()["detail"] and "999.99.99.H19" in r.json()["detail"]


async def test_dublin_core_identifier_uses_the_public_url(stack: Any, tokens: Any) -> None:
    await reset_jetstream(stack.nats.url)
    app = create_app(Settings(database_url=stack.fresh_database("catalog", MIGRATIONS), nats_url=stack.nats.url,
                              auth_public_key_file=str(tokens.public_key_file), demo=True,
                              public_url="https://dichvucong.dongnai.gov.vn/"))
    async with running(app) as client:
        r = await client.get(f"{URL}/{KET_HON}/metadata")
        # a revision beyond PostgreSQL's integer is a 422 naming it, not a 500
        for path in (f"{URL}/{KET_HON}", f"{URL}/{KET_HON}/metadata"):
            big = await client.get(path, params={"revision": 2**31})
            assert big.status_code == 422 and big.json()["errors"][0]["loc"] == ["query", "revision"]
    root = etree.fromstring(r.content)
    ids = [e.text for e in root.findall("{http://purl.org/dc/elements/1.1/}identifier")]
    assert f"https://dichvucong.dongnai.gov.vn/api/v1/catalog/procedures/{KET_HON}?revision=1" in ids


def test_public_url_setting_names(monkeypatch: Any) -> None:
    monkeypatch.setenv("CATALOG_DATABASE_URL", "postgresql://x@127.0.0.1/x")
    assert Settings().public_url == "http://127.0.0.1:8000"  # type: ignore[call-arg]
    monkeypatch.setenv("DVC_PUBLIC_URL", "https://dvc.example.vn")
    assert Settings().public_url == "https://dvc.example.vn"  # type: ignore[call-arg]
    monkeypatch.setenv("CATALOG_PUBLIC_URL", "https://catalog.example.vn")
    assert Settings().public_url == "https://catalog.example.vn"  # type: ignore[call-arg]


async def test_level_1_procedure_lists_no_forms(client: Any, editor: dict[str, str]) -> None:
    current = (await client.get(f"{URL}/{KET_HON}")).json()
    assert current["forms"]
    lowered = await client.put(f"{URL}/{KET_HON}", json={**current, "level": 1, "online_class": None},
                               headers=editor)
    assert lowered.status_code == 200, lowered.text
    assert lowered.json()["level"] == 1 and lowered.json()["forms"] == []
    read = (await client.get(f"{URL}/{KET_HON}")).json()
    assert read["forms"] == []
    assert (await client.get(f"{URL}/{KET_HON}/forms/{current['forms'][0]['id']}")).status_code == 404
    # raised back to level 2 through GET, edit, PUT: the template is still attached and listed again
    raised = await client.put(f"{URL}/{KET_HON}", json={**read, "level": 2}, headers=editor)
    assert raised.status_code == 200 and [f["id"] for f in raised.json()["forms"]] == [
        f["id"] for f in current["forms"]]
    assert (await client.get(f"{URL}/{KET_HON}", params={"revision": 2})).json()["forms"] == []


def test_weekly_chart_texts_are_vietnamese() -> None:
    svg = weekly_svg([{"week": "2026-W45", "received": 3, "finished": 2, "on_time_rate": 50.0}], "Xu hướng")
    assert "received" not in svg and "finished" not in svg
    assert "đã tiếp nhận 3" in svg and "đã giải quyết 2" in svg
