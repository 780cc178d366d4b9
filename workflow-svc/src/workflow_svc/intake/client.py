"""Asks intake-svc, which keeps the files, whether the files an officer names in an action may go with this
dossier (intake's ``access/policy.py``, ``attachable``). The officer's own bearer token is passed on, so intake
judges that officer; nothing is cached and nothing changes through this call (a read the officer waits on)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from urllib.parse import quote

import httpx

from servicekit.problems import NotFound, Unavailable

log = logging.getLogger(__name__)


class IntakeClient:
    def __init__(self, base_url: str, *, timeout: float = 5.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout, transport=transport)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def refused_files(self, code: str, file_ids: Sequence[str], authorization: str) -> dict[str, str]:
        """Each file id that may not go with the dossier, with intake's reason; 503 when intake cannot answer."""
        try:
            resp = await self._http.post(f"/internal/v1/dossiers/{quote(code, safe='')}/attachable",
                                         json={"file_ids": list(file_ids)}, headers={"Authorization": authorization})
        except httpx.HTTPError as exc:
            log.warning("intake unreachable: %r", exc)
            raise Unavailable("Không kiểm tra được tệp đính kèm (hệ thống tiếp nhận không trả lời), "
                              "vui lòng thử lại sau.") from None
        if resp.status_code == 404:
            raise NotFound("Không tìm thấy hồ sơ.")
        if resp.status_code != 200:
            log.warning("intake answered %s checking files of %s", resp.status_code, code)
            raise Unavailable("Không kiểm tra được tệp đính kèm, vui lòng thử lại sau.")
        refused = resp.json().get("refused") or {}
        return {str(k): str(v) for k, v in refused.items()}
