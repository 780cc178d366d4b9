"""Events published by intake-svc (dossiers, reception decisions, payments, delivery).

Owned by intake-svc; other services consume them. A breaking change is a new ``.v2`` class.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contracts.envelope import EventData
from contracts.vocabulary import Channel, DocumentRef, DossierStatus, NationalStatus, ReturnMethod


class DossierEvent(EventData):
    """Fields every dossier event carries, so consumers (notify, stats) need no synchronous call."""

    code: str
    procedure_code: str
    agency_code: str
    status: DossierStatus
    national_status: NationalStatus
    at: datetime
    actor_id: str | None = None
    applicant_user_id: str | None = None
    applicant_name: str | None = None
    applicant_email: str | None = None
    applicant_phone: str | None = None
    channel: Channel = Channel.ONLINE  # how the dossier arrived


class DossierSubmitted(DossierEvent):
    event_type = "intake.dossier.submitted.v1"
    description = "An applicant submitted a dossier online; it waits at the reception desk."
    procedure_name: str
    procedure_revision: int
    level: int
    documents: list[DocumentRef] = []  # what one-stop software needs to process it
    form_data: dict[str, Any] = {}
    # online dossiers: when the desk's 8 working hours to check it end (Decree 45/2020)
    reception_due_at: datetime | None = None


class DossierAccepted(DossierEvent):
    event_type = "intake.dossier.accepted.v1"
    description = "The reception desk found the dossier complete; processing starts (workflow)."
    procedure_name: str
    received_at: datetime
    due_at: datetime
    processing_time_value: float
    processing_time_unit: str
    return_method: ReturnMethod
    level: int
    fees_due: int | None = None  # whole VND; paid online (level 4) or when the result is collected
    interagency: list[str] = []  # agencies the procedure hands parts off to (liên thông), from the catalog
    agency_name: str | None = None


class DossierSupplementRequested(DossierEvent):
    event_type = "intake.dossier.supplement_requested.v1"
    description = "The reception desk asked the applicant to supplement the dossier (form 02)."
    missing_items: list[str]
    note: str | None = None
    round: int
    stage: str = "reception"  # reception (the desk, before acceptance) | processing (a specialist, after it)


class DossierSupplemented(DossierEvent):
    event_type = "intake.dossier.supplemented.v1"
    description = "The applicant supplied what was asked; the dossier is back at the desk."
    round: int
    documents: list[DocumentRef] = []
    form_data: dict[str, Any] | None = None
    stage: str = "reception"  # processing: back to the same step and specialist, the clock resumes
    due_at: datetime | None = None  # processing: the appointment moved by the office time waited


class DossierRefused(DossierEvent):
    event_type = "intake.dossier.refused.v1"
    description = "The reception desk refused the dossier (form 03)."
    reason: str


class DossierWithdrawn(DossierEvent):
    event_type = "intake.dossier.withdrawn.v1"
    description = "The applicant withdrew the dossier before its result."
    reason: str


class DossierDelivered(DossierEvent):
    event_type = "intake.dossier.delivered.v1"
    description = "The result was handed over (counter, post or online)."
    method: ReturnMethod
    postal_tracking: str | None = None


class PaymentRequested(DossierEvent):
    event_type = "intake.payment.requested.v1"
    description = "Fees are due online for a level-4 dossier."
    payment_id: str
    amount: int
    expires_at: datetime


class PaymentPaid(DossierEvent):
    event_type = "intake.payment.paid.v1"
    description = "The payment provider confirmed the payment (verified notification)."
    payment_id: str
    amount: int
    method: str = "online"


class PaymentExpired(DossierEvent):
    event_type = "intake.payment.expired.v1"
    description = "An online payment request expired unpaid."
    payment_id: str


class DossierRated(DossierEvent):
    event_type = "intake.dossier.rated.v1"
    description = ("The applicant rated a returned dossier once (the national portal's satisfaction criteria, "
                   "1–5); the comment stays in intake.")
    overall: int
    timeliness: int | None = None
    conduct: int | None = None
    guidance: int | None = None
    rated_at: datetime


class FeedbackEvent(EventData):
    """A citizen's feedback or recommendation (phản ánh, kiến nghị), routed to one agency."""

    feedback_id: str
    agency_code: str
    about: str  # dossier | procedure | agency
    ref: str
    title: str
    received_at: datetime
    due_at: datetime
    at: datetime
    author_user_id: str | None = None


class FeedbackReceived(FeedbackEvent):
    event_type = "intake.feedback.received.v1"
    description = "A citizen sent feedback; the agency answers it by ``due_at`` (working days)."


class FeedbackAnswered(FeedbackEvent):
    event_type = "intake.feedback.answered.v1"
    description = "The agency answered a feedback; ``public`` answers are published without personal data."
    answered_at: datetime
    public: bool
    on_time: bool
    author_email: str | None = None
    author_name: str | None = None


class FeedbackOverdue(FeedbackEvent):
    event_type = "intake.feedback.overdue.v1"
    description = "A feedback is still unanswered past its deadline: the agency's leaders are reminded."
