from __future__ import annotations

import io
import json
import random
from typing import Any
from xml.etree import ElementTree

import nats
from catalog_stats_golden import (
    EXPECTED_A_INDICATORS,
    EXPECTED_A_P1,
    EXPECTED_A_P2,
    EXPECTED_A_TOTALS,
    EXPECTED_P1_PUBLIC,
    P1,
    P2,
    A,
    Dossier,
    all_events,
    t,
)

from catalog_svc.stats.service import StatsService, rebuild
from devkit.testing import eventually

REPORT = "/api/v1/reports/indicators"


async def feed(client: Any, events: list[Any]) -> None:
    """Projects events as the consumers do (one transaction each), without the inbox: a true replay."""
    maker = client.app.state.sessionmaker
    for event in events:
        async with maker() as session, session.begin():
            await StatsService(session).apply(event)


def figures(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k not in ("generated_at", "generation")}


async def report_of(client: Any, headers: dict[str, str], agency: str | None = A, **params: Any) -> Any:
    r = await client.get(REPORT, params={"period": "2026-11", **({"agency": agency} if agency else {}), **params},
                         headers=headers)
    assert r.status_code == 200, r.text
    return r


async def test_golden_dataset_gives_the_hand_computed_figures(client: Any, tokens: Any) -> None:
    await feed(client, all_events())
    officer = tokens.header(roles=("leader",), agency_code=A)
    report = (await report_of(client, officer)).json()
    totals = report["totals"]
    assert {k: totals[k] for k in EXPECTED_A_TOTALS} == EXPECTED_A_TOTALS
    by_proc = {p["procedure_code"]: p for p in report["procedures"]}
    assert set(by_proc) == {P1, P2}
    assert {k: by_proc[P1][k] for k in EXPECTED_A_P1} == EXPECTED_A_P1
    assert {k: by_proc[P2][k] for k in EXPECTED_A_P2} == EXPECTED_A_P2
    values = {i["code"]: i["value"] for i in report["indicators"]}
    assert {k: values[k] for k in EXPECTED_A_INDICATORS} == EXPECTED_A_INDICATORS
    assert values["DONG_BO"] is None and all(i["formula"] for i in report["indicators"])
    # form 06: every dossier received in November, in order, with its dates
    register = report["register"]
    assert len(register) == 22 and [r["no"] for r in register] == list(range(1, 23))
    d01 = next(r for r in register if r["code"].endswith("-0001"))
    assert (d01["received_at"], d01["due_at"], d01["transferred_at"], d01["result_at"], d01["returned_at"]) == (
        "2026-11-02T09:00+07:00", "2026-11-06T09:00+07:00", "2026-11-02T15:00+07:00", "2026-11-04T09:00+07:00",
        "2026-11-05T10:00+07:00")
    # the province (admin): agency B's dossier too
    province = (await report_of(client, tokens.header(roles=("admin",)), agency=None)).json()["totals"]
    assert (province["submitted"], province["finished"], province["early"]) == (25, 20, 14)
    # the public figures of P1 (all time)
    public = (await client.get(f"/api/v1/catalog/procedures/{P1}/stats")).json()
    assert {k: public[k] for k in EXPECTED_P1_PUBLIC} == EXPECTED_P1_PUBLIC
    assert isinstance(public["last_30_days"], int)


async def test_replaying_twice_and_rebuilding_change_nothing(client: Any, tokens: Any) -> None:
    events = all_events()
    await feed(client, events)
    auditor = tokens.header(roles=("auditor",))
    first = figures((await report_of(client, auditor)).json())
    province = figures((await report_of(client, auditor, agency=None)).json())
    shuffled = events * 2
    random.Random(7).shuffle(shuffled)  # every event twice, in another order (three streams interleave)
    await feed(client, shuffled)
    assert figures((await report_of(client, auditor)).json()) == first
    assert figures((await report_of(client, auditor, agency=None)).json()) == province

    generation = await rebuild(client.app.state.sessionmaker)
    assert generation == 2
    rebuilt = (await report_of(client, auditor)).json()
    assert rebuilt["generation"] == 2 and figures(rebuilt) == first
    assert figures((await report_of(client, auditor, agency=None)).json()) == province
    # events keep flowing after the switch, into the new generation; a second rebuild drops the first one
    await feed(client, Dossier(f"{A}-261126-0099", P2).submitted(t("26/11", "08:00")).events)
    assert (await report_of(client, auditor)).json()["totals"]["submitted"] == first["totals"]["submitted"] + 1
    assert await rebuild(client.app.state.sessionmaker) == 3
    assert (await report_of(client, auditor)).json()["totals"]["submitted"] == first["totals"]["submitted"] + 1


async def test_ods_csv_pdf_match_the_api(client: Any, tokens: Any) -> None:
    from odf.opendocument import load
    from odf.table import Table, TableCell, TableRow
    from odf.text import P as Para

    await feed(client, all_events())
    officer = tokens.header(roles=("reception",), agency_code=A)
    report = (await report_of(client, officer)).json()
    r = await report_of(client, officer, format="ods")
    assert r.headers["content-type"] == "application/vnd.oasis.opendocument.spreadsheet"
    doc = load(io.BytesIO(r.content))
    sheets: dict[str, list[list[Any]]] = {}
    for table in doc.spreadsheet.getElementsByType(Table):
        rows = []
        for row in table.getElementsByType(TableRow):
            cells = []
            for cell in row.getElementsByType(TableCell):
                value = cell.getAttribute("value")
                text = "".join(str(p) for p in cell.getElementsByType(Para))
                cells.append(float(value) if value is not None else text)
            rows.append(cells)
        sheets[table.getAttribute("name")] = rows
    assert set(sheets) == {"Chỉ tiêu 766", "Theo thủ tục", "Mẫu 06"}
    header, total = sheets["Theo thủ tục"][2], sheets["Theo thủ tục"][-1]
    assert total[0] == "Tổng cộng"
    for key, label in (("submitted", "Tiếp nhận mới"), ("finished", "Đã giải quyết"), ("early", "Trước hạn"),
                       ("late", "Quá hạn"), ("average_processing_days", "TG TB (ngày LV)")):
        assert total[header.index(label)] == report["totals"][key], key
    indicators = {row[0]: row for row in sheets["Chỉ tiêu 766"][3:]}
    for ind in report["indicators"]:
        if ind["value"] is not None:
            assert indicators[ind["code"]][5] == ind["value"], ind["code"]
    assert len(sheets["Mẫu 06"]) == 3 + len(report["register"])

    csv_bytes = (await report_of(client, officer, format="csv")).content
    assert csv_bytes.startswith(b"\xef\xbb\xbf") and "Sổ theo dõi hồ sơ" in csv_bytes.decode("utf-8-sig")
    pdf = await report_of(client, officer, format="pdf")
    assert pdf.content.startswith(b"%PDF") and b"BeVietnamPro" in pdf.content


async def test_access_to_reports(client: Any, tokens: Any) -> None:
    other = tokens.header(roles=("leader",), agency_code="000.00.16.H19")
    assert (await client.get(REPORT, params={"period": "2026-11", "agency": A}, headers=other)).status_code == 403
    citizen = tokens.header(roles=("citizen",))
    assert (await client.get(REPORT, params={"period": "2026-11", "agency": A}, headers=citizen)).status_code == 403
    assert (await client.get(REPORT, params={"period": "2026-11", "agency": A})).status_code == 401
    admin = tokens.header(roles=("admin",))
    for bad in ("2026-13", "2026-Q5", "26-11", "tháng 11"):
        r = await client.get(REPORT, params={"period": bad}, headers=admin)
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "period"], bad
    quarter = (await client.get(REPORT, params={"period": "2026-Q4"}, headers=admin)).json()
    assert quarter["from"].startswith("2026-10-01") and quarter["to"].startswith("2027-01-01")


async def test_report_job_and_weekly_chart(client: Any, tokens: Any) -> None:
    await feed(client, all_events())
    officer = tokens.header(sub="off-1", roles=("leader",), agency_code=A)
    for bad in ({"from": "9999-12-31", "to": "9999-12-31"}, {"from": "0001-01-01", "to": "0001-01-02"}):
        r = await client.get("/api/v1/reports/charts/weekly.svg", params={**bad, "agency": A}, headers=officer)
        assert r.status_code == 422, r.text
    r = await client.post("/api/v1/reports/jobs", json={"period": "2026-11", "agency": A, "format": "pdf"},
                          headers={**officer, "Idempotency-Key": "job-1"})
    assert r.status_code == 202, r.text
    job_id = r.json()["id"]

    async def done() -> Any:
        job = (await client.get(f"/api/v1/reports/jobs/{job_id}", headers=officer)).json()
        return job if job["state"] == "done" else None

    job = await eventually(done, timeout=20)
    assert job["progress"] == 100 and job["file_url"]
    assert job["created_at"].endswith("+07:00") and job["finished_at"].endswith("+07:00")  # docs/contract.md: times
    pdf = await client.get(job["file_url"], headers=officer)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    stranger = tokens.header(sub="off-2", roles=("leader",), agency_code=A)
    assert (await client.get(f"/api/v1/reports/jobs/{job_id}", headers=stranger)).status_code == 404

    svg = await client.get("/api/v1/reports/charts/weekly.svg",
                           params={"agency": A, "from": "2026-11-02", "to": "2026-11-29"}, headers=officer)
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    root = ElementTree.fromstring(svg.content)
    bars = [e for e in root.iter("{http://www.w3.org/2000/svg}rect") if e.find("{http://www.w3.org/2000/svg}title")
            is not None]
    assert len(bars) == 8  # four weeks, two bars each
    assert root.find("{http://www.w3.org/2000/svg}polyline") is not None


async def test_events_arrive_through_jetstream(client: Any, stack: Any) -> None:
    """The real consumers: published once (and a duplicate with a new message id), projected once."""
    dossier = Dossier(f"{A}-261127-0077", P1).submitted(t("27/11", "08:00")).accepted(
        t("27/11", "09:00"), t("03/12", "09:00"))
    counter = Dossier(f"{A}-261127-0078", P1, channel="counter").counter(t("27/11", "10:00"), t("03/12", "10:00"))
    nc = await nats.connect(stack.nats.url)
    try:
        js = nc.jetstream()

        async def ready() -> bool:
            try:
                await js.stream_info("INTEROP")
                return True
            except Exception:
                return False

        await eventually(ready)
        for event in [*dossier.events, *counter.events, dossier.events[0]]:
            await js.publish(event.type, event.model_dump_json().encode(),
                             headers={"Nats-Msg-Id": f"{event.id}-{random.random()}"})
    finally:
        await nc.close()

    async def projected() -> Any:
        body = (await client.get(f"/api/v1/catalog/procedures/{P1}/stats")).json()
        return body if body["submitted"] == 2 and body["in_progress"] == 2 else None

    body = await eventually(projected)
    assert body["completed"] == 0
    maker = client.app.state.sessionmaker
    from sqlalchemy import text

    async with maker() as session:
        stored = await session.scalar(text("SELECT count(*) FROM stats_events"))
    assert stored == 3
    json.dumps(body)
