from __future__ import annotations

import httpx
from fastapi import FastAPI
from starlette.middleware import Middleware

from interop_svc.catalog.client import AgencyDirectory
from interop_svc.dossier.handlers import SUBSCRIPTIONS
from interop_svc.dossier.routes import router as feed_router
from interop_svc.limits import BodyLimit
from interop_svc.message.routes import router as message_router
from interop_svc.metrics import sample_certificates
from interop_svc.platform.identity import Platform, load_platform_identity
from interop_svc.platform.routes import router as public_router
from interop_svc.push.routes import router as push_router
from interop_svc.push.service import push_deliveries
from interop_svc.settings import Settings
from interop_svc.system.routes import router as system_router
from interop_svc.xml import SigningIdentity
from servicekit.respcache import CacheStore, ResponseCache
from servicekit.runtime import create_service_app

PUBLISHED = "/interop/v1/"


def published(path: str) -> bool:
    """What anyone may fetch and never changes while the service runs, answered from memory once encoded: the
    platform's certificate (loaded at start) and the published XSDs."""
    return path == PUBLISHED + "certificate" or path.startswith(PUBLISHED + "schemas/")


def create_app(
    settings: Settings | None = None,
    *,
    signing_identity: SigningIdentity | None = None,
    catalog_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """``signing_identity`` lets tests skip key generation; otherwise it comes from the settings' files.
    ``catalog_transport`` lets tests reach an in-process catalog-svc."""
    settings = settings or Settings()  # type: ignore[call-arg]

    async def start(app: FastAPI) -> None:
        # Loaded once: the private key object is reused for every signature (docs/design.md § Measured choices).
        app.state.platform = Platform(signing_identity or load_platform_identity(settings), settings.organ_id)

    app = create_service_app(
        settings=settings,
        title="interop-svc — Trao đổi XML",
        description="Trao đổi dữ liệu XML có ký số với phần mềm một cửa điện tử của các cơ quan (3788/BTTTT-THH).",
        routers=[public_router, feed_router, message_router, system_router, push_router],
        subscriptions=SUBSCRIPTIONS,
        background=[push_deliveries],
        on_startup=[start],
        samplers=[sample_certificates],
        middleware=[Middleware(ResponseCache, store=CacheStore(static=True), cacheable=published,
                               cache_control="public, max-age=300")],
    )
    app.state.agencies = AgencyDirectory(settings.catalog_url, timeout=settings.catalog_timeout_seconds,
                                         transport=catalog_transport)
    app.add_middleware(BodyLimit, max_bytes=settings.max_message_bytes)
    return app
