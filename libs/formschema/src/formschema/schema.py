from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

# Field names become HTML form names and error locations: short ASCII identifiers.
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_FIELDS = 200
MAX_CHOICES = 200
MAX_TEXT = 20_000
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

FieldKind = Literal["text", "number", "date", "choice", "yesno"]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Help = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Choice = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Number = Annotated[int | float, Field(allow_inf_nan=False, ge=-1e15, le=1e15)]


class _Keywords(BaseModel):
    """JSON Schema keywords by their own names (``minLength``, ``x-order``…); absent keywords stay absent."""

    model_config = ConfigDict(extra="forbid", serialize_by_alias=True, validate_by_alias=True, validate_by_name=False)

    @model_serializer(mode="wrap")
    def _without_absent(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return {k: v for k, v in handler(self).items() if v is not None}


class FormField(_Keywords):
    """One field of the form: text, number, date, choice or yes/no, with its Vietnamese label and help text."""

    type: Literal["string", "number", "integer", "boolean"]
    title: Label = Field(description="the label shown to the applicant (Vietnamese)")
    description: Help | None = Field(default=None, description="help text shown under the field")
    format: Literal["date"] | None = None
    enum: list[Choice] | None = Field(default=None, min_length=1, max_length=MAX_CHOICES)
    min_length: int | None = Field(default=None, alias="minLength", ge=0, le=MAX_TEXT)
    max_length: int | None = Field(default=None, alias="maxLength", ge=1, le=MAX_TEXT)
    minimum: Number | None = None
    maximum: Number | None = None

    @field_validator("type", mode="before")
    @classmethod
    def _known_type(cls, v: Any) -> Any:
        if v not in ("string", "number", "integer", "boolean"):
            raise ValueError("Kiểu trường phải là string (chữ, ngày, lựa chọn), number, integer "
                             "hoặc boolean (có/không).")
        return v

    @field_validator("enum")
    @classmethod
    def _distinct_choices(cls, v: list[str] | None) -> list[str] | None:
        if v is not None and len(set(v)) != len(v):
            raise ValueError("Các lựa chọn (enum) bị trùng nhau.")
        return v

    @model_validator(mode="after")
    def _keywords_fit_the_type(self) -> FormField:
        text_only = {"format": self.format, "enum": self.enum, "minLength": self.min_length,
                     "maxLength": self.max_length}
        numbers_only = {"minimum": self.minimum, "maximum": self.maximum}
        if self.type != "string":
            used = [k for k, v in text_only.items() if v is not None]
            if used:
                raise ValueError(f"Từ khóa {', '.join(used)} chỉ dùng cho trường kiểu string.")
        if self.type not in ("number", "integer"):
            used = [k for k, v in numbers_only.items() if v is not None]
            if used:
                raise ValueError(f"Từ khóa {', '.join(used)} chỉ dùng cho trường kiểu number hoặc integer.")
        if self.format is not None and (self.enum or self.min_length is not None or self.max_length is not None):
            raise ValueError("Trường ngày (format: date) không dùng enum, minLength hay maxLength.")
        if self.min_length is not None and self.max_length is not None and self.min_length > self.max_length:
            raise ValueError("minLength không được lớn hơn maxLength.")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError("minimum không được lớn hơn maximum.")
        if self.type == "integer" and any(isinstance(v, float) and not v.is_integer()
                                          for v in (self.minimum, self.maximum) if v is not None):
            raise ValueError("Giới hạn của trường số nguyên phải là số nguyên.")
        return self

    @property
    def kind(self) -> FieldKind:
        if self.type == "boolean":
            return "yesno"
        if self.type in ("number", "integer"):
            return "number"
        if self.format == "date":
            return "date"
        return "choice" if self.enum else "text"


class FormSchema(_Keywords):
    """The form of a procedure: its fields in order, which are required, whether others are refused."""

    schema_uri: str | None = Field(default=None, alias="$schema", max_length=200)
    type: Literal["object"] = "object"
    title: Label | None = None
    description: Help | None = None
    properties: dict[str, FormField] = Field(min_length=1, max_length=MAX_FIELDS)
    required: list[str] = Field(default_factory=list, max_length=MAX_FIELDS)
    x_order: list[str] | None = Field(default=None, alias="x-order", max_length=MAX_FIELDS)
    additional_properties: bool = Field(default=True, alias="additionalProperties")

    @field_validator("properties", mode="before")
    @classmethod
    def _field_names(cls, v: Any) -> Any:
        if isinstance(v, Mapping):
            bad = [str(k) for k in v if not isinstance(k, str) or not FIELD_NAME.match(k)]
            if bad:
                raise ValueError(f"Tên trường không hợp lệ: {', '.join(bad[:5])} (chỉ chữ thường không dấu, chữ số "
                                 "và dấu gạch dưới, bắt đầu bằng chữ, tối đa 64 ký tự; ví dụ ho_ten).")
        return v

    @field_validator("required")
    @classmethod
    def _required_fields_exist(cls, v: list[str], info: ValidationInfo) -> list[str]:
        fields = info.data.get("properties")
        if fields is None:
            return v  # the properties are wrong already; that error names them
        unknown = [name for name in v if name not in fields]
        if unknown:
            raise ValueError(f"Trường bắt buộc không có trong properties: {', '.join(unknown[:5])}.")
        if len(set(v)) != len(v):
            raise ValueError("Danh sách trường bắt buộc (required) có tên trùng nhau.")
        return v

    @field_validator("x_order")
    @classmethod
    def _order_lists_every_field(cls, v: list[str] | None, info: ValidationInfo) -> list[str] | None:
        fields = info.data.get("properties")
        if v is None or fields is None:
            return v
        if sorted(v) != sorted(fields):
            missing = [name for name in fields if name not in v]
            unknown = [name for name in v if name not in fields]
            parts = []
            if missing:
                parts.append(f"thiếu {', '.join(missing[:5])}")
            if unknown:
                parts.append(f"không có trong properties: {', '.join(unknown[:5])}")
            if not parts:
                parts.append("có tên trùng nhau")
            raise ValueError(f"x-order phải liệt kê mỗi trường đúng một lần ({'; '.join(parts)}).")
        return v

    @model_validator(mode="after")
    def _order_recorded(self) -> FormSchema:
        if self.x_order is None:
            self.x_order = list(self.properties)  # the order as written, before JSONB forgets it
        return self

    def fields(self) -> list[tuple[str, FormField]]:
        """The fields in the order to show them."""
        return [(name, self.properties[name]) for name in self.x_order or self.properties]


def _number(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v).replace(".", ",")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _field_error(field: FormField, value: Any) -> str | None:
    """Why ``value`` does not fit the field (a Vietnamese sentence naming it by its label), or None."""
    label = f"“{field.title}”"
    if field.type == "boolean":
        return None if isinstance(value, bool) else f"{label} phải là có (true) hoặc không (false)."
    if field.type in ("number", "integer"):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return f"{label} phải là một số."
        if field.type == "integer" and not float(value).is_integer():
            return f"{label} phải là số nguyên."
        if field.minimum is not None and value < field.minimum:
            return f"{label} phải lớn hơn hoặc bằng {_number(field.minimum)}."
        if field.maximum is not None and value > field.maximum:
            return f"{label} phải nhỏ hơn hoặc bằng {_number(field.maximum)}."
        return None
    if not isinstance(value, str):
        return f"{label} phải là chuỗi ký tự."
    if field.format == "date":
        try:
            if not DATE.match(value):
                raise ValueError
            date.fromisoformat(value)
        except ValueError:
            return f"{label} phải là một ngày hợp lệ, dạng YYYY-MM-DD (ví dụ 2026-11-30)."
        return None
    if field.enum is not None:
        if value not in field.enum:
            shown = "; ".join(field.enum[:10]) + ("; …" if len(field.enum) > 10 else "")
            return f"{label} phải là một trong các lựa chọn: {shown}."
        return None
    length = len(value.strip())
    if field.min_length is not None and length < field.min_length:
        return f"{label} phải có ít nhất {field.min_length} ký tự."
    if field.max_length is not None and length > field.max_length:
        return f"{label} dài tối đa {field.max_length} ký tự."
    return None


def form_errors(
    schema: FormSchema | Mapping[str, Any] | None, data: Mapping[str, Any],
    loc: Sequence[str | int] = ("body", "form_data"),
) -> list[dict[str, Any]]:
    """Every problem of ``data`` against ``schema`` as ``{"loc": [*loc, field], "msg": …}``, in form order;
    an empty list when it fits (or when the procedure has no form). A blank value (null, empty text) counts
    as not given."""
    if schema is None:
        return []
    form = schema if isinstance(schema, FormSchema) else FormSchema.model_validate(schema)
    required = set(form.required)
    errors: list[dict[str, Any]] = []
    for name, field in form.fields():
        value = data.get(name)
        if _blank(value):
            if name in required:
                verb = "chọn" if field.kind in ("choice", "yesno") else "nhập"
                errors.append({"loc": [*loc, name], "msg": f"Vui lòng {verb} “{field.title}” (bắt buộc)."})
            continue
        msg = _field_error(field, value)
        if msg is not None:
            errors.append({"loc": [*loc, name], "msg": msg})
    if not form.additional_properties:
        for name in data:
            if name not in form.properties:
                errors.append({"loc": [*loc, name], "msg": f"Tờ khai không có trường “{name}”."})
    return errors
