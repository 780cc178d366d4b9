from __future__ import annotations

from fastapi import FastAPI

from notify_svc.delivery.service import Sender, plan_deliveries
from notify_svc.settings import Settings
from servicekit.bus import Subscription
from servicekit.runtime import create_service_app

# Each event type notify-svc reacts to, with its durable consumer (``notify-<handler>``).
SUBSCRIPTIONS = [
    Subscription(name="notify-welcome", event_types=["gateway.user.registered.v1"], handler=plan_deliveries),
]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()  # type: ignore[call-arg]

    async def start(app: FastAPI) -> None:
        app.state.sender = Sender(app.state.sessionmaker, settings)

    async def stop(app: FastAPI) -> None:
        await app.state.sender.close()

    async def send_loop(app: FastAPI) -> None:
        await app.state.sender.run()

    return create_service_app(
        settings=settings, title="notify-svc — Thông báo", subscriptions=SUBSCRIPTIONS,
        on_startup=[start], on_shutdown=[stop], background=[send_loop],
    )
