from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware import Middleware

from catalog_svc.agency.routes import router as agency_router
from catalog_svc.help.routes import router as help_router
from catalog_svc.loader import load_demo_on_startup
from catalog_svc.models import load_all
from catalog_svc.procedure.routes import router as procedure_router
from catalog_svc.sector.routes import router as sector_router
from catalog_svc.settings import Settings
from catalog_svc.stats import jobs as report_jobs
from catalog_svc.stats.handlers import subscriptions as stats_subscriptions
from catalog_svc.stats.routes import public_router as stats_public_router
from catalog_svc.stats.routes import router as reports_router
from catalog_svc.stats.routes import scoreboard_router
from contracts.catalog import EVENTS as CATALOG_EVENTS
from contracts.catalog import public_read
from servicekit.respcache import CacheStore, ResponseCache
from servicekit.runtime import create_service_app


async def follow_catalog_events(app: FastAPI) -> None:
    """Once the bus is connected, every replica empties its cache on each catalog event (its own and others')."""
    await app.state.bus_ready.wait()
    await app.state.response_cache.follow(app.state.nc, CATALOG_EVENTS)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()  # type: ignore[call-arg]
    load_all()
    cache = CacheStore()
    app = create_service_app(
        settings=settings,
        title="catalog-svc — Danh mục thủ tục hành chính",
        description="Thủ tục hành chính tỉnh Đồng Nai: lĩnh vực, cơ quan, thủ tục và các phiên bản, mẫu đơn, "
                    "tìm kiếm không dấu, siêu dữ liệu Dublin Core; thống kê và báo cáo định kỳ.",
        routers=[sector_router, agency_router, procedure_router, stats_public_router, reports_router,
                 scoreboard_router, help_router],
        subscriptions=stats_subscriptions(),
        on_shutdown=[report_jobs.cancel_all],
        on_startup=[load_demo_on_startup] if settings.demo else [],
        background=[report_jobs.reclaim_jobs, follow_catalog_events],
        middleware=[Middleware(ResponseCache, store=cache, cacheable=public_read)],
    )
    app.state.response_cache = cache
    return app
