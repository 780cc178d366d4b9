"""The golden dataset: 26 dossiers of November 2026 (no public holiday that month; office hours 07:30-11:30,
13:30-17:00, so one working day = 7.5 h) and the figures computed by hand for each.

Agency A = Sở Tư pháp (000.00.15.H19): P1 = 2.000488.000.00.15.H19 (level 4), P2 = 1.001877.000.00.15.H19
(level 3); both charge fees. Agency B = 000.01.30.H19 with one dossier (province totals only).
Processing time = office time from reception to the result, minus the time waiting on the applicant after
reception. Hand computation per dossier (h = office hours):

P1 online
  D01 rcv 02/11 09:00 due 06/11 09:00 fin 04/11 09:00  early   15 h   returned 05/11 online, paid online
  D02 rcv 02/11 09:00 due 06/11 09:00 fin 06/11 08:30  on time 29.5 h returned 06/11 counter
  D03 rcv 02/11 09:00 due 06/11 09:00 fin 09/11 09:00  late    37.5 h extended (new due 10/11): still late
  D04 supplement before reception (1 round), rcv 04/11 11:00 due 10/11 11:00 fin 09/11 11:00 early 22.5 h
  D05 two supplement rounds, rcv 04/11 09:00 due 10/11 09:00 fin 05/11 09:00: late (rule), 7.5 h
  D06 rcv 09/11 08:00 due 11/11 08:00; waits on applicant 09/11 13:30 → 10/11 13:30 (7.5 h) so the due moves
      to 12/11 08:00; fin 11/11 16:00: early (late without the exclusion); 21 h − 7.5 h = 13.5 h
  D07 rcv 10/11 09:00, withdrawn 11/11 10:00
  D08 refused at reception 10/11 10:00 (never received)
  D09 rcv 12/11 08:00 due 18/11 08:00, rejected with reasons 13/11 10:00: early, 9.5 h; letter returned 16/11
  D10 rcv 25/11 09:00 due 01/12 09:00, finished 02/12 09:00: in progress at the end of November
  D11 rcv 30/10 09:00 due 05/11 09:00 fin 05/11 09:00: on time, 30 h (counted in November's finished only)
  D12 submitted 30/11 16:00, not yet received
P1 counter (one-stop software, interop events)
  C01 rcv 04/11 09:00 due 10/11 09:00, status 9 at 10/11 08:00: on time, 29 h; status 10 on 11/11
  C02 rcv 18/11 09:00 due 20/11 09:00, status 9 at 23/11 09:00: late, 22.5 h
  C03 rcv 19/11 10:00, status 7 (withdrawn) 20/11 10:00
P2
  D13 rcv 16/11 09:00 due 30/11 09:00 fin 20/11 09:00: early, 30 h, returned 23/11 by post, paid online
  D14 postal channel, rcv 17/11 09:00 due 01/12 09:00: in progress
  E01..E08 rcv 23/11 09:00 due 07/12 09:00 fin 24/11 09:00: early; 24/11 is a public holiday (Ngày Văn hóa
      Việt Nam, new in 2026) so only 23/11 09:00-17:00 counts: 2.5 h + 3.5 h = 6 h each; E01..E04 paid online
Ratings (levels 1–5, after return): D01 5 on 06/11, D02 3 on 07/11, D09 1 on 17/11, D13 4 on 24/11.
Agency B: B01 rcv 05/11 09:00 due 09/11 09:00 fin 06/11 09:00 (early, 7.5 h)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contracts import CloudEvent
from contracts import workflow as wf
from contracts.intake import (
    DossierAccepted,
    DossierDelivered,
    DossierRated,
    DossierRefused,
    DossierSubmitted,
    DossierSupplemented,
    DossierSupplementRequested,
    DossierWithdrawn,
    PaymentPaid,
)
from contracts.interop import CounterDossierReceived, StatusReported
from contracts.vocabulary import VN_TZ as VN
from contracts.workflow import DossierExtended, DossierForwarded, DossierResultReady

A, B = "000.00.15.H19", "000.01.30.H19"
P1, P2, PB = "2.000488.000.00.15.H19", "1.001877.000.00.15.H19", "1.001193.000.01.30.H19"


def t(day: str, hm: str) -> datetime:
    """``t("02/11", "09:00")`` → 2026-11-02 09:00 in Asia/Ho_Chi_Minh (``/10`` is October, ``/12`` December)."""
    d, m = (int(x) for x in day.split("/"))
    h, mi = (int(x) for x in hm.split(":"))
    return datetime(2026, m, d, h, mi, tzinfo=VN)


class Dossier:
    def __init__(self, code: str, procedure: str, agency: str = A, channel: str = "online") -> None:
        self.code, self.procedure, self.agency, self.channel = code, procedure, agency, channel
        self.events: list[CloudEvent] = []

    def _base(self, at: datetime, status: str, national: int) -> dict[str, Any]:
        return {"code": self.code, "procedure_code": self.procedure, "agency_code": self.agency, "status": status,
                "national_status": national, "at": at, "applicant_name": f"Người nộp {self.code[-4:]}",
                "channel": self.channel}

    def _wf(self, at: datetime) -> dict[str, Any]:
        return {"code": self.code, "procedure_code": self.procedure, "agency_code": self.agency, "at": at}

    def add(self, payload: Any, source: str) -> Dossier:
        self.events.append(CloudEvent.of(payload, source=source, subject=self.code))
        return self

    def submitted(self, at: datetime) -> Dossier:
        return self.add(DossierSubmitted(**self._base(at, "submitted", 1), procedure_name=f"Thủ tục {self.procedure}",
                                         procedure_revision=1, level=4), "/intake-svc")

    def accepted(self, at: datetime, due: datetime) -> Dossier:
        return self.add(DossierAccepted(**self._base(at, "accepted", 2), procedure_name=f"Thủ tục {self.procedure}",
                                        received_at=at, due_at=due, processing_time_value=4,
                                        processing_time_unit="working_days", return_method="counter", level=4),
                        "/intake-svc")

    def supplement(self, asked: datetime, given: datetime, round_no: int) -> Dossier:
        self.add(DossierSupplementRequested(**self._base(asked, "supplement_requested", 5), missing_items=["x"],
                                            round=round_no), "/intake-svc")
        return self.add(DossierSupplemented(**self._base(given, "submitted", 1), round=round_no), "/intake-svc")

    def forwarded(self, at: datetime) -> Dossier:
        return self.add(DossierForwarded(**self._wf(at), from_step="reception", to_step="specialist"),
                        "/workflow-svc")

    def result(self, at: datetime) -> Dossier:
        return self.add(DossierResultReady(**self._wf(at), finished_at=at), "/workflow-svc")

    def rejected(self, at: datetime) -> Dossier:
        return self.add(wf.DossierRefused(**self._wf(at), reason="Không đủ điều kiện", finished_at=at), "/workflow-svc")

    def extended(self, at: datetime, old: datetime, new: datetime) -> Dossier:
        return self.add(DossierExtended(**self._wf(at), reason="Cần xác minh", old_due_at=old, new_due_at=new),
                        "/workflow-svc")

    def delivered(self, at: datetime, method: str) -> Dossier:
        return self.add(DossierDelivered(**self._base(at, "returned", 10), method=method), "/intake-svc")

    def rated(self, at: datetime, overall: int) -> Dossier:
        return self.add(DossierRated(**self._base(at, "returned", 10), overall=overall, rated_at=at), "/intake-svc")

    def paid(self, at: datetime) -> Dossier:
        return self.add(PaymentPaid(**self._base(at, "accepted", 2), payment_id=f"pay-{self.code}", amount=200000),
                        "/intake-svc")

    def withdrawn(self, at: datetime) -> Dossier:
        return self.add(DossierWithdrawn(**self._base(at, "withdrawn", 7), reason="Không có nhu cầu"), "/intake-svc")

    def refused(self, at: datetime) -> Dossier:
        return self.add(DossierRefused(**self._base(at, "refused", 3), reason="Sai thẩm quyền"), "/intake-svc")

    def counter(self, received: datetime, due: datetime) -> Dossier:
        return self.add(CounterDossierReceived(message_id=f"m-{self.code}", dossier_code=self.code,
                                               procedure_code=self.procedure, agency_code=self.agency,
                                               applicant_name=f"Người nộp {self.code[-4:]}", received_at=received,
                                               due_at=due, national_status=2), "/interop-svc")

    def status(self, at: datetime, national: int) -> Dossier:
        return self.add(StatusReported(message_id=f"s-{self.code}-{national}", dossier_code=self.code,
                                       agency_code=self.agency, national_status=national, at=at), "/interop-svc")


def golden() -> list[Dossier]:
    def d(n: int, proc: str = P1, channel: str = "online", agency: str = A) -> Dossier:
        return Dossier(f"{agency}-2611{n:02d}-00{n:02d}", proc, agency, channel)

    out = [
        d(1).submitted(t("02/11", "08:00")).accepted(t("02/11", "09:00"), t("06/11", "09:00"))
        .forwarded(t("02/11", "15:00")).paid(t("02/11", "09:30")).result(t("04/11", "09:00"))
        .delivered(t("05/11", "10:00"), "online").rated(t("06/11", "08:00"), 5),
        d(2).submitted(t("02/11", "08:00")).accepted(t("02/11", "09:00"), t("06/11", "09:00"))
        .result(t("06/11", "08:30")).delivered(t("06/11", "10:00"), "counter").rated(t("07/11", "09:00"), 3),
        d(3).submitted(t("02/11", "08:00")).accepted(t("02/11", "09:00"), t("06/11", "09:00"))
        .extended(t("05/11", "10:00"), t("06/11", "09:00"), t("10/11", "09:00")).result(t("09/11", "09:00")),
        d(4).submitted(t("03/11", "08:00")).supplement(t("03/11", "10:00"), t("04/11", "10:00"), 1)
        .accepted(t("04/11", "11:00"), t("10/11", "11:00")).result(t("09/11", "11:00")),
        d(5).submitted(t("03/11", "08:00")).supplement(t("03/11", "09:00"), t("03/11", "10:00"), 1)
        .supplement(t("03/11", "14:00"), t("04/11", "08:00"), 2)
        .accepted(t("04/11", "09:00"), t("10/11", "09:00")).result(t("05/11", "09:00")),
        d(6).submitted(t("09/11", "07:45")).accepted(t("09/11", "08:00"), t("11/11", "08:00"))
        .supplement(t("09/11", "13:30"), t("10/11", "13:30"), 1).result(t("11/11", "16:00")),
        d(7).submitted(t("10/11", "08:00")).accepted(t("10/11", "09:00"), t("16/11", "09:00"))
        .withdrawn(t("11/11", "10:00")),
        d(8).submitted(t("10/11", "08:00")).refused(t("10/11", "10:00")),
        d(9).submitted(t("12/11", "07:40")).accepted(t("12/11", "08:00"), t("18/11", "08:00"))
        .rejected(t("13/11", "10:00")).delivered(t("16/11", "09:00"), "counter").rated(t("17/11", "09:00"), 1),
        d(10).submitted(t("25/11", "08:00")).accepted(t("25/11", "09:00"), t("01/12", "09:00"))
        .forwarded(t("25/11", "10:00")).result(t("02/12", "09:00")),
        d(11).submitted(t("30/10", "08:00")).accepted(t("30/10", "09:00"), t("05/11", "09:00"))
        .result(t("05/11", "09:00")),
        d(12).submitted(t("30/11", "16:00")),
        d(21, channel="counter").counter(t("04/11", "09:00"), t("10/11", "09:00")).status(t("04/11", "14:00"), 4)
        .status(t("10/11", "08:00"), 9).status(t("11/11", "09:00"), 10),
        d(22, channel="counter").counter(t("18/11", "09:00"), t("20/11", "09:00")).status(t("23/11", "09:00"), 9),
        d(23, channel="counter").counter(t("19/11", "10:00"), t("25/11", "10:00")).status(t("20/11", "10:00"), 7),
        d(13, P2).submitted(t("16/11", "08:00")).accepted(t("16/11", "09:00"), t("30/11", "09:00"))
        .paid(t("16/11", "10:00")).result(t("20/11", "09:00")).delivered(t("23/11", "09:00"), "postal")
        .rated(t("24/11", "10:00"), 4),
        d(14, P2, "postal").submitted(t("17/11", "08:00")).accepted(t("17/11", "09:00"), t("01/12", "09:00")),
        d(31, PB, agency=B).submitted(t("05/11", "08:00")).accepted(t("05/11", "09:00"), t("09/11", "09:00"))
        .result(t("06/11", "09:00")),
    ]
    for n in range(41, 49):
        e = d(n, P2).submitted(t("23/11", "08:00")).accepted(t("23/11", "09:00"), t("07/12", "09:00"))
        if n <= 44:
            e.paid(t("23/11", "10:00"))
        out.append(e.result(t("24/11", "09:00")))
    return out


def all_events() -> list[CloudEvent]:
    return [e for dossier in golden() for e in dossier.events]


# Agency A, period 2026-11, counted by hand from the table above.
EXPECTED_A_TOTALS = {
    "submitted": 24, "received": 22, "in_progress": 2, "finished": 19, "rejected": 1, "returned": 5,
    "withdrawn": 2, "refused": 1, "early": 13, "on_time": 3, "late": 3, "extended": 1, "online": 20,
    "counter": 3, "postal": 1, "fee_due": 22, "paid_online": 6, "returned_online": 1,
    # 15+29.5+37.5+22.5+7.5+13.5+9.5+30 (D11) +29+22.5 (C01, C02) +30 (D13) +8×6 = 294.5 h over 19 dossiers,
    # 7.5 h a working day: 2.0667
    "average_processing_days": 2.07, "on_time_rate": 84.21, "online_share": 83.33, "online_payment_share": 27.27,
}
EXPECTED_A_P1 = {"submitted": 14, "received": 12, "finished": 10, "early": 4, "on_time": 3, "late": 3,
                 "in_progress": 1, "withdrawn": 2, "refused": 1, "counter": 3}
EXPECTED_A_P2 = {"submitted": 10, "received": 10, "finished": 9, "early": 9, "on_time": 0, "late": 0,
                 "in_progress": 1, "postal": 1, "paid_online": 5}
EXPECTED_A_INDICATORS = {"DUNG_HAN": 84.21, "TRE_HAN": 15.79, "HS_TRUC_TUYEN": 83.33, "TT_TRUC_TUYEN": 27.27,
                         "KQ_DIEN_TU": 20.0, "TTHC_TRUC_TUYEN": 50.0, "TG_TB": 2.07,
                         # ratings D01 5, D02 3, D09 1, D13 4: two of four satisfied (levels 4, 5)
                         "HAI_LONG": 50.0}
# P1 all time (public figures): 15 dossiers; finished 11 (D10 in December, late); withdrawn D07, C03.
EXPECTED_P1_PUBLIC = {"submitted": 15, "in_progress": 0, "completed": 11, "on_time": 7, "late": 4}
