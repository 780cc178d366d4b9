"""Online forms (R-INT-1): a procedure's form_schema is written through the API, validated on write, revisioned
like every other field, and given to the demo procedures."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import text

from catalog_svc.loader import load_demo
from catalog_testkit import KET_HON, demo_procedure

URL = "/api/v1/catalog/procedures"
NEW = "1.999998.000.01.30.H19"
LLTP = "2.000488.000.00.15.H19"
GPXD = "1.009994.000.00.30.H19"

FORM: dict[str, Any] = {
    "type": "object",
    "title": "Tờ khai thử",
    "properties": {
        "ho_ten": {"type": "string", "title": "Họ và tên", "description": "Ghi bằng chữ in hoa có dấu.",
                   "maxLength": 100},
        "ngay_sinh": {"type": "string", "format": "date", "title": "Ngày sinh"},
        "so_ban": {"type": "integer", "title": "Số bản", "minimum": 1, "maximum": 5},
        "gioi_tinh": {"type": "string", "title": "Giới tính", "enum": ["Nam", "Nữ"]},
        "da_ket_hon": {"type": "boolean", "title": "Đã kết hôn"},
    },
    "required": ["ho_ten", "so_ban"],
    "additionalProperties": False,
}


async def test_demo_procedures_carry_their_online_form(client: Any) -> None:
    for code, field, kind in ((KET_HON, "ho_ten_ben_nu", "string"), (LLTP, "so_luong_phieu", "integer"),
                              (GPXD, "dien_tich_lo_dat", "number"), ("1.009994.000.00.40.H19", "so_tang", "integer")):
        form = (await client.get(f"{URL}/{code}")).json()["form_schema"]
        assert form["properties"][field]["type"] == kind and form["properties"][field]["title"]
        assert form["x-order"][0] in form["required"] and set(form["x-order"]) == set(form["properties"])
        assert form["additionalProperties"] is False
    lltp = (await client.get(f"{URL}/{LLTP}")).json()["form_schema"]
    assert lltp["properties"]["loai_phieu"]["enum"] == ["Phiếu lý lịch tư pháp số 1", "Phiếu lý lịch tư pháp số 2"]
    assert lltp["properties"]["ngay_sinh"]["format"] == "date"
    assert lltp["properties"]["xac_nhan_cam_dam_nhiem"]["type"] == "boolean"
    # a procedure without a form says so
    assert (await client.get(f"{URL}/2.000635.000.01.31.H19")).json()["form_schema"] is None


async def test_form_schema_is_written_read_and_revisioned(client: Any, editor: dict[str, str]) -> None:
    body = {**demo_procedure(KET_HON), "code": NEW, "form_schema": FORM}
    created = await client.post(URL, json=body, headers=editor)
    assert created.status_code == 201, created.text
    form = created.json()["form_schema"]
    # the order as written is kept (x-order), though the database does not keep the order of keys
    assert form["x-order"] == ["ho_ten", "ngay_sinh", "so_ban", "gioi_tinh", "da_ket_hon"]
    assert form["properties"]["ho_ten"]["description"] == "Ghi bằng chữ in hoa có dấu."
    assert form["properties"]["so_ban"] == {"type": "integer", "title": "Số bản", "minimum": 1, "maximum": 5}
    assert form["required"] == ["ho_ten", "so_ban"] and form["additionalProperties"] is False
    first = (await client.get(f"{URL}/{NEW}/revisions")).json()[0]
    assert "form_schema" in {c["field"] for c in first["changes"]}

    # GET, edit the form, PUT back: a new revision whose difference names form_schema only
    current = (await client.get(f"{URL}/{NEW}")).json()
    edited = copy.deepcopy(current["form_schema"])
    edited["properties"]["noi_sinh"] = {"type": "string", "title": "Nơi sinh"}
    edited["x-order"] = ["noi_sinh", *edited["x-order"]]
    edited["required"].append("noi_sinh")
    r = await client.put(f"{URL}/{NEW}", json={**current, "form_schema": edited}, headers={**editor, "If-Match": "1"})
    assert r.status_code == 200, r.text
    assert r.json()["revision"] == 2 and r.json()["form_schema"]["x-order"][0] == "noi_sinh"
    latest = (await client.get(f"{URL}/{NEW}/revisions")).json()[0]
    assert [c["field"] for c in latest["changes"]] == ["form_schema"]
    change = latest["changes"][0]
    assert "noi_sinh" not in change["old"]["properties"] and "noi_sinh" in change["new"]["required"]

    # the pinned revision still reads the old form
    old = (await client.get(f"{URL}/{NEW}", params={"revision": 1})).json()
    assert old["form_schema"]["required"] == ["ho_ten", "so_ban"]
    # null removes the form, again as a revision
    r = await client.put(f"{URL}/{NEW}", json={**current, "form_schema": None}, headers=editor)
    assert r.status_code == 200 and r.json()["revision"] == 3 and r.json()["form_schema"] is None
    async with client.app.state.sessionmaker() as session:
        fields = (await session.execute(text(
            "SELECT body FROM kit_outbox WHERE subject = 'catalog.procedure.revised.v1' AND body LIKE :c "
            "ORDER BY seq"), {"c": f"%{NEW}%"})).scalars().all()
    assert all('"changed_fields":["form_schema"]' in f for f in fields) and len(fields) == 2


async def test_a_bad_form_schema_is_422_naming_the_field(client: Any, editor: dict[str, str]) -> None:
    body = {**demo_procedure(KET_HON), "code": NEW}

    def with_form(**changes: Any) -> dict[str, Any]:
        form = copy.deepcopy(FORM)
        for key, value in changes.items():
            if key.startswith("field_"):
                form["properties"]["ho_ten"] = value
            else:
                form[key] = value
        return {**body, "form_schema": form}

    cases = [
        (with_form(field_x={"type": "object", "title": "Họ và tên"}), ["properties", "ho_ten", "type"], "Kiểu trường"),
        (with_form(field_x={"type": "string", "title": "Họ và tên", "pattern": ".*"}),
         ["properties", "ho_ten", "pattern"], "không được phép"),
        (with_form(field_x={"type": "string"}), ["properties", "ho_ten", "title"], "bắt buộc"),
        (with_form(field_x={"type": "string", "title": "Họ và tên", "minimum": 1}), ["properties", "ho_ten"],
         "minimum"),
        (with_form(field_x={"type": "string", "title": "Họ và tên", "enum": ["A", "A"]}),
         ["properties", "ho_ten", "enum"], "trùng"),
        (with_form(required=["ho_ten", "khong_co"]), ["required"], "khong_co"),
        (with_form(**{"x-order": ["ho_ten"]}), ["x-order"], "ngay_sinh"),
        (with_form(properties={"Họ tên": {"type": "string", "title": "Họ tên"}}, required=[]), ["properties"],
         "Tên trường không hợp lệ"),
        (with_form(properties={}, required=[]), ["properties"], "ít nhất"),
        ({**body, "form_schema": "không phải đối tượng"}, [], "đối tượng"),
    ]
    for payload, loc, words in cases:
        r = await client.post(URL, json=payload, headers=editor)
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json", r.text
        errors = r.json()["errors"]
        assert [e["loc"] for e in errors] == [["body", "form_schema", *loc]], (loc, errors)
        assert words in errors[0]["msg"] and "Input" not in errors[0]["msg"], errors
    assert (await client.get(f"{URL}/{NEW}")).status_code == 404  # nothing half-written
    # the same checks on PUT
    current = (await client.get(f"{URL}/{KET_HON}")).json()
    r = await client.put(f"{URL}/{KET_HON}", json={**current, "form_schema": {"properties": {"a": {"type": "date"}}}},
                         headers=editor)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"][:4] == ["body", "form_schema", "properties", "a"]
    assert (await client.get(f"{URL}/{KET_HON}")).json()["revision"] == 1


async def test_demo_reload_gives_a_form_to_procedures_stored_before_forms_existed(
    client: Any, editor: dict[str, str],
) -> None:
    async with client.app.state.sessionmaker() as session, session.begin():
        # as stored before this field existed: no form_schema key at all
        await session.execute(text("UPDATE procedures SET body = body - 'form_schema' WHERE code = :c"), {"c": LLTP})
    # an editor who removed a form on purpose keeps it removed
    current = (await client.get(f"{URL}/{KET_HON}")).json()
    assert (await client.put(f"{URL}/{KET_HON}", json={**current, "form_schema": None}, headers=editor)).json()[
        "revision"] == 2
    async with client.app.state.sessionmaker() as session, session.begin():
        await load_demo(session)
    lltp = (await client.get(f"{URL}/{LLTP}")).json()
    assert lltp["revision"] == 2 and "so_luong_phieu" in lltp["form_schema"]["properties"]
    revision = (await client.get(f"{URL}/{LLTP}/revisions")).json()[0]
    assert revision["changed_by"] == "system" and [c["field"] for c in revision["changes"]] == ["form_schema"]
    assert "biểu mẫu trực tuyến" in revision["note"]
    ket_hon = (await client.get(f"{URL}/{KET_HON}")).json()
    assert ket_hon["revision"] == 2 and ket_hon["form_schema"] is None
