"""Online forms (R-INT-1): form_data is checked against the form of the procedure revision the dossier is pinned
to, on submission and on supplements, and every wrong field is named (422, loc body.form_data.<field>)."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from devkit.testing import running
from intake_svc.app import create_app
from intake_testkit import LLTP, LLTP_FORM, Clock, Env, dossier_body, intake_settings_for


@pytest.fixture
async def live(stack: Any, tokens: Any, tmp_path: Path, catalog_app: FastAPI) -> AsyncIterator[Env]:
    """intake-svc reading the real catalog without a cache: a change of the catalog shows at once."""
    app = create_app(intake_settings_for(stack, tokens, tmp_path, catalog_cache_ttl=0),
                     catalog_transport=httpx.ASGITransport(app=catalog_app), clock=Clock())
    async with running(app) as client:
        yield Env(client=client, app=app, clock=Clock(), tokens=tokens)


def problems(r: httpx.Response) -> dict[str, str]:
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json", r.text
    return {".".join(str(p) for p in e["loc"]): e["msg"] for e in r.json()["errors"]}


async def test_submission_names_each_wrong_field_of_the_form(env: Env) -> None:
    citizen = env.citizen()
    bad = {"muc_dich": "  ", "so_luong_phieu": "2", "ngay_sinh": "12/05/1990", "gioi_tinh": "Khác",
           "xac_nhan_cam_dam_nhiem": "có", "ghi_chu": "?"}
    r = await env.submit(citizen, form_data=bad)
    errors = problems(r)
    assert errors == {
        "body.form_data.loai_phieu": "Vui lòng chọn “Loại Phiếu lý lịch tư pháp yêu cầu cấp” (bắt buộc).",
        "body.form_data.muc_dich": "Vui lòng nhập “Mục đích yêu cầu cấp Phiếu” (bắt buộc).",
        "body.form_data.so_luong_phieu": "“Số lượng Phiếu yêu cầu cấp” phải là một số.",
        "body.form_data.ngay_sinh": "“Ngày, tháng, năm sinh” phải là một ngày hợp lệ, dạng YYYY-MM-DD "
                                    "(ví dụ 2026-11-30).",
        "body.form_data.gioi_tinh": "“Giới tính” phải là một trong các lựa chọn: Nam; Nữ.",
        "body.form_data.xac_nhan_cam_dam_nhiem": "“Yêu cầu xác nhận về việc cấm đảm nhiệm chức vụ, thành lập, quản lý "
                                                 "doanh nghiệp, hợp tác xã” phải là có (true) hoặc không (false).",
        "body.form_data.ghi_chu": "Tờ khai không có trường “ghi_chu”.",
    }
    assert r.json()["detail"].startswith("Hồ sơ chưa hợp lệ: Vui lòng chọn")
    limits = await env.submit(citizen, form_data={**LLTP_FORM, "so_luong_phieu": 11, "muc_dich": "ab",
                                                  "ngay_sinh": "1990-02-30"})
    assert problems(limits) == {
        "body.form_data.muc_dich": "“Mục đích yêu cầu cấp Phiếu” phải có ít nhất 3 ký tự.",
        "body.form_data.so_luong_phieu": "“Số lượng Phiếu yêu cầu cấp” phải nhỏ hơn hoặc bằng 10.",
        "body.form_data.ngay_sinh": "“Ngày, tháng, năm sinh” phải là một ngày hợp lệ, dạng YYYY-MM-DD "
                                    "(ví dụ 2026-11-30).",
    }
    assert "phải là số nguyên" in problems(await env.submit(citizen, form_data={**LLTP_FORM, "so_luong_phieu": 1.5}))[
        "body.form_data.so_luong_phieu"]
    # the documents and the form are reported together, in one answer
    both = await env.client.post("/api/v1/dossiers", headers=citizen,
                                 json={**dossier_body([]), "form_data": {**LLTP_FORM, "loai_phieu": None}})
    assert {"body.form_data.loai_phieu", "body.documents.TP1", "body.documents.TP2"} <= set(problems(both))
    assert (await env.sql("SELECT count(*) FROM dossiers"))[0][0] == 0  # nothing written
    assert (await env.sql("SELECT count(*) FROM kit_outbox"))[0][0] == 0

    # a form that fits: 1.0 is a whole number, optional fields may be blank or absent, yes/no is a boolean
    good = {**LLTP_FORM, "so_luong_phieu": 2.0, "gioi_tinh": "Nữ", "noi_sinh": "", "xac_nhan_cam_dam_nhiem": False}
    r = await env.submit(citizen, form_data=good)
    assert r.status_code == 201, r.text
    dossier = (await env.client.get(f"/api/v1/dossiers/{r.json()['code']}", headers=citizen)).json()
    assert dossier["form_data"] == good


async def test_supplement_is_checked_against_the_pinned_revision_after_the_form_changed(
    live: Env, catalog_app: FastAPI,
) -> None:
    env, citizen = live, live.citizen()
    first = await env.submit(citizen)
    assert first.status_code == 201, first.text
    code = first.json()["code"]
    assert first.json()["procedure_revision"] == 1

    # the catalog changes the form: a new required field, and at most 5 certificates
    editor = env.tokens.header(sub="ed-1", username="bientap", roles=("catalog_editor",), name="Biên Tập")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=catalog_app), base_url="http://catalog") as cat:
        current = (await cat.get(f"/api/v1/catalog/procedures/{LLTP}")).json()
        form = copy.deepcopy(current["form_schema"])
        form["properties"]["noi_cu_tru"] = {"type": "string", "title": "Nơi cư trú hiện nay"}
        form["x-order"].append("noi_cu_tru")
        form["required"].append("noi_cu_tru")
        form["properties"]["so_luong_phieu"]["maximum"] = 5
        r = await cat.put(f"/api/v1/catalog/procedures/{LLTP}", json={**current, "form_schema": form}, headers=editor)
        assert r.status_code == 200 and r.json()["revision"] == 2, r.text

    # a new dossier is pinned to revision 2 and its form must fit it
    late = await env.submit(citizen)
    assert problems(late) == {"body.form_data.noi_cu_tru": "Vui lòng nhập “Nơi cư trú hiện nay” (bắt buộc)."}
    ok = await env.submit(citizen, form_data={**LLTP_FORM, "noi_cu_tru": "Biên Hòa, Đồng Nai"})
    assert ok.status_code == 201 and ok.json()["procedure_revision"] == 2, ok.text

    # the first dossier stays under revision 1: its supplement is judged by that form, not the new one
    asked = await env.client.post(f"/api/v1/dossiers/{code}/reception", headers=env.reception(), json={
        "decision": "request_supplement", "missing_items": ["Ghi rõ mục đích"]})
    assert asked.status_code == 200, asked.text
    url = f"/api/v1/dossiers/{code}/supplements"
    wrong = await env.client.post(url, headers=citizen, json={"form_data": {"so_luong_phieu": 0, "loai_phieu": ""}})
    assert problems(wrong) == {
        "body.form_data.loai_phieu": "Vui lòng chọn “Loại Phiếu lý lịch tư pháp yêu cầu cấp” (bắt buộc).",
        "body.form_data.so_luong_phieu": "“Số lượng Phiếu yêu cầu cấp” phải lớn hơn hoặc bằng 1.",
    }
    assert (await env.client.get(f"/api/v1/dossiers/{code}", headers=citizen)).json()["status"] == \
        "supplement_requested"
    # 8 certificates: too many under revision 2, allowed under revision 1; noi_cu_tru is not asked for
    fixed = await env.client.post(url, headers=citizen, json={
        "form_data": {"muc_dich": "Xin việc tại Công ty Điện lực Đồng Nai", "so_luong_phieu": 8}})
    assert fixed.status_code == 200, fixed.text
    dossier = (await env.client.get(f"/api/v1/dossiers/{code}", headers=citizen)).json()
    assert dossier["status"] == "submitted" and dossier["procedure_revision"] == 1
    assert dossier["form_data"] == {**LLTP_FORM, "muc_dich": "Xin việc tại Công ty Điện lực Đồng Nai",
                                    "so_luong_phieu": 8}


async def test_dossiers_pinned_before_forms_were_snapshotted_read_the_form_from_the_catalog(env: Env) -> None:
    citizen = env.citizen()
    code = (await env.submit(citizen)).json()["code"]
    # as stored before the snapshot carried the form: the pinned revision is asked of the catalog
    from sqlalchemy import text

    async with env.app.state.sessionmaker() as session, session.begin():
        await session.execute(text("UPDATE dossiers SET procedure = procedure - 'form_schema'"))
    assert (await env.sql("SELECT procedure ? 'form_schema' FROM dossiers"))[0][0] is False
    asked = await env.client.post(f"/api/v1/dossiers/{code}/reception", headers=env.reception(), json={
        "decision": "request_supplement", "missing_items": ["Ngày sinh"]})
    assert asked.status_code == 200, asked.text
    r = await env.client.post(f"/api/v1/dossiers/{code}/supplements", headers=citizen,
                              json={"form_data": {"ngay_sinh": "1990-13-01"}})
    assert list(problems(r)) == ["body.form_data.ngay_sinh"]
