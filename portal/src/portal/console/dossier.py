"""A dossier as the officers see it: applicant, online form, every document inline, history, the forms to print.
The desk's decisions and the processing actions post to their own modules; this page shows what the officer's
roles allow at the dossier's status."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from portal.api import Api, ApiError
from portal.catalog.service import CatalogPages
from portal.console.common import CASEWORK, Officer, OfficerDep, console_router, page, q
from portal.deps import ApiDep
from portal.dossier.formschema import fields_of
from portal.errors import PageNotFound

router = console_router(*CASEWORK, "auditor")

INTAKE_FORMS = {"01": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả (mẫu 01)",
                "02": "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (mẫu 02)",
                "03": "Phiếu từ chối tiếp nhận giải quyết hồ sơ (mẫu 03)"}
WORKFLOW_FORMS = {"04": "Phiếu xin lỗi và hẹn lại ngày trả kết quả (mẫu 04)",
                  "05": "Phiếu kiểm soát quá trình giải quyết hồ sơ (mẫu 05)"}
# a document shown in the page itself; anything else is offered for download
INLINE = ("application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp")
# the frame a document is shown in may only be this portal's own page
DOCUMENT_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"


async def optional(call: Any) -> Any:
    """A part of the page this officer may not read (or that does not exist yet): the page shows the rest."""
    try:
        return await call
    except ApiError as exc:
        if exc.status in (403, 404, 409):
            return None
        raise


def forms_available(d: dict[str, Any], history: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The printable forms that exist for the dossier now (the API answers 404 for the others)."""
    done = {h.get("to_status") for h in history} | {h.get("action") for h in history}
    out = []
    if d.get("received_at"):
        out.append(("01", INTAKE_FORMS["01"]))
    if "supplement_requested" in done:
        out.append(("02", INTAKE_FORMS["02"]))
    if "refused" in done or "rejected" in done:
        out.append(("03", INTAKE_FORMS["03"]))
    return out


async def dossier_context(request: Request, officer: Officer, api: Api, code: str) -> dict[str, Any]:
    token = officer.token
    d, history, wf = await asyncio.gather(
        api.get(f"/api/v1/dossiers/{q(code)}", token=token),
        api.get(f"/api/v1/dossiers/{q(code)}/history", token=token),
        optional(api.get(f"/api/v1/workflow/dossiers/{q(code)}", token=token)) if officer.has(*CASEWORK)
        else asyncio.sleep(0))
    procedure = await optional(CatalogPages(api, request.app.state.cache).procedure(d["procedure_code"]))
    fields = fields_of((procedure or {}).get("form_schema"))
    known = {f.key for f in fields}
    form_rows = [(f.label, d["form_data"][f.key]) for f in fields if f.key in d["form_data"]]
    form_rows += [(k, v) for k, v in d["form_data"].items() if k not in known]
    return {"d": d, "history": history, "wf": wf, "p": procedure, "form_rows": form_rows,
            "forms": forms_available(d, history), "inline": INLINE, "values": {}, "errors": {}}


@router.get("/ho-so/{code}")
async def dossier_page(request: Request, code: str, officer: OfficerDep, api: ApiDep) -> Response:
    ctx = await dossier_context(request, officer, api, code)
    return await page(request, "console/dossier/dossier.html", ctx, title=f"Hồ sơ {ctx['d']['code']}")


async def proxy(api: Api, path: str, token: str | None, *, inline: bool = True) -> Response:
    """A file from the API served by the portal itself: same origin, shown in the page's frame or downloaded."""
    r = await api.request("GET", path, token=token)
    headers = {"Content-Type": r.headers.get("content-type", "application/octet-stream"),
               "Cache-Control": "private, no-store", "Content-Security-Policy": DOCUMENT_CSP,
               "X-Frame-Options": "SAMEORIGIN"}
    disposition = r.headers.get("content-disposition", "")
    if disposition:
        _, _, rest = disposition.partition(";")
        headers["Content-Disposition"] = ("inline" if inline else "attachment") + (";" + rest if rest else "")
    return Response(r.content, headers=headers)


@router.get("/ho-so/{code}/tep/{file_id}")
async def document_file(request: Request, code: str, file_id: str, officer: OfficerDep, api: ApiDep) -> Response:
    if not file_id.replace("-", "").isalnum() or len(file_id) > 64:
        raise PageNotFound()
    return await proxy(api, f"/api/v1/files/{q(file_id)}", officer.token,
                       inline=request.query_params.get("tai") is None)


@router.get("/ho-so/{code}/mau/{form}")
async def dossier_form(request: Request, code: str, form: str, officer: OfficerDep, api: ApiDep) -> Response:
    if form in INTAKE_FORMS:
        path = f"/api/v1/dossiers/{q(code)}/forms/{form}"
    elif form in WORKFLOW_FORMS:
        path = f"/api/v1/workflow/dossiers/{q(code)}/forms/{form}"
    else:
        raise PageNotFound()
    return await proxy(api, path, officer.token, inline=request.query_params.get("tai") is None)
