"""Synchronous reads of procedures from catalog-svc (a user is waiting), with a small TTL cache.

State never changes through this call; only ``GET /api/v1/catalog/procedures/{code}`` is used.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from formschema import FormSchema
from servicekit.problems import Unavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DocumentRequirement:
    code: str
    name: str
    copies: int
    original: bool
    required: bool


@dataclass(frozen=True)
class Procedure:
    code: str
    name: str
    level: int
    agency_code: str
    revision: int
    processing_time_value: float
    processing_time_unit: str
    documents: tuple[DocumentRequirement, ...]
    fees: tuple[dict[str, Any], ...]
    form: FormSchema | None  # parsed once per catalog read, not once per submission
    raw: dict[str, Any]
    # the agencies that carry the procedure out (where it may be filed); the first is ``agency_code``
    agencies: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Procedure:
        pt = data.get("processing_time") or {}
        return cls(
            code=str(data["code"]), name=str(data["name"]), level=int(data["level"]),
            agency_code=str(data["agency_code"]), revision=int(data.get("revision") or 1),
            processing_time_value=float(pt.get("value") or 0),
            processing_time_unit=str(pt.get("unit") or "working_days"),
            documents=tuple(
                DocumentRequirement(code=str(d["code"]), name=str(d["name"]), copies=int(d.get("copies") or 1),
                                    original=bool(d.get("original")), required=bool(d.get("required")))
                for d in data.get("documents") or ()
            ),
            fees=tuple(data.get("fees") or ()),
            # checked here, once per read: a form the catalog should never have stored makes it unreadable
            form=FormSchema.model_validate(data["form_schema"]) if data.get("form_schema") else None,
            raw=data,
            agencies=tuple(str(a) for a in data.get("agencies") or ()) or (str(data["agency_code"]),),
        )

    def snapshot(self) -> dict[str, Any]:
        """What the dossier pins: enough to compute the appointment and print the receipt later."""
        return {
            "code": self.code, "name": self.name, "level": self.level, "agency_code": self.agency_code,
            "revision": self.revision,
            "processing_time": {"value": self.processing_time_value, "unit": self.processing_time_unit},
            "documents": [d.__dict__ for d in self.documents], "fees": list(self.fees),
            # when fees are assessed: "acceptance" (default) or "submission" where the procedure says so
            "fee_timing": str(self.raw.get("fee_timing") or "acceptance"),
            # agencies the procedure hands parts off to (liên thông)
            "interagency": [str(a) for a in self.raw.get("interagency") or ()],
            # the online form of this revision: supplements are checked against it, whatever the catalog says later
            "form_schema": self.form.model_dump(mode="json") if self.form else None,
            "agencies": list(self.agencies),
        }


class CatalogClient:
    def __init__(self, base_url: str, *, ttl: float = 30.0, timeout: float = 3.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout, transport=transport)
        self._ttl = ttl
        self._cache: dict[tuple[str, int | None], tuple[float, Procedure | None]] = {}
        self._agencies: tuple[float, dict[str, str]] | None = None

    async def aclose(self) -> None:
        await self._http.aclose()

    async def agency_names(self) -> dict[str, str]:
        """Every agency's name by code (``GET /api/v1/catalog/agencies``, a plain array), cached for the TTL
        (at least a minute: agencies rarely change). Best effort: an unreachable catalog gives the last known
        names, or none, and never fails the caller."""
        now = time.monotonic()
        if self._agencies is not None and now - self._agencies[0] < max(self._ttl, 60.0):
            return self._agencies[1]
        try:
            resp = await self._http.get("/api/v1/catalog/agencies")
            resp.raise_for_status()
            names = {str(a["code"]): str(a["name"]) for a in resp.json() if a.get("code") and a.get("name")}
        except (httpx.HTTPError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("catalog agencies unavailable: %r", exc)
            return self._agencies[1] if self._agencies else {}
        self._agencies = (now, names)
        return names

    async def agency_name(self, code: str) -> str | None:
        return (await self.agency_names()).get(code)

    async def procedure(self, code: str, revision: int | None = None) -> Procedure | None:
        """The procedure (a given revision, or the current one); ``None`` if the catalog has no such code.

        Raises a 503 problem when the catalog cannot answer, so the caller writes nothing.
        """
        key = (code, revision)
        hit = self._cache.get(key)
        now = time.monotonic()
        if hit is not None and now - hit[0] < self._ttl:
            return hit[1]
        params = {"revision": str(revision)} if revision is not None else None
        try:
            resp = await self._http.get(f"/api/v1/catalog/procedures/{quote(code, safe='')}", params=params)
        except httpx.HTTPError as exc:
            log.warning("catalog unreachable: %r", exc)
            raise Unavailable("Không truy cập được danh mục thủ tục, vui lòng thử lại sau.") from None
        if resp.status_code == 404:
            self._cache[key] = (now, None)
            return None
        if resp.status_code != 200:
            log.warning("catalog answered %s for %s", resp.status_code, code)
            raise Unavailable("Danh mục thủ tục tạm thời không trả lời, vui lòng thử lại sau.")
        try:
            proc = Procedure.from_json(resp.json())
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("catalog sent an unreadable procedure %s: %r", code, exc)
            raise Unavailable("Danh mục thủ tục trả về dữ liệu không đọc được.") from None
        self._cache[key] = (now, proc)
        if revision is None:
            self._cache[(code, proc.revision)] = (now, proc)
        return proc
