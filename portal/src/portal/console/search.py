"""Search: the agency's dossiers (the province's for inspectors) by code, name without diacritics, CCCD, phone,
procedure, status, channel, reception dates and overdue, sorted by a column link, paginated."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response

from portal.api import ApiError
from portal.console.common import CASEWORK, OfficerDep, agency_procedures, console_router, last_page, page, page_number
from portal.deps import ApiDep
from portal.dossier.formschema import iso_date
from portal.web.render import STATUS_LABELS

router = console_router(*CASEWORK, "auditor")
SIZE = 20
CHANNELS = {"online": "Trực tuyến", "counter": "Trực tiếp", "postal": "Bưu chính", "onestop": "Phần mềm một cửa"}
SORTS = {"submitted_at": "Ngày nộp", "received_at": "Ngày tiếp nhận", "due_at": "Hẹn trả", "code": "Mã hồ sơ",
         "status": "Tình trạng"}
FILTERS = ("q", "thu-tuc", "trang-thai", "kenh", "tu-ngay", "den-ngay", "qua-han", "sap-xep")


@router.get("/tra-cuu")
async def search(request: Request, officer: OfficerDep, api: ApiDep) -> Response:
    qp = request.query_params
    values = {k: qp.get(k, "")[:100] for k in FILTERS}
    errors: dict[str, str] = {}
    params: dict[str, Any] = {"page": page_number(request), "size": SIZE}
    if values["q"]:
        params["q"] = values["q"]
    if values["thu-tuc"]:
        params["procedure_code"] = values["thu-tuc"]
    if values["trang-thai"] in STATUS_LABELS:
        params["status"] = values["trang-thai"]
    if values["kenh"] in CHANNELS:
        params["channel"] = values["kenh"]
    for name, api_name in (("tu-ngay", "received_from"), ("den-ngay", "received_to")):
        if values[name]:
            iso = iso_date(values[name])
            if iso == values[name]:
                errors[name] = "Ngày viết theo dạng ngày/tháng/năm, ví dụ 01/12/2026."
            else:
                params[api_name] = iso
    if values["qua-han"]:
        params["overdue"] = "true"
    sort = values["sap-xep"] or "-submitted_at"
    params["sort"] = sort if sort.removeprefix("-") in SORTS else "-submitted_at"
    result: dict[str, Any] = {"items": [], "total": 0, "total_exact": True}
    if not errors:
        try:
            result = await api.get("/api/v1/dossiers", token=officer.token, params=params)
        except ApiError as exc:
            if exc.status != 422:
                raise
            names = {"received_from": "tu-ngay", "received_to": "den-ngay", "q": "q", "status": "trang-thai"}
            for loc, msg in exc.field_errors().items():
                errors[names.get(loc, "q")] = msg
            if not errors:
                errors["q"] = exc.detail
    kept = {k: v for k, v in values.items() if v and k != "sap-xep"}
    return await page(request, "console/search/search.html", {
        "result": result, "number": params["page"], "last": last_page(result["total"], SIZE), "values": values,
        "errors": errors, "channels": CHANNELS, "sorts": SORTS, "sort": params["sort"], "kept": kept,
        "query": lambda **extra: urlencode({**kept, **{k: v for k, v in extra.items() if v}}),
        "procedures": await agency_procedures(request, officer.agency_code),
        "searched": bool(kept),
    }, status=422 if errors else 200, title="Tra cứu hồ sơ")
