"""What the public pages read from the catalog API, with the rarely changing parts cached for a short while."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from portal.api import Api, ApiError, TTLCache


class CatalogPages:
    def __init__(self, api: Api, cache: TTLCache) -> None:
        self.api = api
        self.cache = cache

    async def sectors(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self.cache.get("sectors", lambda: self.api.get("/api/v1/catalog/sectors"))
        return result

    async def agencies(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self.cache.get(
            "agencies", lambda: self.api.get("/api/v1/catalog/agencies"))
        return result

    async def popular(self) -> list[dict[str, Any]]:
        """The procedures people can file fully online (level 4) first, then level 3."""

        async def load() -> list[dict[str, Any]]:
            four = await self.api.get("/api/v1/catalog/procedures", params={"level": 4, "size": 6})
            three = await self.api.get("/api/v1/catalog/procedures", params={"level": 3, "size": 6})
            return [*four["items"], *three["items"]][:8]

        result: list[dict[str, Any]] = await self.cache.get("popular", load)
        return result

    async def announcements(self) -> list[dict[str, Any]]:
        """The home page's announcements; the page shows without them when the catalog cannot answer."""
        try:
            result: list[dict[str, Any]] = await self.cache.get(
                "announcements", lambda: self.api.get("/api/v1/catalog/announcements"))
        except ApiError:
            return []
        return result

    async def search(self, params: dict[str, Any]) -> dict[str, Any]:
        key = "search:" + "&".join(f"{k}={v}" for k, v in sorted(params.items()))
        result: dict[str, Any] = await self.cache.get(
            key, lambda: self.api.get("/api/v1/catalog/procedures", params=params))
        return result

    async def procedure(self, code: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.cache.get(
            "procedure:" + code, lambda: self.api.get(f"/api/v1/catalog/procedures/{quote(code, safe='')}"))
        return result

    async def stats(self, procedure: dict[str, Any]) -> dict[str, Any] | None:
        if int(procedure["level"]) < 3:
            return None
        try:
            result: dict[str, Any] = await self.cache.get(
                "stats:" + procedure["code"],
                lambda: self.api.get(f"/api/v1/catalog/procedures/{quote(procedure['code'], safe='')}/stats"))
        except ApiError:
            return None  # the statistics are a side panel: the procedure page still shows without them
        return result

    @staticmethod
    def dublin_core(p: dict[str, Any], base_url: str) -> list[tuple[str, str]]:
        """Dublin Core elements of the procedure for the page head (the same record the metadata API gives)."""
        return [
            ("DC.title", p["name"]),
            ("DC.identifier", f"{base_url}/thu-tuc/{p['code']}"),
            ("DC.creator", p.get("agency_name") or p["agency_code"]),
            ("DC.publisher", "Ủy ban nhân dân tỉnh Đồng Nai"),
            ("DC.subject", p.get("sector_name") or p["sector_code"]),
            ("DC.description", (p.get("result") or "")[:300]),
            ("DC.date", str(p.get("effective_date") or "")),
            ("DC.type", "Thủ tục hành chính"),
            ("DC.format", "text/html"),
            ("DC.language", "vi"),
            ("DC.coverage", "Tỉnh Đồng Nai"),
            ("DC.rights", "Công khai"),
        ]
