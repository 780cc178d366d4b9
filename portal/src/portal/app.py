from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from portal.account.password import router as password_router
from portal.account.routes import router as account_router
from portal.api import Api, TTLCache
from portal.catalog.routes import router as catalog_router
from portal.console import ROUTERS as CONSOLE_ROUTERS
from portal.dossier.routes import router as dossier_router
from portal.errors import PageNotFound, install_page_errors
from portal.info.routes import router as info_router
from portal.models import load_all
from portal.notification.routes import router as notification_router
from portal.settings import Settings
from portal.voice.routes import router as voice_router
from portal.web.security import PageHeaders
from servicekit.runtime import create_service_app

# every router of pages; each checks the CSRF token of every POST (portal.web.security.check_csrf)
# (the officer console's page groups are listed in portal.console)
PAGES = (catalog_router, account_router, password_router, dossier_router, notification_router, info_router,
         voice_router, *CONSOLE_ROUTERS)
FONTS = {"be-vietnam-pro-400.ttf": "BeVietnamPro-Regular.ttf", "be-vietnam-pro-700.ttf": "BeVietnamPro-Bold.ttf"}


def font_router() -> APIRouter:
    """Be Vietnam Pro from its Python wheel, served by the portal itself: no font CDN, no other origin."""
    import fontpkg_be_vietnam_pro

    files = fontpkg_be_vietnam_pro.ROOT / "files"
    router = APIRouter(include_in_schema=False)

    @router.get("/static/fonts/{name}")
    async def font(name: str) -> FileResponse:
        if name not in FONTS:
            raise PageNotFound()
        return FileResponse(files / FONTS[name], media_type="font/ttf")

    return router


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()  # type: ignore[call-arg]
    load_all()

    async def start(app: FastAPI) -> None:
        app.state.api = Api(settings.api_url, settings.api_timeout)
        app.state.cache = TTLCache(settings.catalog_cache_seconds)

    async def stop(app: FastAPI) -> None:
        await app.state.api.close()

    app = create_service_app(
        settings=settings,
        title="portal — Cổng dịch vụ công trực tuyến tỉnh Đồng Nai",
        routers=[font_router(), *PAGES],
        on_startup=[start],
        on_shutdown=[stop],
        docs=False,
    )
    app.mount("/static", StaticFiles(directory=str(resources.files("portal").joinpath("static"))), name="static")
    install_page_errors(app)
    app.add_middleware(PageHeaders)
    return app
