from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
from fastapi import FastAPI

from intake_svc.access.handlers import access_subscriptions
from intake_svc.access.routes import router as access_router
from intake_svc.audit.routes import router as audit_router
from intake_svc.catalog.client import CatalogClient
from intake_svc.dossier.handlers import CatalogRef, ResultFiles, subscriptions
from intake_svc.dossier.routes import router as dossier_router
from intake_svc.feedback.jobs import flag_overdue_feedback
from intake_svc.feedback.routes import router as feedback_router
from intake_svc.file.routes import router as file_router
from intake_svc.file.storage import open_storage
from intake_svc.metrics import sample_dossiers
from intake_svc.payment.jobs import expire_payments
from intake_svc.payment.routes import router as payment_router
from intake_svc.payment.vnpay import Gateway
from intake_svc.rating.routes import router as rating_router
from intake_svc.result.routes import router as result_router
from intake_svc.result.signing import AgencySigner
from intake_svc.search.routes import router as search_router
from intake_svc.settings import Settings
from intake_svc.verification.routes import router as verification_router
from intake_svc.workflow.client import WorkflowClient
from servicekit.runtime import create_service_app
from vncalendar import default_calendar


def utcnow() -> datetime:
    return datetime.now(UTC)


def payment_gateway(settings: Settings) -> Gateway | None:
    """Online payment is offered only when the provider is fully configured (secrets never in code)."""
    if not (settings.payment_url and settings.payment_tmn_code and settings.payment_hash_secret):
        return None
    return Gateway(pay_url=settings.payment_url, tmn_code=settings.payment_tmn_code,
                   secret=settings.payment_hash_secret, return_url=settings.payment_return_url,
                   ipn_url=settings.payment_ipn_url, public_url=settings.public_url)


def create_app(
    settings: Settings | None = None,
    *,
    catalog_transport: httpx.AsyncBaseTransport | None = None,
    workflow_transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> FastAPI:
    """``catalog_transport`` / ``workflow_transport`` let tests run the real catalog and workflow apps in-process;
    ``clock`` lets them pin time."""
    settings = settings or Settings()  # type: ignore[call-arg]
    results = ResultFiles()
    catalog_ref = CatalogRef()

    async def start(app: FastAPI) -> None:
        app.state.storage = await asyncio.to_thread(open_storage, settings)
        app.state.calendar = default_calendar()
        app.state.catalog = CatalogClient(settings.catalog_url, ttl=settings.catalog_cache_ttl,
                                          timeout=settings.catalog_timeout, transport=catalog_transport)
        app.state.workflow = WorkflowClient(settings.workflow_url, transport=workflow_transport)
        app.state.signer = AgencySigner(settings.signing_dir, generate=settings.signing_generate,
                                        public_url=settings.public_url)
        results.storage, results.signer = app.state.storage, app.state.signer
        catalog_ref.client = app.state.catalog

    async def stop(app: FastAPI) -> None:
        await app.state.catalog.aclose()
        await app.state.workflow.aclose()

    app = create_service_app(
        settings=settings, title="intake-svc — Tiếp nhận hồ sơ",
        description="Hồ sơ trực tuyến: tệp đính kèm, nộp hồ sơ, tiếp nhận, bổ sung, rút hồ sơ, phí và lệ phí "
                    "(thanh toán trực tuyến), trả kết quả (kể cả trực tuyến, có chữ ký số), tra cứu; "
                    "đánh giá mức độ hài lòng, phản ánh, kiến nghị, xác minh giấy tờ đã cấp.",
        routers=[access_router, file_router, dossier_router, payment_router, result_router, search_router, audit_router,
                 rating_router, feedback_router, verification_router],
        subscriptions=[*subscriptions(results, catalog_ref), *access_subscriptions()],
        on_startup=[start], on_shutdown=[stop], background=[expire_payments, flag_overdue_feedback],
        samplers=[sample_dossiers],
    )
    app.state.clock = clock
    app.state.gateway = payment_gateway(settings)
    return app
