from __future__ import annotations

from fastapi import FastAPI

from contracts import intake, workflow
from contracts.gateway import CodeIssued, LoginThrottled, UserRegistered
from notify_svc.delivery.sender import Hook, Sender
from notify_svc.delivery.service import Planner
from notify_svc.delivery.templates import Templates
from notify_svc.notification.routes import router as notification_router
from notify_svc.settings import Settings
from servicekit.bus import Subscription
from servicekit.runtime import create_service_app

INTAKE_EVENTS = [
    intake.DossierSubmitted.event_type, intake.DossierSupplementRequested.event_type,
    intake.DossierRefused.event_type, intake.DossierAccepted.event_type, intake.DossierDelivered.event_type,
    intake.DossierSupplemented.event_type, intake.DossierWithdrawn.event_type,
    # level 4: in the same consumer, so they come after the accepted event that says how to return
    intake.PaymentRequested.event_type, intake.PaymentPaid.event_type, intake.PaymentExpired.event_type,
]
FEEDBACK_EVENTS = [intake.FeedbackAnswered.event_type, intake.FeedbackOverdue.event_type]
WORKFLOW_EVENTS = [
    workflow.DossierForwarded.event_type, workflow.DossierResultReady.event_type,
    workflow.DossierRefused.event_type, workflow.DossierExtended.event_type, workflow.TaskAssigned.event_type,
    workflow.DeadlineApproaching.event_type, workflow.DossierOverdue.event_type,
]


def subscriptions(planner: Planner) -> list[Subscription]:
    """One durable consumer per stream (``notify-<handler>``). A workflow event may overtake the intake
    event that names the applicant: its handler fails and the consumer retries it, for about 5 minutes."""
    return [
        Subscription(name="notify-welcome", event_types=[UserRegistered.event_type], handler=planner.handle),
        Subscription(name="notify-identity", event_types=[CodeIssued.event_type, LoginThrottled.event_type],
                     handler=planner.handle),
        Subscription(name="notify-intake", event_types=INTAKE_EVENTS, handler=planner.handle),
        Subscription(name="notify-feedback", event_types=FEEDBACK_EVENTS, handler=planner.handle),
        Subscription(name="notify-workflow", event_types=WORKFLOW_EVENTS, handler=planner.handle,
                     max_deliver=12, retry_delays=(0.5, 1.0, 2.0, 5.0, 15.0, 30.0, 60.0)),
    ]


def create_app(settings: Settings | None = None, *, before_send: Hook | None = None) -> FastAPI:
    settings = settings or Settings()  # type: ignore[call-arg]
    templates = Templates(directory=settings.templates_dir, languages=tuple(settings.languages),
                          timezone=settings.timezone)
    planner = Planner(settings, templates)

    async def start(app: FastAPI) -> None:
        app.state.planner = planner
        app.state.sender = Sender(app.state.sessionmaker, settings, before_send=before_send,
                                  listener=app.state.listener)

    async def stop(app: FastAPI) -> None:
        await app.state.sender.close()

    async def send_loop(app: FastAPI) -> None:
        await app.state.sender.run()

    return create_service_app(
        settings=settings, title="notify-svc — Thông báo",
        description="Thông báo cho người nộp hồ sơ và cán bộ qua thư điện tử, tin nhắn SMS và hộp thư trên ứng dụng.",
        routers=[notification_router], subscriptions=subscriptions(planner),
        on_startup=[start], on_shutdown=[stop], background=[send_loop],
    )
