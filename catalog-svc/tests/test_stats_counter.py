"""Counter dossiers reported by a one-stop system (``interop.status.reported.v1``): the fold alone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from catalog_svc.stats.fold import StoredEvent, fold
from contracts.vocabulary import VN_TZ as VN
from vncalendar import default_calendar

CODE = "000.00.15.H19-261102-0001"


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=VN)


def counter(seq: int, received: datetime, due: datetime) -> StoredEvent:
    return StoredEvent("interop.counter_dossier.received.v1", received, seq, {
        "message_id": "m", "dossier_code": CODE, "procedure_code": "1.000894", "agency_code": "000.00.15.H19",
        "applicant_name": "Lê Văn A", "received_at": received.isoformat(), "due_at": due.isoformat(),
        "national_status": 2})


def status(seq: int, when: datetime, national: int, **extra: Any) -> StoredEvent:
    return StoredEvent("interop.status.reported.v1", when, seq, {
        "message_id": f"s{seq}", "dossier_code": CODE, "agency_code": "000.00.15.H19", "national_status": national,
        "at": when.isoformat(), **{k: v.isoformat() for k, v in extra.items()}})


def test_counter_dossier_moves_through_the_reported_statuses() -> None:
    cal = default_calendar()
    received = counter(1, at(2, 9), at(6, 9))
    f = fold(CODE, [received], cal)
    assert f.channel == "counter" and f.national_status == 2 and f.finished_at is None
    f = fold(CODE, [received, status(2, at(2, 14), 4)], cal)
    assert f.national_status == 4 and f.transferred_at == at(2, 14) and f.finished_at is None
    f = fold(CODE, [received, status(2, at(2, 14), 4), status(3, at(5, 16), 9)], cal)
    assert f.national_status == 9 and f.outcome == "result" and f.timeliness is not None
    f = fold(CODE, [received, status(2, at(2, 14), 4), status(3, at(5, 16), 9), status(4, at(6, 10), 10)], cal)
    assert f.national_status == 10 and f.returned_at == at(6, 10) and f.finished_at == at(5, 16)


def test_counter_dossier_refused_stopped_and_extended() -> None:
    cal = default_calendar()
    received = counter(1, at(2, 9), at(6, 9))
    refused = fold(CODE, [received, status(2, at(2, 10), 3)], cal)
    assert refused.national_status == 3 and refused.refused_at == at(2, 10)
    stopped = fold(CODE, [received, status(2, at(3, 10), 8)], cal)
    assert stopped.national_status == 8 and stopped.outcome == "rejected"
    extended = fold(CODE, [received, status(2, at(4, 10), 4, new_due_at=at(10, 9)),
                           status(3, at(9, 9), 9)], cal)
    assert extended.extended and extended.current_due_at == at(10, 9) and extended.due_at == at(6, 9)
    assert extended.national_status == 9 and extended.timeliness == 3  # judged on the original appointment
    # redelivered or out of order: the same facts
    again = fold(CODE, [status(3, at(9, 9), 9), status(2, at(4, 10), 4, new_due_at=at(10, 9)), received,
                        status(3, at(9, 9), 9)], cal)
    assert (again.national_status, again.finished_at, again.timeliness) == (9, at(9, 9), 3)
