from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_serializer, field_validator

from servicekit.pagination import Page
from servicekit.timefmt import VNDateTime, vn_times

ActionName = Literal[
    "claim", "forward", "propose", "approve", "return_for_rework", "propose_refusal", "approve_refusal",
    "consult", "reply_consult", "handoff", "accept_handoff", "refuse_handoff", "complete_handoff", "extend",
    "recall_handoff", "release", "reassign", "request_supplement",
]

AGENCY_CODE = r"^[A-Z0-9]{3}\.[A-Z0-9]{2}\.[A-Z0-9]{2}\.[A-Z][0-9]{2}$"


class DocumentRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=300)
    file_id: str | None = Field(default=None, max_length=100)
    kind: str | None = Field(default=None, max_length=50)
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$",
                               description="of the file uploaded to intake (POST /api/v1/files): the approved bytes")

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class ActionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: ActionName
    comment: str | None = Field(default=None, max_length=4000)
    assignee: str | None = Field(default=None, max_length=64, description=(
        "officer id preassigned at the next step; reassign: the officer (an id from /workflow/officers)"))
    assignee_name: str | None = Field(default=None, max_length=200)
    target_agency: str | None = Field(default=None, pattern=AGENCY_CODE, description="handoff: the other agency")
    documents: list[DocumentRef] = Field(default_factory=list, max_length=50)
    reason: str | None = Field(default=None, max_length=4000)
    department: str | None = Field(default=None, max_length=200, description="consult: the department asked")
    new_due_at: datetime | None = Field(default=None, description="extend: the new appointment")
    extra_days: float | None = Field(default=None, gt=0, le=365, description="extend: working days added")
    version: int | None = Field(default=None, ge=1, description="the dossier version the caller saw")
    items: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]] = Field(
        default_factory=list, max_length=50, description="request_supplement: the documents or data asked for")
    note: str | None = Field(default=None, max_length=4000, description="request_supplement: to the applicant")

    @field_validator("comment", "reason", "department", "assignee", "note")
    @classmethod
    def _strip(cls, v: str | None) -> str | None:
        if v is None:
            return None
        v = v.strip()
        return v or None

    @field_validator("new_due_at")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.tzinfo is None:
            raise ValueError("Thời điểm phải có múi giờ (ví dụ 2026-12-01T17:00:00+07:00).")
        return v


class LogEntryRead(BaseModel):
    seq: int
    at: VNDateTime
    action: str
    actor_id: str | None
    actor_name: str | None
    actor_role: str | None
    actor_agency: str | None
    from_step: str | None
    to_step: str | None
    comment: str | None
    reason: str | None
    documents: list[dict[str, str]]


class HandoffRead(BaseModel):
    id: str
    lead_agency: str
    target_agency: str
    status: str
    requested_at: VNDateTime
    answered_at: VNDateTime | None
    completed_at: VNDateTime | None
    result: str | None
    documents: list[dict[str, str]]


class ConsultationRead(BaseModel):
    id: int
    department: str
    status: str
    question: str | None
    requested_at: VNDateTime
    due_at: VNDateTime | None
    opinion: str | None
    answered_by: str | None
    answered_at: VNDateTime | None


class DossierRead(BaseModel):
    code: str
    procedure_code: str
    agency_code: str
    status: str
    step: str
    step_name: str
    step_role: str | None
    step_agency: str | None
    assignee: str | None
    assignee_name: str | None
    step_due_at: VNDateTime | None
    due_at: VNDateTime
    original_due_at: VNDateTime
    received_at: VNDateTime
    finished_at: VNDateTime | None
    overdue: bool
    version: int
    definition: dict[str, Any]
    actions: list[str]
    handoffs: list[HandoffRead]
    consultations: list[ConsultationRead]
    history: list[LogEntryRead]
    interagency: list[str] = []
    awaiting_applicant: bool = False  # a supplement was requested during processing: the clock is stopped
    supplement_rounds: int = 0  # requests to supplement during processing so far


class ActionResult(DossierRead):
    performed: str
    form_04: dict[str, Any] | None = None
    handoff_id: str | None = None

    @field_serializer("form_04", when_used="json")
    def _form_04_times(self, v: dict[str, Any] | None) -> dict[str, Any] | None:
        """The form's times (``received_at``, ``old_due_at``, ``new_due_at``, ``issued_at``) in +07:00 too."""
        return vn_times(v) if v is not None else None


class TaskRead(BaseModel):
    code: str
    procedure_code: str
    procedure_name: str | None
    kind: Literal["step", "consultation"]
    step: str
    assignee: str | None
    step_due_at: VNDateTime | None
    due_at: VNDateTime
    overdue: bool
    step_overdue: bool


class TaskPage(Page[TaskRead]):
    """A task list (its own name in the OpenAPI schema)."""


class ControlSheetRow(BaseModel):
    no: int
    at: VNDateTime
    action: str
    from_unit: str
    from_agency: str | None
    given_by: str | None
    to_unit: str
    to_agency: str | None
    received_by: str | None
    received_at: VNDateTime | None
    step_due_at: VNDateTime | None
    result: Literal["early", "on_time", "late"] | None
    note: str | None


class ControlSheet(BaseModel):
    form: str = "05"
    title: str = "Phiếu kiểm soát quá trình giải quyết hồ sơ"
    code: str
    procedure_code: str
    procedure_name: str | None
    applicant_name: str | None
    agency_code: str
    received_at: VNDateTime
    due_at: VNDateTime
    original_due_at: VNDateTime
    finished_at: VNDateTime | None
    rows: list[ControlSheetRow]
    result: Literal["early", "on_time", "late"] | None
    result_label: str | None
