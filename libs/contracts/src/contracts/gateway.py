"""Events published by the gateway (identity)."""

from __future__ import annotations

from contracts.envelope import EventData


class UserRegistered(EventData):
    event_type = "gateway.user.registered.v1"
    description = "A citizen created an account; notify-svc sends the welcome message."

    user_id: str
    username: str
    full_name: str
    email: str | None = None
    phone: str | None = None
