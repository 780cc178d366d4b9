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


class OfficerSaved(EventData):
    event_type = "gateway.officer.saved.v1"
    description = ("An officer account was created or changed (name, roles, agency, active): the whole account "
                   "as it is now, so a consumer keeps its own list of each agency's officers (workflow: reassign).")

    user_id: str
    username: str
    full_name: str
    roles: list[str]
    agency_code: str | None = None
    department: str | None = None
    active: bool = True
