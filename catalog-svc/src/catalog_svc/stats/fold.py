"""The statistics of one dossier as a pure fold of its events (intake, workflow, interop).

Events of one dossier arrive on three streams, so in any order and possibly twice: the fold sorts them
by business time and treats each fact as "first seen wins" (or "max" for counters), so the result does
not depend on the delivery order and a duplicate changes nothing.

On-time rule (docs/domain.md § Deadlines, Decision 766): a finished dossier is judged against its *original* appointment
(an extension, form 04, is an apology for being late, not a new deadline), shifted by the office time the
dossier waited on the applicant after it was received (those days are not counted). A dossier asked to
supplement more than once is late whatever its dates. Early: finished on a day before the appointment's
day; on time: by the appointment; late: after it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from contracts.vocabulary import VN_TZ as VN
from contracts.vocabulary import Channel, NationalStatus, ReturnMethod
from vncalendar import WorkCalendar

EARLY, ON_TIME, LATE = 1, 2, 3

INTAKE_TYPES = (
    "intake.dossier.submitted.v1", "intake.dossier.accepted.v1", "intake.dossier.supplement_requested.v1",
    "intake.dossier.supplemented.v1", "intake.dossier.refused.v1", "intake.dossier.withdrawn.v1",
    "intake.dossier.delivered.v1", "intake.payment.requested.v1", "intake.payment.paid.v1",
)
WORKFLOW_TYPES = (
    "workflow.dossier.forwarded.v1", "workflow.dossier.processing_started.v1", "workflow.dossier.result_ready.v1",
    "workflow.dossier.refused.v1", "workflow.dossier.extended.v1",
)
INTEROP_TYPES = ("interop.counter_dossier.received.v1", "interop.status.reported.v1")
# the applicant's satisfaction rating of a returned dossier (its own consumer: the older ones keep their filters)
RATING_TYPES = ("intake.dossier.rated.v1",)
CONSUMED = frozenset(INTAKE_TYPES + WORKFLOW_TYPES + INTEROP_TYPES + RATING_TYPES)


def _dt(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def dossier_code_of(data: dict[str, Any]) -> str | None:
    code = data.get("code") or data.get("dossier_code")
    return str(code) if code else None


def business_time(event_type: str, data: dict[str, Any], fallback: datetime) -> datetime:
    """When the fact happened (not when it was published): orders a dossier's events across streams."""
    if event_type == "interop.counter_dossier.received.v1":
        return _dt(data.get("received_at")) or fallback
    return _dt(data.get("at")) or fallback


@dataclass
class StoredEvent:
    type: str
    at: datetime
    seq: int
    data: dict[str, Any]


@dataclass
class DossierFacts:
    code: str
    procedure_code: str = ""
    procedure_name: str | None = None
    agency_code: str = ""
    channel: str = Channel.ONLINE
    applicant_name: str | None = None
    submitted_at: datetime | None = None
    received_at: datetime | None = None
    due_at: datetime | None = None
    current_due_at: datetime | None = None
    effective_due_at: datetime | None = None
    transferred_at: datetime | None = None
    finished_at: datetime | None = None
    outcome: str | None = None
    returned_at: datetime | None = None
    # the desk's 8 working hours to check an online dossier (Decree 45/2020) and its first decision
    reception_due_at: datetime | None = None
    reception_decided_at: datetime | None = None
    refused_at: datetime | None = None
    withdrawn_at: datetime | None = None
    supplement_rounds: int = 0
    waiting_seconds: int = 0
    processing_seconds: int | None = None
    timeliness: int | None = None
    extended: bool = False
    fee_due: bool = False
    paid_online: bool = False
    result_online: bool = False
    national_status: int = NationalStatus.SUBMITTED_ONLINE
    # the applicant's one rating (1–5) and when it was given
    rating_overall: int | None = None
    rated_at: datetime | None = None
    first_at: datetime | None = None
    last_at: datetime | None = None
    last_seq: int = 0
    _waits: list[tuple[datetime, datetime | None]] = field(default_factory=list, repr=False)

    def row(self, generation: int) -> dict[str, Any]:
        out = asdict(self)
        out.pop("_waits")
        out["generation"] = generation
        return out


N = NationalStatus


def _first(current: datetime | None, value: datetime | None) -> datetime | None:
    if value is None:
        return current
    return value if current is None or value < current else current


def _open_wait(f: DossierFacts, at: datetime, round_no: int | None) -> None:
    f.supplement_rounds = max(f.supplement_rounds, round_no or f.supplement_rounds + 1)
    if not f._waits or f._waits[-1][1] is not None:
        f._waits.append((at, None))


def _close_wait(f: DossierFacts, at: datetime) -> None:
    if f._waits and f._waits[-1][1] is None:
        f._waits[-1] = (f._waits[-1][0], max(at, f._waits[-1][0]))


def _apply(f: DossierFacts, e: StoredEvent) -> None:
    d, t, at = e.data, e.type, e.at
    f.procedure_code = f.procedure_code or str(d.get("procedure_code") or "")
    f.agency_code = f.agency_code or str(d.get("agency_code") or "")
    f.procedure_name = f.procedure_name or d.get("procedure_name")
    f.applicant_name = f.applicant_name or d.get("applicant_name")
    f.last_seq = max(f.last_seq, e.seq)
    if t.startswith("intake.") and d.get("channel"):
        f.channel = str(d["channel"])
    if t in ("intake.dossier.accepted.v1", "intake.dossier.refused.v1") or (
            t == "intake.dossier.supplement_requested.v1" and d.get("stage", "reception") == "reception"):
        f.reception_decided_at = _first(f.reception_decided_at, at)
    if t == "intake.dossier.submitted.v1":
        f.submitted_at = _first(f.submitted_at, at)
        f.reception_due_at = f.reception_due_at or _dt(d.get("reception_due_at"))
    elif t == "intake.dossier.accepted.v1":
        f.received_at = _first(f.received_at, _dt(d.get("received_at")) or at)
        if f.due_at is None:
            f.due_at = _dt(d.get("due_at"))
    elif t == "intake.dossier.supplement_requested.v1":
        _open_wait(f, at, d.get("round"))
    elif t == "intake.dossier.supplemented.v1":
        _close_wait(f, at)
    elif t == "intake.dossier.refused.v1":
        f.refused_at = _first(f.refused_at, at)
    elif t == "intake.dossier.withdrawn.v1":
        f.withdrawn_at = _first(f.withdrawn_at, at)
    elif t == "intake.dossier.delivered.v1":
        f.returned_at = _first(f.returned_at, at)
        f.result_online = f.result_online or d.get("method") == ReturnMethod.ONLINE
    elif t == "intake.payment.requested.v1":
        f.fee_due = True
    elif t == "intake.payment.paid.v1":
        f.fee_due = True
        f.paid_online = f.paid_online or d.get("method", "online") == "online"
    elif t == "intake.dossier.rated.v1":
        rated = _dt(d.get("rated_at")) or at
        if f.rated_at is None or rated < f.rated_at:  # rated once; the first one stands
            f.rated_at, f.rating_overall = rated, int(d["overall"])
    elif t == "workflow.dossier.forwarded.v1":
        f.transferred_at = _first(f.transferred_at, at)
    elif t in ("workflow.dossier.result_ready.v1", "workflow.dossier.refused.v1"):
        finished = _dt(d.get("finished_at")) or at
        if f.finished_at is None or finished < f.finished_at:
            f.finished_at = finished
            f.outcome = "result" if t.endswith("result_ready.v1") else "rejected"
    elif t == "workflow.dossier.extended.v1":
        f.extended = True
        f.current_due_at = _dt(d.get("new_due_at"))
        f.due_at = f.due_at or _dt(d.get("old_due_at"))
    elif t == "interop.counter_dossier.received.v1":
        f.channel = Channel.COUNTER
        f.received_at = _first(f.received_at, at)
        f.submitted_at = _first(f.submitted_at, at)
        f.due_at = f.due_at or _dt(d.get("due_at"))
        _interop_status(f, int(d.get("national_status") or N.RECEIVED), at)
    elif t == "interop.status.reported.v1":
        if d.get("new_due_at"):
            f.extended = f.extended or f.due_at is not None
            f.current_due_at = _dt(d.get("new_due_at"))
            f.due_at = f.due_at or f.current_due_at
        _interop_status(f, int(d.get("national_status") or 0), at)


def _interop_status(f: DossierFacts, status: int, at: datetime) -> None:
    """A one-stop system's national status (1–10) as the same facts the platform's own events give."""
    if status == N.SUPPLEMENT_REQUESTED:
        _open_wait(f, at, None)
        return
    _close_wait(f, at)
    if status == N.RECEIVED:
        f.received_at = _first(f.received_at, at)
    elif status == N.PROCESSING:  # processing: handed to the specialist department
        f.transferred_at = _first(f.transferred_at, at)
    elif status == N.NOT_RECEIVED:
        f.refused_at = _first(f.refused_at, at)
    elif status == N.WITHDRAWN:
        f.withdrawn_at = _first(f.withdrawn_at, at)
    elif status in (N.STOPPED, N.FINISHED) and f.finished_at is None:
        f.finished_at, f.outcome = at, "rejected" if status == N.STOPPED else "result"
    elif status == N.RESULT_RETURNED:
        if f.finished_at is None:
            f.finished_at, f.outcome = at, "result"
        f.returned_at = _first(f.returned_at, at)


def fold(code: str, events: list[StoredEvent], calendar: WorkCalendar) -> DossierFacts:
    f = DossierFacts(code=code)
    for e in sorted(events, key=lambda x: (x.at, x.seq)):
        _apply(f, e)
    f.current_due_at = f.current_due_at or f.due_at
    _judge(f, calendar)
    f.national_status = _national(f)
    # when the dossier entered the platform (a stray late event alone still gets a row, dated by itself)
    stamps = [s for s in (f.submitted_at, f.received_at, f.refused_at, f.withdrawn_at) if s is not None]
    f.first_at = min(stamps or [e.at for e in events])
    closed = f.returned_at or f.withdrawn_at or f.refused_at
    all_stamps = [s for s in (f.submitted_at, f.received_at, f.transferred_at, f.finished_at, f.returned_at,
                              f.refused_at, f.withdrawn_at, f.rated_at) if s is not None]
    f.last_at = max(all_stamps) if closed is not None else None
    return f


def _judge(f: DossierFacts, cal: WorkCalendar) -> None:
    waited_after = timedelta()
    for start, end in f._waits:
        if end is None:
            continue
        f.waiting_seconds += int(cal.working_time_between(start, end).total_seconds())
        if f.received_at is not None and end > f.received_at:
            waited_after += cal.working_time_between(max(start, f.received_at), end)
    if f.due_at is not None:
        f.effective_due_at = cal.add_working_time(f.due_at, waited_after) if waited_after else f.due_at
    if f.finished_at is None or f.received_at is None:
        return
    worked = cal.working_time_between(f.received_at, f.finished_at) - waited_after
    f.processing_seconds = max(0, int(worked.total_seconds()))
    if f.effective_due_at is None:
        return
    if f.supplement_rounds > 1 or f.finished_at > f.effective_due_at:
        f.timeliness = LATE
    elif f.finished_at.astimezone(VN).date() < f.effective_due_at.astimezone(VN).date():
        f.timeliness = EARLY
    else:
        f.timeliness = ON_TIME


def _national(f: DossierFacts) -> NationalStatus:
    if f.returned_at:
        return N.RESULT_RETURNED
    if f.withdrawn_at:
        return N.WITHDRAWN
    if f.refused_at:
        return N.NOT_RECEIVED
    if f.finished_at:
        return N.STOPPED if f.outcome == "rejected" else N.FINISHED
    if f._waits and f._waits[-1][1] is None:
        return N.SUPPLEMENT_REQUESTED
    if f.transferred_at:
        return N.PROCESSING
    if f.received_at:
        return N.RECEIVED
    return N.SUBMITTED_ONLINE
