"""The desk's reception limit in the statistics: an online dossier not checked within 8 working hours of its
arrival (Decree 45/2020) is counted as ``reception_overdue`` in the month its limit ended."""

from __future__ import annotations

from typing import Any

from catalog_stats_golden import P1, A, Dossier, t
from test_stats import feed, report_of

from contracts.intake import DossierRefused, DossierSubmitted


def online(n: int, submitted: str, limit: str) -> Dossier:
    """Submitted at ``submitted`` (day, hour), its limit at ``limit``, both in November 2026."""
    d = Dossier(f"{A}-2611{n:02d}-{n:04d}", P1)
    at, due = t(*submitted.split()), t(*limit.split())
    return d.add(DossierSubmitted(**d._base(at, "submitted", 1), procedure_name="Thủ tục", procedure_revision=1,
                                  level=4, reception_due_at=due), "/intake-svc")


async def test_reception_overdue_is_counted(client: Any, tokens: Any) -> None:
    in_time = online(1, "02/11 09:00", "03/11 09:00").accepted(t("02/11", "15:00"), t("06/11", "15:00"))
    late = online(2, "02/11 09:00", "03/11 09:00").accepted(t("04/11", "09:00"), t("10/11", "09:00"))
    refused_late = online(3, "09/11 09:00", "10/11 09:00")
    refused_late.add(DossierRefused(**refused_late._base(t("11/11", "10:00"), "refused", 3),
                                    reason="Không thuộc thẩm quyền"), "/intake-svc")
    never = online(4, "16/11 09:00", "17/11 09:00")  # still waiting at the end of the month
    counter = Dossier(f"{A}-261105-0005", P1, channel="counter").accepted(t("05/11", "09:00"), t("11/11", "09:00"))
    await feed(client, [e for d in (in_time, late, refused_late, never, counter) for e in d.events])
    totals = (await report_of(client, tokens.header(roles=("auditor",)))).json()["totals"]
    assert totals["reception_overdue"] == 3
    assert (await report_of(client, tokens.header(roles=("auditor",)), period="2026-10")).json()["totals"][
        "reception_overdue"] == 0

