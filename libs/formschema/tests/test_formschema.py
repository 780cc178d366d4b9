from __future__ import annotations

import pytest
from pydantic import ValidationError

from formschema import FormSchema, form_errors

FORM = {
    "properties": {
        "ten": {"type": "string", "title": "Tên", "minLength": 2, "maxLength": 5},
        "ngay": {"type": "string", "format": "date", "title": "Ngày"},
        "so": {"type": "number", "title": "Số", "minimum": 0.5, "maximum": 2.5},
        "chon": {"type": "string", "title": "Chọn", "enum": ["A", "B"]},
        "co": {"type": "boolean", "title": "Có"},
    },
    "required": ["ten", "co"],
}


def test_the_order_as_written_is_recorded_and_absent_keywords_stay_absent() -> None:
    form = FormSchema.model_validate(FORM)
    dumped = form.model_dump(mode="json")
    assert dumped["x-order"] == ["ten", "ngay", "so", "chon", "co"] and dumped["additionalProperties"] is True
    assert dumped["properties"]["co"] == {"type": "boolean", "title": "Có"}
    assert [(name, f.kind) for name, f in form.fields()] == [
        ("ten", "text"), ("ngay", "date"), ("so", "number"), ("chon", "choice"), ("co", "yesno")]
    reordered = FormSchema.model_validate({**FORM, "x-order": ["co", "chon", "so", "ngay", "ten"]})
    assert [name for name, _ in reordered.fields()] == ["co", "chon", "so", "ngay", "ten"]
    assert FormSchema.model_validate(dumped).model_dump(mode="json") == dumped  # stored and read back alike


@pytest.mark.parametrize(("field", "where"), [
    ({"type": "number", "title": "x", "enum": ["1"]}, ("properties", "f")),
    ({"type": "string", "title": "x", "format": "date", "enum": ["1"]}, ("properties", "f")),
    ({"type": "string", "title": "x", "minLength": 5, "maxLength": 2}, ("properties", "f")),
    ({"type": "integer", "title": "x", "minimum": 0.5}, ("properties", "f")),
    ({"type": "string", "title": "x", "format": "email"}, ("properties", "f", "format")),
    ({"type": "string", "title": " "}, ("properties", "f", "title")),
    ({"type": "boolean", "title": "x", "default": True}, ("properties", "f", "default")),
])
def test_what_the_subset_does_not_allow_is_named(field: dict[str, object], where: tuple[str, ...]) -> None:
    with pytest.raises(ValidationError) as caught:
        FormSchema.model_validate({"properties": {"f": field}})
    assert [e["loc"] for e in caught.value.errors()] == [where]


def test_values_are_judged_by_their_field() -> None:
    good = {"ten": " Lan ", "ngay": "2024-02-29", "so": 2.5, "chon": "B", "co": False, "khac": 1}
    assert form_errors(FORM, good) == []  # additional fields are allowed unless the form says false
    bad = {"ten": "L", "ngay": "2023-02-29", "so": True, "chon": "C", "co": None}
    assert [(e["loc"][-1], e["msg"]) for e in form_errors(FORM, bad, loc=("form_data",))] == [
        ("ten", "“Tên” phải có ít nhất 2 ký tự."),
        ("ngay", "“Ngày” phải là một ngày hợp lệ, dạng YYYY-MM-DD (ví dụ 2026-11-30)."),
        ("so", "“Số” phải là một số."),
        ("chon", "“Chọn” phải là một trong các lựa chọn: A; B."),
        ("co", "Vui lòng chọn “Có” (bắt buộc)."),
    ]
    assert form_errors(FORM, {**good, "so": 0.25})[0]["msg"] == "“Số” phải lớn hơn hoặc bằng 0,5."
    assert form_errors(FORM, {**good, "ten": "Nguyễn"})[0]["msg"] == "“Tên” dài tối đa 5 ký tự."
    closed = {**FORM, "additionalProperties": False}
    assert form_errors(closed, good) == [
        {"loc": ["body", "form_data", "khac"], "msg": "Tờ khai không có trường “khac”."}]
    assert form_errors(None, bad) == []
