from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import httpx
from fastapi import FastAPI

from intake_svc.catalog.client import CatalogClient
from intake_svc.dossier.handlers import SUBSCRIPTIONS
from intake_svc.dossier.routes import router as dossier_router
from intake_svc.file.routes import router as file_router
from intake_svc.file.storage import LocalStorage
from intake_svc.settings import Settings
from servicekit.runtime import create_service_app
from vncalendar import default_calendar


def utcnow() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: Settings | None = None,
    *,
    catalog_transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> FastAPI:
    """``catalog_transport`` lets tests run the real catalog app in-process; ``clock`` lets them pin time."""
    settings = settings or Settings()  # type: ignore[call-arg]

    async def start(app: FastAPI) -> None:
        app.state.storage = LocalStorage(settings.storage_dir)
        app.state.calendar = default_calendar()
        app.state.catalog = CatalogClient(settings.catalog_url, ttl=settings.catalog_cache_ttl,
                                          timeout=settings.catalog_timeout, transport=catalog_transport)

    async def stop(app: FastAPI) -> None:
        await app.state.catalog.aclose()

    app = create_service_app(
        settings=settings, title="intake-svc — Tiếp nhận hồ sơ",
        description="Hồ sơ trực tuyến: tệp đính kèm, nộp hồ sơ, tiếp nhận, bổ sung, rút hồ sơ, trả kết quả, tra cứu.",
        routers=[file_router, dossier_router], subscriptions=SUBSCRIPTIONS, on_startup=[start], on_shutdown=[stop],
    )
    app.state.clock = clock
    return app
