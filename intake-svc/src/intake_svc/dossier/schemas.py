from __future__ import annotations

import re
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from contracts.validators import OptionalEmail, OptionalPhone, is_cccd, normalize_cccd
from contracts.vocabulary import ReturnMethod
from servicekit.pagination import Page
from servicekit.timefmt import VNDateTime

TAX_CODE = re.compile(r"^\d{10}(?:-\d{3})?$")
CODE = re.compile(r"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z]\d{2}-\d{6}-\d{4,}$")
# what tracking accepts: our codes and those of counter dossiers reported by one-stop software
TRACKING_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._:/\-]{0,99}$")

ApplicantType = Literal["citizen", "business", "agency", "other"]


class Applicant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    full_name: str = Field(min_length=2, max_length=200)
    id_number: str = Field(max_length=20, description="12-digit CCCD for citizens; tax code for organisations")
    # a walk-in applicant may give no phone (the desk types the applicant in); online applicants must give one
    phone: OptionalPhone = None
    email: OptionalEmail = None
    address: str = Field(min_length=3, max_length=500)
    type: ApplicantType = "citizen"

    @field_validator("full_name", "address")
    @classmethod
    def _squash(cls, v: str) -> str:
        return " ".join(v.split())

    @model_validator(mode="after")
    def _id_number(self) -> Applicant:
        v = self.id_number.strip()
        if self.type == "citizen":
            v = normalize_cccd(v)
        elif not (is_cccd(v) or TAX_CODE.match(v)):
            raise ValueError("Mã số thuế (10 hoặc 13 chữ số) hoặc số Căn cước công dân không hợp lệ.")
        self.id_number = v
        return self


class DocumentRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    requirement_code: str = Field(min_length=1, max_length=40)
    file_id: uuid.UUID


FORM_DATA_MAX_DEPTH = 6
FORM_DATA_MAX_ITEMS = 2000


def check_form_data(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """The form is data, not a program: bounded depth and size, text PostgreSQL can store."""
    if value is None:
        return None
    count = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > FORM_DATA_MAX_DEPTH:
            raise ValueError(f"Dữ liệu biểu mẫu lồng nhau quá {FORM_DATA_MAX_DEPTH} cấp.")
        children = list(item.items()) if isinstance(item, dict) else list(enumerate(item)) \
            if isinstance(item, list) else []
        for key, child in children:
            count += 1
            if count > FORM_DATA_MAX_ITEMS:
                raise ValueError(f"Dữ liệu biểu mẫu có quá {FORM_DATA_MAX_ITEMS} mục.")
            for text in (key, child):
                if isinstance(text, str) and ("\x00" in text or any(0xD800 <= ord(c) <= 0xDFFF for c in text)):
                    raise ValueError("Dữ liệu biểu mẫu chứa ký tự không hợp lệ.")
            if isinstance(child, dict | list):
                stack.append((child, depth + 1))
    return value


class DossierCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    procedure_code: str = Field(min_length=1, max_length=60)
    applicant: Applicant
    form_data: dict[str, Any] = Field(default_factory=dict)

    _form = field_validator("form_data")(check_form_data)
    documents: list[DocumentRef] = Field(default_factory=list, max_length=100)
    return_method: ReturnMethod = ReturnMethod.COUNTER
    channel: Literal["online", "counter", "postal"] | None = Field(
        default=None, description="reception officers: counter (default) or postal; citizens: online")
    agency_code: str | None = Field(
        default=None, max_length=20, description="one of the procedure's agencies; default its agency_code")


class FeeChoice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=500, description="a fee line of the procedure, by its name")
    quantity: int = Field(default=1, ge=1, le=1000)


class ReceptionDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["accept", "request_supplement", "refuse"]
    fees: list[FeeChoice] | None = Field(
        default=None, max_length=20,
        description="accept: the procedure's fee lines that apply (default: its first line once)")
    note: str | None = Field(default=None, max_length=2000)
    missing_items: list[str] | None = Field(default=None, max_length=50)
    reason: str | None = Field(default=None, max_length=2000)
    version: int | None = Field(default=None, description="the version the officer saw; 409 if it moved on")

    @model_validator(mode="after")
    def _needs(self) -> ReceptionDecision:
        if self.decision == "request_supplement":
            items = [i.strip() for i in self.missing_items or [] if i and i.strip()]
            if not items:
                raise ValueError("Cần liệt kê các nội dung yêu cầu bổ sung (missing_items).")
            self.missing_items = items
        if self.decision == "refuse" and not (self.reason and self.reason.strip()):
            raise ValueError("Cần nêu rõ lý do từ chối tiếp nhận (reason).")
        return self


class SupplementCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    documents: list[DocumentRef] = Field(default_factory=list, max_length=100)
    form_data: dict[str, Any] | None = None
    note: str | None = Field(default=None, max_length=2000)

    _form = field_validator("form_data")(check_form_data)


class WithdrawCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)


class DeliveryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    method: ReturnMethod
    note: str | None = Field(default=None, max_length=2000)
    postal_tracking: str | None = Field(default=None, max_length=60)

    @model_validator(mode="after")
    def _tracking(self) -> DeliveryCreate:
        if self.method == "postal" and not (self.postal_tracking and self.postal_tracking.strip()):
            raise ValueError("Trả qua bưu chính cần số hiệu bưu gửi (postal_tracking).")
        return self


class DocumentRead(BaseModel):
    requirement_code: str
    name: str
    file_id: uuid.UUID
    original: bool
    copies: int
    round: int
    media_type: str = Field(description="judged by the content: whether a client can show the file inline")
    size: int = Field(description="bytes")


class DossierRead(BaseModel):
    code: str
    procedure_code: str
    procedure_name: str
    procedure_revision: int
    level: int
    agency_code: str
    status: str
    status_label: str
    national_status: int
    applicant: dict[str, Any]
    form_data: dict[str, Any]
    documents: list[DocumentRead]
    return_method: str
    channel: str
    submitted_at: VNDateTime
    reception_due_at: VNDateTime | None = Field(
        description="online dossiers: the end of the 8 working hours the desk has to check it (Decree 45/2020)")
    reception_overdue: bool = Field(description="still waiting for the desk past reception_due_at, or decided "
                                                "after it")
    received_at: VNDateTime | None
    due_at: VNDateTime | None
    completed_at: VNDateTime | None
    returned_at: VNDateTime | None
    supplement_round: int
    waiting_seconds: int
    version: int
    fees_due: int | None = Field(description="whole VND; null until assessed (at acceptance)")
    fees_paid: int
    fee_lines: list[dict[str, Any]]
    payment_pending: bool


class DossierSummary(BaseModel):
    code: str
    procedure_code: str
    procedure_name: str
    agency_code: str
    applicant_name: str
    status: str
    national_status: int
    submitted_at: VNDateTime
    reception_due_at: VNDateTime | None = None
    reception_overdue: bool = False
    due_at: VNDateTime | None
    version: int
    channel: str = "online"
    received_at: VNDateTime | None = None


class DossierPage(Page[DossierSummary]):
    """Officer search results (its own name in the OpenAPI schema)."""

    total_exact: bool = Field(default=True, description="false: more match than ``total`` (the count stops there)")


class HistoryEntry(BaseModel):
    at: VNDateTime
    actor: str | None
    actor_id: str | None
    role: str
    action: str
    from_status: str | None
    to_status: str
    note: str | None
    data: dict[str, Any]


class TrackingRead(BaseModel):
    code: str
    procedure_name: str
    status: str
    status_label: str
    national_status: int
    submitted_at: VNDateTime
    due_at: VNDateTime | None
    completed_at: VNDateTime | None
