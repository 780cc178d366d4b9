"""The filing wizard's steps: what each asks, what the API body becomes, where each API complaint belongs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portal.dossier.formschema import FormField, fields_of, to_form_data

APPLICANT = [
    # name, label, type, autocomplete, inputmode, hint, required
    ("applicant.full_name", "Họ và tên người nộp", "text", "name", "", "", True),
    ("applicant.id_number", "Số Căn cước công dân", "text", "off", "numeric", "12 chữ số", True),
    ("applicant.phone", "Số điện thoại di động", "tel", "tel", "numeric", "Ví dụ 0912345678", True),
    ("applicant.email", "Email", "email", "email", "email", "Để nhận thông báo về hồ sơ", False),
    ("applicant.address", "Địa chỉ liên hệ", "text", "street-address", "", "Số nhà, đường, phường/xã, huyện/thành phố",
     True),
]
LABELS = {name: label for name, label, *_ in APPLICANT} | {
    "agency_code": "Cơ quan tiếp nhận", "return_method": "Hình thức nhận kết quả"}


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    prefixes: tuple[str, ...]


STEPS = [
    Step("thong-tin", "Thông tin người nộp", ("applicant.", "agency_code", "return_method")),
    Step("to-khai", "Tờ khai trực tuyến", ("form_data.",)),
    Step("giay-to", "Giấy tờ kèm theo", ("documents.",)),
    Step("kiem-tra", "Kiểm tra lại", ()),
]


class Wizard:
    """One procedure's wizard for one person: the steps that apply and their fields."""

    def __init__(self, procedure: dict[str, Any]) -> None:
        self.procedure = procedure
        self.form_fields: list[FormField] = fields_of(procedure.get("form_schema"))
        agencies = procedure.get("agencies") or []
        self.agencies: list[str] = [str(a) for a in agencies] if len(agencies) > 1 else []
        self.steps = [s for s in STEPS if s.slug != "to-khai" or self.form_fields]

    def step(self, slug: str) -> Step | None:
        return next((s for s in self.steps if s.slug == slug), None)

    def next_of(self, slug: str) -> Step:
        i = [s.slug for s in self.steps].index(slug)
        return self.steps[min(i + 1, len(self.steps) - 1)]

    def labels(self) -> dict[str, str]:
        out = dict(LABELS)
        out.update({f.name: f.label for f in self.form_fields})
        out.update({f"documents.{d['code']}": d["name"] for d in self.procedure.get("documents", [])})
        return out

    def step_of_field(self, name: str) -> str:
        for s in STEPS:
            if s.prefixes and name.startswith(s.prefixes):
                return s.slug
        return "kiem-tra"

    def check(self, slug: str, values: dict[str, str], documents: dict[str, Any]) -> dict[str, str]:
        """What the page can say at once (nothing typed in a required field); the API judges the rest."""
        errors: dict[str, str] = {}
        if slug == "thong-tin":
            for name, label, *_rest, required in APPLICANT:
                if required and not values.get(name):
                    errors[name] = f"Nhập {label.lower()}."
            if self.agencies and values.get("agency_code") not in self.agencies:
                errors["agency_code"] = "Chọn cơ quan tiếp nhận hồ sơ."
            if values.get("return_method") not in ("online", "counter", "postal"):
                errors["return_method"] = "Chọn hình thức nhận kết quả."
        elif slug == "to-khai":
            for f in self.form_fields:
                if f.required and not values.get(f.name):
                    verb = "Chọn" if f.kind in ("choice", "yesno") else "Nhập"
                    errors[f.name] = f"{verb} {f.label[:1].lower()}{f.label[1:]}."
        elif slug == "giay-to":
            for d in self.procedure.get("documents", []):
                if d.get("required", True) and d["code"] not in documents:
                    errors[f"documents.{d['code']}"] = f"Tải lên {d['name'][:1].lower()}{d['name'][1:]}."
        return errors

    def body(self, values: dict[str, str], documents: dict[str, Any]) -> dict[str, Any]:
        applicant = {name.split(".", 1)[1]: values[name] for name, *_ in APPLICANT if values.get(name)}
        applicant["type"] = "citizen"
        body: dict[str, Any] = {
            "procedure_code": self.procedure["code"],
            "applicant": applicant,
            "form_data": to_form_data(self.form_fields, values),
            "documents": [{"requirement_code": code, "file_id": doc["file_id"]} for code, doc in documents.items()],
            "return_method": values.get("return_method") or "counter",
        }
        if self.agencies and values.get("agency_code"):
            body["agency_code"] = values["agency_code"]
        return body

    def api_errors(self, errors: dict[str, str]) -> dict[str, str]:
        """The API's ``loc`` (``applicant.phone``, ``form_data.x``, ``documents.1.file_id``, ``documents``)
        → the page's field names."""
        codes = [d["code"] for d in self.procedure.get("documents", [])]
        out: dict[str, str] = {}
        for loc, msg in errors.items():
            parts = loc.split(".")
            if parts[0] == "documents" and len(parts) > 1:
                name = f"documents.{parts[1]}" if parts[1] in codes else "documents"
            elif parts[0] == "form_data" and len(parts) > 1:
                name = f"form_data.{parts[1]}"
            else:
                name = ".".join(parts[:2])
            out.setdefault(name, msg)
        return out


def prefill(profile: dict[str, Any]) -> dict[str, str]:
    """The applicant's fields from the account, for a wizard started afresh."""
    values = {
        "applicant.full_name": profile.get("full_name"),
        "applicant.id_number": profile.get("id_number"),
        "applicant.phone": profile.get("phone"),
        "applicant.email": profile.get("email"),
    }
    return {k: str(v) for k, v in values.items() if v}
