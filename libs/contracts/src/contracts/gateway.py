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


class CodeIssued(EventData):
    event_type = "gateway.user.code_issued.v1"
    description = ("A one-time code was made for an account (password reset, email or phone verification): "
                   "notify-svc sends it on the one channel named (email or sms), to that address only. "
                   "The code is valid until expires_at and is never kept anywhere but the message.")

    user_id: str
    username: str
    full_name: str
    purpose: str  # password_reset, verify_email, verify_phone
    channel: str  # email or sms
    email: str | None = None
    phone: str | None = None
    code: str
    expires_at: str


class LoginThrottled(EventData):
    event_type = "gateway.user.login_throttled.v1"
    description = ("Wrong passwords were tried against an account until the gateway began delaying its logins: "
                   "notify-svc tells the owner (once per burst of failures).")

    user_id: str
    username: str
    full_name: str
    email: str | None = None
    phone: str | None = None
    failures: int
    at: str
