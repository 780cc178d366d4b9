"""The online form (R-INT-1) from a procedure's ``form_schema``: a JSON Schema subset (text, number, date,
choice, yes/no, required, Vietnamese title and description) turned into page fields and back into
``form_data``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

PREFIX = "form_data."
# dates are typed as people write them (dd/mm/yyyy, the Vietnamese convention): no date picker to fight with
VN_DATE = re.compile(r"^\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})\s*$")


@dataclass
class FormField:
    name: str  # the page's field name: form_data.<key>
    key: str
    label: str
    kind: str  # text, textarea, number, integer, date, choice, yesno
    required: bool
    hint: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)
    maxlength: int | None = None


def fields_of(schema: dict[str, Any] | None) -> list[FormField]:
    if not isinstance(schema, dict):
        return []
    props = schema.get("properties")
    if not isinstance(props, dict):
        return []
    required = set(schema.get("required") or [])
    wanted = schema.get("x-order")
    order: list[Any] = wanted if isinstance(wanted, list) else list(props)
    out: list[FormField] = []
    for key in order:
        spec = props.get(key)
        if not isinstance(spec, dict):
            continue
        kind, options = _kind(spec)
        out.append(FormField(
            name=PREFIX + str(key), key=str(key), label=str(spec.get("title") or key), kind=kind,
            required=key in required, hint=str(spec.get("description") or ""), options=options,
            maxlength=spec.get("maxLength") if isinstance(spec.get("maxLength"), int) else None))
    return out


def _kind(spec: dict[str, Any]) -> tuple[str, list[tuple[str, str]]]:
    t = spec.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), "string")
    if "enum" in spec and isinstance(spec["enum"], list):
        names = spec.get("x-enumNames") or spec.get("enumNames") or spec["enum"]
        return "choice", [(str(v), str(n)) for v, n in zip(spec["enum"], names, strict=False)]
    if isinstance(spec.get("oneOf"), list):
        opts = [(str(o.get("const")), str(o.get("title") or o.get("const"))) for o in spec["oneOf"]
                if isinstance(o, dict) and "const" in o]
        if opts:
            return "choice", opts
    if t == "boolean":
        return "yesno", [("true", "Có"), ("false", "Không")]
    if t in ("number", "integer"):
        return str(t), []
    if t == "string" and spec.get("format") == "date":
        return "date", []
    if t == "string" and (spec.get("maxLength") or 0) > 200:
        return "textarea", []
    return "text", []


def to_form_data(fields: list[FormField], values: dict[str, str]) -> dict[str, Any]:
    """Typed values for the API; what cannot be read as its type is sent as typed, for the API to name."""
    data: dict[str, Any] = {}
    for f in fields:
        raw = values.get(f.name, "").strip()
        if raw == "":
            continue
        if f.kind == "yesno":
            data[f.key] = raw == "true"
        elif f.kind in ("number", "integer"):
            try:
                number = float(raw.replace(",", "."))
                data[f.key] = int(number) if f.kind == "integer" or number.is_integer() else number
            except ValueError:
                data[f.key] = raw
        elif f.kind == "date":
            data[f.key] = iso_date(raw)
        else:
            data[f.key] = raw
    return data


def vn_date(raw: str) -> date | None:
    """``20/5/1990`` (also with ``.`` or ``-``) → that day; None for anything else, an impossible day included."""
    m = VN_DATE.match(raw)
    if m is None:
        return None
    try:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None


def iso_date(raw: str) -> str:
    """``20/5/1990`` → ``1990-05-20``; anything else is passed on as typed, for the API to name the field."""
    day = vn_date(raw)
    return raw if day is None else day.isoformat()
