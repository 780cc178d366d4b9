"""Reads from workflow-svc on the caller's behalf: the applicant's form 04 (apology and new appointment), which
workflow issues and lets the dossier's owner read. The caller's own bearer token is passed on, so workflow
applies its own access rules; nothing is cached and nothing changes through this call."""

from __future__ import annotations

import logging
from urllib.parse import quote

import httpx

from servicekit.problems import NotFound, Unavailable

log = logging.getLogger(__name__)


class WorkflowClient:
    def __init__(self, base_url: str, *, timeout: float = 5.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout, transport=transport)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def form(self, code: str, form: str, authorization: str) -> bytes:
        """The PDF of a workflow form; 404 when workflow has none for this caller, 503 when it cannot answer."""
        try:
            resp = await self._http.get(f"/api/v1/workflow/dossiers/{quote(code, safe='')}/forms/{quote(form)}",
                                        headers={"Authorization": authorization})
        except httpx.HTTPError as exc:
            log.warning("workflow unreachable: %r", exc)
            raise Unavailable("Không truy cập được hệ thống xử lý hồ sơ, vui lòng thử lại sau.") from None
        if resp.status_code in (403, 404):
            raise NotFound(f"Hồ sơ chưa có mẫu số {form}.")
        if resp.status_code != 200 or not resp.content.startswith(b"%PDF-"):
            log.warning("workflow answered %s for form %s of %s", resp.status_code, form, code)
            raise Unavailable("Hệ thống xử lý hồ sơ tạm thời không trả lời, vui lòng thử lại sau.")
        return resp.content
