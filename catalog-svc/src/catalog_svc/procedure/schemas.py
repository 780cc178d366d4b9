"""The procedure as the contract (docs/contract.md § Catalog) names it: every field of Art. 4.1.b."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from formschema import FormSchema
from servicekit.timefmt import VNDateTime

AGENCY_CODE = re.compile(r"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9]{2}$")
# National code (``1.001612``), optionally followed by the provincial agency code (``1.001612.000.00.00.H19``).
PROCEDURE_CODE = re.compile(r"^[0-9]\.[0-9]{6}(\.[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9]{2})?$")

OnlineClass = Literal["full", "partial", "info"]
TimeUnit = Literal["working_days", "days", "hours"]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]

# Order of the fields in the body, in revisions and in the field-level difference.
CONTENT_FIELDS = (
    "name", "sector_code", "level", "online_class", "agency_code", "steps", "method", "documents",
    "processing_time", "applicants", "result", "fees", "form_names", "forms", "requirements", "legal_basis",
    "effective_date", "online_registration", "guide", "interagency", "form_schema", "agencies",
)


READ_ONLY = frozenset({"revision", "latest_revision", "updated_at", "sector_name", "agency_name"})


def derived_class(level: int) -> OnlineClass:
    """Decree 42/2022: level 4 ⇒ toàn trình, level 3 ⇒ một phần, levels 1–2 ⇒ information only."""
    return "full" if level == 4 else "partial" if level == 3 else "info"


def check_agency_code(value: str) -> str:
    if not AGENCY_CODE.match(value):
        raise ValueError("Mã cơ quan phải theo QCVN 102:2016, dạng 000.00.00.H19.")
    return value


class Document(BaseModel):
    """Thành phần hồ sơ: a required document, its number of copies and whether the original is needed."""

    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
    name: ShortText
    copies: int = Field(default=1, ge=1, le=100)
    original: bool = Field(default=False, description="true: bản chính; false: bản sao")
    required: bool = True


class ProcessingTime(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: int | float = Field(gt=0, le=3650, description="half days allowed (0.5); whole numbers stay integers")
    unit: TimeUnit

    @field_validator("value")
    @classmethod
    def _half_steps(cls, v: float) -> int | float:
        if (v * 2) != int(v * 2):
            raise ValueError("Thời hạn giải quyết chỉ chấp nhận bội số của 0,5.")
        return int(v) if v == int(v) else v


class Fee(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ShortText
    amount: int = Field(ge=0, le=10_000_000_000, description="whole VND")


class FormRef(BaseModel):
    id: str
    name: str
    media_type: str


class ProcedureContent(BaseModel):
    """What an editor writes (POST without ``code`` in the path, PUT replacing a revision)."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)]
    sector_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
    level: int = Field(ge=1, le=4, description="online service level 1–4 (Decision 33/2015 Art. 2.4)")
    online_class: OnlineClass | None = Field(
        default=None, description="Decree 42/2022 class; derived from the level when omitted")
    agency_code: str
    steps: list[Text] = Field(min_length=1, max_length=100)
    method: Text
    documents: list[Document] = Field(default_factory=list, max_length=200)
    processing_time: ProcessingTime
    applicants: Text
    result: Text
    fees: list[Fee] = Field(default_factory=list, max_length=50)
    form_names: list[ShortText] = Field(default_factory=list, max_length=50)
    requirements: list[Text] = Field(default_factory=list, max_length=100)
    legal_basis: list[ShortText] = Field(min_length=1, max_length=100)
    effective_date: date
    online_registration: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000)] = ""
    guide: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000)] = ""
    interagency: list[str] = Field(default_factory=list, max_length=20,
                                   description="codes of the other agencies of an inter-agency (liên thông) procedure")
    form_schema: FormSchema | None = Field(
        default=None, description="the online form (tờ khai điện tử): a JSON Schema subset for a dossier's form_data "
                                  "(libs/formschema); null: the procedure has no online form")
    agencies: list[str] | None = Field(
        default=None, max_length=500,
        description="the agencies that carry the procedure out (where it may be filed, e.g. every commune); "
                    "default [agency_code]")

    @field_validator("requirements", mode="before")
    @classmethod
    def _text_as_list(cls, v: Any) -> Any:
        if isinstance(v, str):
            return [v] if v.strip() else []
        return v

    @field_validator("agency_code")
    @classmethod
    def _agency(cls, v: str) -> str:
        return check_agency_code(v.strip())

    @field_validator("interagency")
    @classmethod
    def _interagency(cls, v: list[str]) -> list[str]:
        out = [check_agency_code(c.strip()) for c in v]
        if len(set(out)) != len(out):
            raise ValueError("Danh sách cơ quan liên thông có mã trùng nhau.")
        return out

    @field_validator("agencies")
    @classmethod
    def _agencies(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return None
        out = [check_agency_code(c.strip()) for c in v]
        if len(set(out)) != len(out):
            raise ValueError("Danh sách cơ quan thực hiện (agencies) có mã trùng nhau.")
        return out

    @model_validator(mode="after")
    def _consistent(self) -> ProcedureContent:
        codes = [d.code for d in self.documents]
        if len(set(codes)) != len(codes):
            raise ValueError("Mã thành phần hồ sơ (documents.code) bị trùng.")
        if self.online_class is None:
            self.online_class = derived_class(self.level)
        elif self.level <= 2 and self.online_class != "info":
            raise ValueError("Thủ tục mức độ 1–2 chỉ cung cấp thông tin: online_class phải là 'info'.")
        elif self.level >= 3 and self.online_class == "info":
            raise ValueError("Thủ tục mức độ 3–4 được nộp trực tuyến: online_class phải là 'full' hoặc 'partial'.")
        if self.level >= 3 and not self.online_registration:
            raise ValueError("Thủ tục mức độ 3–4 phải có thông tin đăng ký trực tuyến (online_registration).")
        if self.level >= 3 and not self.guide:
            raise ValueError("Thủ tục mức độ 3–4 phải có hướng dẫn sử dụng (guide).")
        if self.agency_code in self.interagency:
            raise ValueError("Cơ quan thực hiện không được nằm trong danh sách cơ quan liên thông.")
        if not self.agencies:
            self.agencies = [self.agency_code]
        return self


class ProcedureCreate(ProcedureContent):
    code: str = Field(description="national code, optionally with the agency code: 1.001612.000.00.00.H19")

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        v = v.strip()
        if not PROCEDURE_CODE.match(v):
            raise ValueError("Mã thủ tục phải có dạng 1.001612 hoặc 1.001612.000.00.00.H19.")
        return v


class ProcedureUpdate(ProcedureContent):
    """PUT replaces the content; ``forms`` (ids) detaches the templates not listed, omitted keeps them all."""

    code: str | None = None
    forms: list[str] | None = None
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _accept_a_read_body(cls, data: Any) -> Any:
        """GET, edit, PUT back: the read-only fields of a read are ignored, forms may be the read's objects."""
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k not in READ_ONLY}
            if isinstance(data.get("forms"), list):
                data["forms"] = [f.get("id") if isinstance(f, dict) else f for f in data["forms"]]
        return data


class ProcedureRead(BaseModel):
    code: str
    name: str
    sector_code: str
    sector_name: str | None = None
    level: int
    online_class: OnlineClass
    agency_code: str
    agency_name: str | None = None
    steps: list[str]
    method: str
    documents: list[Document]
    processing_time: ProcessingTime
    applicants: str
    result: str
    fees: list[Fee]
    form_names: list[str]
    forms: list[FormRef]
    requirements: list[str]
    legal_basis: list[str]
    effective_date: date
    online_registration: str
    guide: str
    interagency: list[str]
    form_schema: dict[str, Any] | None = None
    agencies: list[str]
    revision: int
    updated_at: VNDateTime
    latest_revision: int


class ProcedureSummary(BaseModel):
    code: str
    name: str
    sector_code: str
    agency_code: str
    level: int
    online_class: OnlineClass
    processing_time: ProcessingTime
    revision: int
    score: float | None = None


class Change(BaseModel):
    field: str
    old: Any = None
    new: Any = None


class RevisionRead(BaseModel):
    revision: int
    changed_at: VNDateTime
    changed_by: str
    changed_by_name: str
    note: str | None = None
    changes: list[Change]


