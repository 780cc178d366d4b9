"""Processing: the officer's tasks and the agency's unclaimed ones with their deadlines, and a dossier's
processing page with its history and every action the workflow allows the officer at that step (the workflow
API lists them), the leader's approval view with the draft shown inline, reassigning, and hand-offs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from portal.api import Api, ApiError
from portal.console.common import (
    CASEWORK,
    Officer,
    OfficerDep,
    console_router,
    last_page,
    page,
    page_number,
    prefixed,
    q,
)
from portal.console.dossier import optional
from portal.deps import ApiDep
from portal.dossier.formschema import iso_date
from portal.web.forms import form_files, form_values
from portal.web.render import redirect

router = console_router(*CASEWORK)
SIZE = 20
LISTS = {"cua-toi": ("me", "Việc của tôi"), "chua-nhan": ("none", "Việc chưa có người nhận"),
         "tat-ca": (None, "Tất cả việc của tôi và chưa nhận")}
SOON = timedelta(days=2)

ACTIONS = {
    "claim": "Nhận xử lý", "release": "Trả lại, không nhận xử lý nữa", "forward": "Chuyển phòng chuyên môn",
    "propose": "Trình dự thảo kết quả", "approve": "Phê duyệt kết quả", "return_for_rework": "Trả lại để xử lý lại",
    "propose_refusal": "Đề xuất từ chối giải quyết", "approve_refusal": "Phê duyệt từ chối giải quyết",
    "consult": "Xin ý kiến phòng phối hợp", "reply_consult": "Gửi ý kiến phối hợp", "handoff": "Chuyển liên thông",
    "accept_handoff": "Tiếp nhận hồ sơ liên thông", "refuse_handoff": "Không tiếp nhận hồ sơ liên thông",
    "complete_handoff": "Trả kết quả phần việc liên thông", "recall_handoff": "Thu hồi yêu cầu liên thông",
    "extend": "Gia hạn, hẹn lại ngày trả (mẫu 04)", "reassign": "Giao lại cho cán bộ khác",
    "request_supplement": "Yêu cầu người nộp bổ sung",
}
# what the history also records besides the officers' actions
HISTORY_LABELS = {**ACTIONS, "start": "Bắt đầu xử lý", "resumed": "Tiếp tục xử lý sau khi người nộp bổ sung",
                  "auto_forward": "Tự động chuyển bước", "paused": "Tạm dừng, chờ người nộp bổ sung",
                  "deadline_warning": "Cảnh báo: hồ sơ sắp đến hạn trả kết quả",
                  "step_deadline_passed": "Quá hạn xử lý của bước", "overdue": "Hồ sơ quá hạn trả kết quả",
                  "external_handoff": "Chuyển sang phần mềm một cửa của cơ quan",
                  "external_accepted": "Phần mềm một cửa của cơ quan đã tiếp nhận",
                  "external_refused": "Phần mềm một cửa của cơ quan không tiếp nhận",
                  "external_extended": "Phần mềm một cửa của cơ quan gia hạn",
                  "external_note": "Ghi nhận từ phần mềm một cửa của cơ quan",
                  "external_result": "Phần mềm một cửa của cơ quan trả kết quả"}
# the fields each action's form asks: (name, label, kind, required)
FIELDS: dict[str, list[tuple[str, str, str, bool]]] = {
    "propose": [("draft", "Dự thảo văn bản kết quả", "file", True), ("comment", "Ý kiến trình", "textarea", False)],
    "return_for_rework": [("reason", "Lý do trả lại", "textarea", True)],
    "propose_refusal": [("reason", "Lý do từ chối giải quyết", "textarea", True)],
    "approve_refusal": [("reason", "Lý do từ chối (nếu khác đề xuất)", "textarea", False)],
    "consult": [("department", "Phòng được xin ý kiến", "department", True),
                ("comment", "Nội dung xin ý kiến", "textarea", False)],
    "reply_consult": [("comment", "Ý kiến của phòng", "textarea", True)],
    "handoff": [("target_agency", "Cơ quan phối hợp", "agency", True), ("comment", "Nội dung đề nghị", "textarea",
                                                                         False)],
    "refuse_handoff": [("reason", "Lý do không tiếp nhận", "textarea", True)],
    "complete_handoff": [("comment", "Kết quả phần việc liên thông", "textarea", True),
                         ("draft", "Văn bản kết quả", "file", False)],
    "extend": [("reason", "Lý do chậm trễ", "textarea", True),
               ("new_due", "Ngày hẹn trả mới", "date", False), ("extra_days", "Hoặc số ngày làm việc gia hạn", "number",
                                                                 False)],
    "reassign": [("assignee", "Cán bộ được giao", "officer", True), ("comment", "Ghi chú", "textarea", False)],
    "request_supplement": [("items", "Giấy tờ, thông tin cần bổ sung (mỗi dòng một mục)", "textarea", True),
                           ("note", "Lời nhắn cho người nộp", "textarea", False)],
}
DONE = {
    "claim": "Đã nhận xử lý hồ sơ.", "release": "Đã trả lại hồ sơ vào danh sách chưa nhận.",
    "propose": "Đã trình dự thảo kết quả lên lãnh đạo.", "approve": "Đã phê duyệt: hồ sơ có kết quả, chờ trả.",
    "return_for_rework": "Đã trả hồ sơ về chuyên viên để xử lý lại.",
    "extend": "Đã gia hạn và hẹn lại ngày trả kết quả. In phiếu xin lỗi, hẹn lại (mẫu 04).",
    "reassign": "Đã giao hồ sơ cho cán bộ khác.",
    "request_supplement": "Đã yêu cầu người nộp bổ sung; thời hạn tạm dừng đến khi người nộp bổ sung.",
}


def flags(item: dict[str, Any], now: datetime) -> str:
    """overdue or due-soon: how a row is highlighted (and said in words beside the date)."""
    due = item.get("step_due_at") or item.get("due_at")
    if item.get("overdue") or item.get("step_overdue"):
        return "overdue"
    try:
        at = datetime.fromisoformat(str(due))
    except ValueError:
        return ""
    return "soon" if at - now <= SOON else ""


@router.get("/xu-ly")
async def tasks(request: Request, officer: OfficerDep, api: ApiDep) -> Response:
    which = request.query_params.get("danh-sach", "tat-ca")
    if which not in LISTS:
        which = "tat-ca"
    number = page_number(request)
    params: dict[str, Any] = {"page": number, "size": SIZE}
    if LISTS[which][0]:
        params["assigned"] = LISTS[which][0]
    result = await api.get("/api/v1/workflow/tasks", token=officer.token, params=params)
    now = datetime.now(UTC)
    rows = [(t, flags(t, now)) for t in result["items"]]
    return await page(request, "console/processing/tasks.html", {
        "result": result, "rows": rows, "number": number, "last": last_page(result["total"], SIZE),
        "which": which, "lists": LISTS}, title="Xử lý hồ sơ")


async def _processing_context(request: Request, officer: Officer, api: Api, code: str) -> dict[str, Any]:
    token = officer.token
    wf, dossier = await asyncio.gather(api.get(f"/api/v1/workflow/dossiers/{q(code)}", token=token),
                                       optional(api.get(f"/api/v1/dossiers/{q(code)}", token=token)))
    reassigning = "reassign" in wf["actions"] and wf.get("step_role")
    everyone: list[dict[str, Any]] = []
    if reassigning or "consult" in wf["actions"]:  # the agency's officers, asked once for both forms
        everyone = await api.get("/api/v1/workflow/officers", token=token)
    officers = [o for o in everyone if reassigning and wf["step_role"] in o["roles"]]
    # consult: the agency's other departments that can answer, named as the answer names them
    departments = sorted({o["department"] for o in everyone if "consult" in wf["actions"] and o.get("department")
                         and {"specialist", "leader"} & set(o["roles"])} - {officer.department})
    drafts = [(e, doc) for e in wf["history"] for doc in e.get("documents") or [] if doc.get("file_id")]
    agencies = {a["code"]: a["name"] for a in await request.app.state.cache.get(
        "agencies", lambda: api.get("/api/v1/catalog/agencies"))}
    return {"wf": wf, "d": dossier, "officers": [o for o in officers if o["id"] != wf.get("assignee")],
            "drafts": drafts, "latest_draft": drafts[-1] if drafts else None, "action_labels": ACTIONS,
            "departments": departments,
            "history_labels": HISTORY_LABELS,
            "fields": FIELDS, "agencies": agencies, "values": {}, "errors": {},
            "flag": flags({"step_due_at": wf.get("step_due_at"), "overdue": wf.get("overdue")}, datetime.now(UTC))}


@router.get("/xu-ly/{code}")
async def processing_page(request: Request, code: str, officer: OfficerDep, api: ApiDep) -> Response:
    ctx = await _processing_context(request, officer, api, code)
    return await page(request, "console/processing/dossier.html", ctx, title=f"Xử lý hồ sơ {code}")


async def _store(api: Api, token: str | None, file: Any, max_bytes: int) -> tuple[dict[str, Any] | None, str]:
    content = await file.read(max_bytes + 1)
    if len(content) > max_bytes:
        return None, f"Tệp “{file.filename}” vượt quá {max_bytes // 2**20} MB."
    if not content:
        return None, f"Tệp “{file.filename}” rỗng."
    try:
        stored = await api.post("/api/v1/files", token=token, files={
            "file": (file.filename, content, file.content_type or "application/octet-stream")})
    except ApiError as exc:
        if exc.status in (413, 415, 422):
            return None, exc.detail or "Tệp không hợp lệ."
        raise
    return {"name": stored.get("name") or file.filename, "file_id": str(stored["id"]), "sha256": stored["sha256"],
            "kind": "draft"}, ""


def _body(action: str, mine: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {"action": action}
    for name, label, kind, required in FIELDS.get(action, []):
        if kind == "file":
            continue
        value = mine.get(name, "")
        if required and not value:
            verb = "Chọn" if kind in ("officer", "agency", "department") else "Nhập"
            errors[f"{action}.{name}"] = f"{verb} {label[:1].lower()}{label[1:]}."
            continue
        if not value:
            continue
        if name == "items":
            body["items"] = [line.strip(" -•\t") for line in value.splitlines() if line.strip(" -•\t")]
        elif name == "new_due":
            iso = iso_date(value)
            if iso == value:
                errors[f"{action}.new_due"] = "Ngày hẹn viết theo dạng ngày/tháng/năm, ví dụ 20/12/2026."
            else:
                body["new_due_at"] = f"{iso}T17:00:00+07:00"
        elif name == "extra_days":
            try:
                body["extra_days"] = float(value.replace(",", "."))
            except ValueError:
                errors[f"{action}.extra_days"] = "Số ngày là một số, ví dụ 3."
        else:
            body[name] = value
    if action == "extend" and "new_due_at" not in body and "extra_days" not in body and \
            f"{action}.new_due" not in errors:
        errors[f"{action}.new_due"] = "Nhập ngày hẹn trả mới hoặc số ngày gia hạn."
    if action not in FIELDS and mine.get("comment"):
        body["comment"] = mine["comment"]
    return body


@router.post("/xu-ly/{code}")
async def act(request: Request, code: str, officer: OfficerDep, api: ApiDep) -> Response:
    values = await form_values(request)
    action = values.get("action", "")
    if action not in ACTIONS:
        ctx = await _processing_context(request, officer, api, code)
        ctx.update(errors={"action": "Chọn một thao tác."})
        return await page(request, "console/processing/dossier.html", ctx, status=422, title=f"Xử lý hồ sơ {code}")
    mine = prefixed(values, action)
    errors: dict[str, str] = {}
    body = _body(action, mine, errors)
    if values.get("version", "").isdigit():
        body["version"] = int(values["version"])
    file = (await form_files(request)).get(f"{action}.draft")
    if any(kind == "file" and required for _, _, kind, required in FIELDS.get(action, [])) and file is None:
        errors[f"{action}.draft"] = "Chọn tệp dự thảo văn bản kết quả."
    if file is not None and not errors:
        stored, message = await _store(api, officer.token, file, request.app.state.settings.upload_max_bytes)
        if stored is None:
            errors[f"{action}.draft"] = message
        else:
            body["documents"] = [stored]
    if not errors:
        try:
            result = await api.post(f"/api/v1/workflow/dossiers/{q(code)}/actions", token=officer.token, json=body)
        except ApiError as exc:
            if exc.status not in (403, 409, 422):
                raise
            named = exc.field_errors()
            field = next((n for n, *_ in FIELDS.get(action, []) if n in named), None)
            if field is None and ("new_due_at" in named or "documents" in named):
                field = "new_due" if "new_due_at" in named else "draft"
            key = f"{action}.{field}" if field else "action"
            errors[key] = (named.get(field or "") or named.get("new_due_at") or named.get("documents")
                           or exc.detail or "Chưa thực hiện được.")
        else:
            done = DONE.get(action, f"Đã thực hiện: {ACTIONS[action].lower()}.")
            where = f"Hồ sơ đang ở bước “{result.get('step_name') or result.get('step')}”"
            if result.get("assignee_name"):
                where += f", do {result['assignee_name']} xử lý"
            suffix = "?mau=04" if action == "extend" else ""
            return redirect(request, f"/can-bo/xu-ly/{q(code)}{suffix}", flash=f"{done} {where}.")
    ctx = await _processing_context(request, officer, api, code)
    ctx.update(values=values, errors=errors, open_action=action)
    return await page(request, "console/processing/dossier.html", ctx, status=422, title=f"Xử lý hồ sơ {code}")
