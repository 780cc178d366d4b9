"""The transitions each action may make between dossier statuses (the statuses and their national codes:
contracts.vocabulary, docs/vocabulary.md)."""

from __future__ import annotations

from collections.abc import Iterable

from contracts.vocabulary import DOSSIER_STATUS_VI, NATIONAL_OF, STATUS_OF_NATIONAL, DossierStatus, NationalStatus

# The statuses, their labels and their national codes are the platform's shared vocabulary.
Status = DossierStatus
NATIONAL = NATIONAL_OF
LABEL_VI = DOSSIER_STATUS_VI

S = Status
# action -> (statuses it may start from, status it leads to; None = unchanged)
TRANSITIONS: dict[str, tuple[frozenset[Status], Status | None]] = {
    "submit": (frozenset(), S.SUBMITTED),
    "accept": (frozenset({S.SUBMITTED}), S.ACCEPTED),
    "request_supplement": (frozenset({S.SUBMITTED}), S.SUPPLEMENT_REQUESTED),
    "refuse": (frozenset({S.SUBMITTED}), S.REFUSED),
    "supplement": (frozenset({S.SUPPLEMENT_REQUESTED}), S.SUBMITTED),
    "withdraw": (frozenset({S.SUBMITTED, S.SUPPLEMENT_REQUESTED, S.ACCEPTED, S.PROCESSING}), S.WITHDRAWN),
    "processing_started": (frozenset({S.ACCEPTED}), S.PROCESSING),
    "result_ready": (frozenset({S.ACCEPTED, S.PROCESSING}), S.RESULT_READY),
    "rejected": (frozenset({S.ACCEPTED, S.PROCESSING}), S.REJECTED),
    "extended": (frozenset({S.ACCEPTED, S.PROCESSING}), None),
    "deliver": (frozenset({S.RESULT_READY, S.REJECTED}), S.RETURNED),
    # a specialist asks for more documents during processing (the clock stops); the applicant's supplement
    # returns the dossier to processing, not to the desk
    "processing_request_supplement": (frozenset({S.ACCEPTED, S.PROCESSING}), S.SUPPLEMENT_REQUESTED),
    "processing_supplement": (frozenset({S.SUPPLEMENT_REQUESTED}), S.PROCESSING),
    # fees: they never change the status; a pending online payment shows as national status 6
    "payment_requested": (frozenset({S.SUBMITTED, S.ACCEPTED, S.PROCESSING, S.RESULT_READY}), None),
    # the provider's word or the desk's cash arrive whatever the dossier did meanwhile: always recorded
    "payment_paid": (frozenset(Status), None),
    "payment_failed": (frozenset(Status), None),
    "payment_expired": (frozenset(Status), None),
    "counter_payment": (frozenset({S.SUBMITTED, S.ACCEPTED, S.PROCESSING, S.RESULT_READY, S.REJECTED}), None),
    # processing steps reported by workflow-svc: history rows that never change the status
    "forward": (frozenset(Status), None),
    "step_changed": (frozenset(Status), None),
    "handoff_requested": (frozenset(Status), None),
    "handoff_completed": (frozenset(Status), None),
}

# Counter dossiers live in an agency's one-stop software: their status is whatever that system
# reports (national code), recorded as is; these actions lead to the status they carry.
EXTERNAL = frozenset({"counter_received", "status_reported"})
INFO_ACTIONS = frozenset({"forward", "step_changed", "handoff_requested", "handoff_completed"})

# national status (1–10) reported by one-stop software -> our status (6, payment requested: still processing)
FROM_NATIONAL = STATUS_OF_NATIONAL

# statuses in which a pending online payment is what the applicant must do next (national status 6)
PAYMENT_VISIBLE = frozenset({S.SUBMITTED, S.ACCEPTED, S.PROCESSING, S.RESULT_READY})


def national_of(status: Status, payment_pending: bool = False) -> NationalStatus:
    return NationalStatus.PAYMENT_REQUESTED if payment_pending and status in PAYMENT_VISIBLE else NATIONAL[status]


def next_status(action: str, current: Status | None) -> Status | None:
    """The status after ``action`` from ``current``, or ``None`` if the action is not allowed now."""
    allowed, target = TRANSITIONS[action]
    if current is None:
        return target if not allowed else None
    if current not in allowed:
        return None
    return target or current


def derive(actions: Iterable[tuple[str, str]]) -> Status | None:
    """Replays the log ``(action, to_status)`` in order: the status is a fold of the actions."""
    status: Status | None = None
    for action, to_status in actions:
        nxt = Status(to_status) if action in EXTERNAL else next_status(action, status)
        if nxt is None or nxt != to_status:
            raise ValueError(f"action log inconsistent at {action!r}: {status} -> {to_status}")
        status = nxt
    return status
