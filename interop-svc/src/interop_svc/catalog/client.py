"""The catalog's agencies (GET {catalog_url}/api/v1/catalog/agencies: a plain JSON array of {code, name,
parent_code}), read when an admin registers a system."""

from __future__ import annotations

import httpx

from interop_svc.errors import Problem


class CatalogUnavailable(Problem):
    status, slug = 503, "catalog-unavailable"


class AgencyDirectory:
    def __init__(self, base_url: str, *, timeout: float = 5.0, transport: httpx.AsyncBaseTransport | None = None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.transport = transport

    async def agency_name(self, code: str) -> str | None:
        """The agency's name, None if the catalog has no such agency; CatalogUnavailable (503) otherwise."""
        try:
            async with httpx.AsyncClient(base_url=self.base_url, timeout=self.timeout,
                                         transport=self.transport) as client:
                response = await client.get("/api/v1/catalog/agencies")
            response.raise_for_status()
            agencies = response.json()
        except (httpx.HTTPError, ValueError):
            raise CatalogUnavailable(
                "Không kiểm tra được danh mục cơ quan (catalog-svc không phản hồi); vui lòng thử lại sau.",
            ) from None
        if not isinstance(agencies, list):
            raise CatalogUnavailable("Danh mục cơ quan trả về dữ liệu không hợp lệ; vui lòng thử lại sau.")
        for agency in agencies:
            if isinstance(agency, dict) and agency.get("code") == code:
                return str(agency.get("name") or code)
        return None
