"""The citizen's voice in the statistics: ratings make the satisfaction indicator, feedback answered on time is
counted per agency, and the public scoreboard ranks the agencies with a district's figures including its
communes, the same numbers as JSON and CSV."""

from __future__ import annotations

import csv
import io
import random
from typing import Any

import nats
from catalog_stats_golden import P1, A, B, Dossier, all_events, t
from test_stats import feed, report_of

from contracts import CloudEvent
from contracts.intake import FeedbackAnswered, FeedbackOverdue, FeedbackReceived
from devkit.testing import eventually

BIEN_HOA, TRANG_DAI = "000.00.30.H19", "000.02.30.H19"


def indicators(report: dict[str, Any]) -> dict[str, Any]:
    return {i["code"]: i for i in report["indicators"]}


def feedback(n: int, received: str, due: str, answered: str | None = None, agency: str = A,
             overdue: bool = False) -> list[CloudEvent]:
    base = {"feedback_id": f"fb-{n}", "agency_code": agency, "about": "agency", "ref": agency, "title": "Phản ánh",
            "received_at": t(received, "09:00"), "due_at": t(due, "09:00"), "author_user_id": "u-1"}
    out = [CloudEvent.of(FeedbackReceived(**base, at=t(received, "09:00")), source="/intake-svc")]
    if answered:
        at = t(answered, "10:00")
        out.append(CloudEvent.of(FeedbackAnswered(**base, at=at, answered_at=at, public=True,
                                                  on_time=at <= base["due_at"]), source="/intake-svc"))
    if overdue:
        out.append(CloudEvent.of(FeedbackOverdue(**base, at=t(due, "10:00")), source="/intake-svc"))
    return out


async def test_ratings_make_the_satisfaction_indicator(client: Any, tokens: Any) -> None:
    await feed(client, all_events())
    officer = tokens.header(roles=("leader",), agency_code=A)
    hai_long = indicators((await report_of(client, officer)).json())["HAI_LONG"]
    assert (hai_long["numerator"], hai_long["denominator"], hai_long["value"]) == (2, 4, 50.0)
    assert "4, 5" in hai_long["formula"] and hai_long["note"] is None
    # a second rating of D01 (another event) changes nothing: the first one stands
    d01 = Dossier(f"{A}-261101-0001", P1).rated(t("08/11", "09:00"), 1)
    # a newly returned dossier rated 5 in November: three of five satisfied
    d15 = (Dossier(f"{A}-261126-0015", P1).submitted(t("26/11", "08:00"))
           .accepted(t("26/11", "09:00"), t("02/12", "09:00")).result(t("27/11", "09:00"))
           .delivered(t("27/11", "10:00"), "counter").rated(t("27/11", "11:00"), 5))
    await feed(client, [*d01.events, *d15.events])
    report = (await report_of(client, officer)).json()
    hai_long = indicators(report)["HAI_LONG"]
    assert (hai_long["numerator"], hai_long["denominator"], hai_long["value"]) == (3, 5, 60.0)
    assert report["totals"]["rated"] == 5 and report["totals"]["average_rating"] == 3.6
    # December has no rating: no value, and it says why
    december = indicators((await report_of(client, officer, period="2026-12")).json())["HAI_LONG"]
    assert december["value"] is None and december["note"]


async def test_feedback_answered_on_time_is_counted_per_agency(client: Any, tokens: Any) -> None:
    events = [*feedback(1, "03/11", "17/11", "10/11"), *feedback(2, "05/11", "19/11", "25/11"),
              *feedback(3, "20/11", "04/12"), *feedback(4, "02/11", "16/11", overdue=True),
              *feedback(5, "04/11", "18/11", "05/11", agency=B)]
    maker = client.app.state.sessionmaker
    from catalog_svc.stats.handlers import on_voice_event

    for event in [*events, *events]:  # delivered twice: counted once
        async with maker() as session, session.begin():
            await on_voice_event(event, session)
    report = (await report_of(client, tokens.header(roles=("leader",), agency_code=A))).json()
    totals = report["totals"]
    assert (totals["feedback_received"], totals["feedback_answered"], totals["feedback_answered_on_time"],
            totals["feedback_overdue"]) == (4, 2, 1, 1)
    pakn = indicators(report)["PAKN_DUNG_HAN"]
    assert (pakn["numerator"], pakn["denominator"], pakn["value"]) == (1, 3, 33.33)
    province = (await report_of(client, tokens.header(roles=("admin",)), agency=None)).json()["totals"]
    assert province["feedback_received"] == 5 and province["feedback_answered_on_time"] == 2


async def test_scoreboard_ranks_agencies_with_districts_including_their_communes(client: Any) -> None:
    await feed(client, all_events())
    r = await client.get("/api/v1/public/indicators", params={"period": "2026-11"})
    assert r.status_code == 200, r.text
    board = r.json()
    assert board["period_title"] == "Tháng 11 năm 2026"
    province = board["province"]
    assert (province["submitted"], province["finished"], province["early"], province["satisfaction"]) == (
        25, 20, 14, 50.0)
    units = {u["code"]: u for u in board["agencies"]}
    bien_hoa, tan_phong = units[BIEN_HOA], units[B]
    # the district's figures include its commune Tân Phong's dossier
    assert B in bien_hoa["includes"] and TRANG_DAI in bien_hoa["includes"]
    assert (bien_hoa["submitted"], bien_hoa["finished"], bien_hoa["early"], bien_hoa["on_time_rate"]) == (
        1, 1, 1, 100.0)
    assert (tan_phong["parent_code"], tan_phong["depth"], tan_phong["finished"]) == (BIEN_HOA, 2, 1)
    justice = units[A]
    assert (justice["on_time_rate"], justice["late_rate"], justice["online_share"], justice["satisfaction"]) == (
        84.21, 15.79, 83.33, 50.0)
    top = sorted((u for u in board["agencies"] if u["depth"] == 1), key=lambda u: u["rank"])
    assert [u["code"] for u in top[:2]] == [BIEN_HOA, A] and top[0]["parent_code"] is None
    # the order of the list: each unit followed by the units under it
    order = [u["code"] for u in board["agencies"]]
    assert order.index(BIEN_HOA) < order.index(B) < order.index(A)

    # the same numbers as open-data CSV
    c = await client.get("/api/v1/public/indicators", params={"period": "2026-11", "format": "csv"})
    assert c.status_code == 200 and c.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(c.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:6] == ["Kỳ", "Mã cơ quan", "Tên cơ quan", "Mã cơ quan cấp trên", "Cấp", "Xếp hạng"]
    assert len(body) == 1 + len(board["agencies"])
    from catalog_svc.stats.scoreboard import COUNTS, RATES

    keys = [k for k, _ in RATES] + [k for k, _ in COUNTS]
    for row, unit in zip(body, [province, *board["agencies"]], strict=True):
        assert row[1] == (unit["code"] or "") and row[2] == unit["name"]
        assert [float(v) if v else None for v in row[6:]] == [unit[k] for k in keys]

    one = (await client.get("/api/v1/public/indicators", params={"period": "2026-11", "agency": BIEN_HOA})).json()
    assert one["province"] is None and one["agencies"][0]["code"] == BIEN_HOA
    assert {u["code"] for u in one["agencies"]} == {BIEN_HOA, *bien_hoa["includes"]}
    bad = await client.get("/api/v1/public/indicators", params={"period": "2026-13"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["query", "period"]
    assert (await client.get("/api/v1/public/indicators", params={"agency": "000.99.99.H19"})).status_code == 404


async def test_ratings_and_feedback_arrive_through_jetstream(client: Any, stack: Any, tokens: Any) -> None:
    dossier = (Dossier(f"{A}-261103-0090", P1).submitted(t("03/11", "08:00"))
               .accepted(t("03/11", "09:00"), t("09/11", "09:00")).result(t("04/11", "09:00"))
               .delivered(t("04/11", "10:00"), "counter").rated(t("05/11", "09:00"), 4))
    nc = await nats.connect(stack.nats.url)
    try:
        js = nc.jetstream()

        async def ready() -> bool:
            try:
                await js.stream_info("INTAKE")
                return True
            except Exception:
                return False

        await eventually(ready)
        for event in [*dossier.events, *feedback(9, "03/11", "17/11", "04/11")]:
            await js.publish(event.type, event.model_dump_json().encode(),
                             headers={"Nats-Msg-Id": f"{event.id}-{random.random()}"})
    finally:
        await nc.close()
    officer = tokens.header(roles=("leader",), agency_code=A)

    async def projected() -> Any:
        totals = (await report_of(client, officer)).json()["totals"]
        return totals if totals["rated"] == 1 and totals["feedback_answered"] == 1 else None

    totals = await eventually(projected)
    assert totals["satisfied"] == 1 and totals["feedback_answered_on_time"] == 1
