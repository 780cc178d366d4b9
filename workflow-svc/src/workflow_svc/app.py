from __future__ import annotations

import httpx
from fastapi import FastAPI

from servicekit.runtime import create_service_app
from workflow_svc.definition.routes import router as definition_router
from workflow_svc.dossier.handlers import subscriptions
from workflow_svc.dossier.routes import router as dossier_router
from workflow_svc.intake.client import IntakeClient
from workflow_svc.metrics import sample_timers
from workflow_svc.officer.handlers import subscriptions as officer_subscriptions
from workflow_svc.officer.routes import router as officer_router
from workflow_svc.settings import Settings
from workflow_svc.timer.runner import timer_loop


def create_app(settings: Settings | None = None, *, intake_transport: httpx.AsyncBaseTransport | None = None
               ) -> FastAPI:
    settings = settings or Settings()  # type: ignore[call-arg]

    async def start(app: FastAPI) -> None:
        app.state.intake = IntakeClient(settings.intake_url, timeout=settings.intake_timeout,
                                        transport=intake_transport)

    async def stop(app: FastAPI) -> None:
        await app.state.intake.aclose()

    return create_service_app(
        settings=settings,
        title="workflow-svc — Xử lý hồ sơ",
        description="Quy trình xử lý hồ sơ: định nghĩa quy trình, danh sách công việc, thao tác, hẹn giờ bền vững.",
        routers=[dossier_router, definition_router, officer_router],
        subscriptions=[*subscriptions(settings), *officer_subscriptions()],
        background=[timer_loop] if settings.run_timers else [],
        on_startup=[start], on_shutdown=[stop],
        samplers=[sample_timers],
    )
