from __future__ import annotations

from pydantic import AliasChoices, Field, ValidationInfo, field_validator
from pydantic_settings import SettingsConfigDict

from contracts.vocabulary import FINAL_STEPS, VN_TZ_NAME
from servicekit.retry import Backoff
from servicekit.settings import ServiceSettings

EMAIL_INBOX = ["email", "inbox"]
ALL_CHANNELS = ["email", "sms", "inbox"]

# Which channels each applicant-facing event uses (subject to what the applicant gave): SMS only for the
# important steps. Override with NOTIFY_CHANNELS='{"<event type>": ["email", "inbox"], ...}'.
DEFAULT_CHANNELS: dict[str, list[str]] = {
    "gateway.user.registered.v1": EMAIL_INBOX,
    # identity: a one-time code on the channel the gateway chose (its event names one address); the owner told
    # of wrong passwords tried against the account
    "gateway.user.code_issued.v1": ["email", "sms"],
    "gateway.user.login_throttled.v1": EMAIL_INBOX,
    "intake.dossier.submitted.v1": ALL_CHANNELS,
    "intake.dossier.supplement_requested.v1": ALL_CHANNELS,
    "intake.dossier.refused.v1": ALL_CHANNELS,
    "intake.dossier.accepted.v1": ALL_CHANNELS,
    "intake.dossier.delivered.v1": EMAIL_INBOX,
    "workflow.dossier.forwarded.v1": EMAIL_INBOX,
    "workflow.dossier.result_ready.v1": ALL_CHANNELS,
    "workflow.dossier.refused.v1": ALL_CHANNELS,
    "workflow.dossier.extended.v1": ALL_CHANNELS,
    # level-4 online payment: SMS only for the confirmation that the money arrived
    "intake.payment.requested.v1": EMAIL_INBOX,
    "intake.payment.paid.v1": ALL_CHANNELS,
    "intake.payment.expired.v1": EMAIL_INBOX,
    # officers: in-app only
    "workflow.task.assigned.v1": ["inbox"],
    "workflow.deadline.approaching.v1": ["inbox"],
    "workflow.dossier.overdue.v1": ["inbox"],
    # feedback (phản ánh, kiến nghị): the answer to its author; an unanswered one past its deadline to the leaders
    "intake.feedback.answered.v1": EMAIL_INBOX,
    "intake.feedback.overdue.v1": ["inbox"],
}


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFY_", extra="ignore", populate_by_name=True,
                                      env_nested_delimiter="__")

    service_name: str = "notify-svc"
    port: int = 8004
    smtp_url: str = Field(default="smtp://127.0.0.1:25", validation_alias=AliasChoices("SMTP_URL", "smtp_url"))
    sms_url: str | None = Field(default=None, validation_alias=AliasChoices("SMS_URL", "sms_url"))
    mail_from: str = "Cổng Dịch vụ công Đồng Nai <no-reply@dichvucong.dongnai.gov.vn>"
    mail_domain: str = "dichvucong.dongnai.gov.vn"
    # base of the links in messages: the portal, served at the gateway's public address
    portal_url: str = Field(default="http://127.0.0.1:8000",
                            validation_alias=AliasChoices("NOTIFY_PORTAL_URL", "DVC_PUBLIC_URL", "portal_url"))
    # NOTIFY_TRACKING_URL: the public tracking page of a dossier (no personal data, no login); placeholders
    # {code} and {portal_url}, e.g. https://dichvucong.dongnai.gov.vn/tra-cuu-ho-so?ma={code}
    tracking_url: str = "{portal_url}/tra-cuu/{code}"
    # NOTIFY_DOSSIER_URL: the owner's page of a dossier (after login): supplements, payment, the result
    dossier_url: str = "{portal_url}/ho-so/{code}"
    # searched before the built-in templates: operators edit messages without a release
    templates_dir: str | None = None
    languages: list[str] = Field(default_factory=lambda: ["vi", "en"])
    timezone: str = VN_TZ_NAME
    channels: dict[str, list[str]] = Field(default_factory=lambda: {k: list(v) for k, v in DEFAULT_CHANNELS.items()})
    # forwards to these steps are announced by their own event (result ready, rejected): no second message
    silent_forward_steps: list[str] = Field(default_factory=lambda: sorted(s.value for s in FINAL_STEPS))
    # attempts and backoff of a failing delivery (NOTIFY_RETRY__MAX_ATTEMPTS, __BASE_SECONDS, __MAX_SECONDS)
    retry: Backoff = Backoff(max_attempts=8)
    # a delivery left 'sending' longer than this (a crash mid-send) is sent again with the same id
    send_lease_seconds: float = 120.0
    send_timeout_seconds: float = 10.0
    send_batch: int = 20
    # woken by a planned delivery, the sender waits this long before claiming: under load the deliveries of more
    # events go in one claim and one outcome transaction (fewer round trips per message) for a few ms of latency
    send_linger_seconds: float = 0.02
    poll_seconds: float = 0.5

    @field_validator("tracking_url", "dossier_url")
    @classmethod
    def _link_template(cls, v: str, info: ValidationInfo) -> str:
        name = f"NOTIFY_{(info.field_name or '').upper()}"
        try:
            v.format(code="X", portal_url="http://x")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"{name}: only {{code}} and {{portal_url}} may be used ({exc})") from exc
        if "{code}" not in v:
            raise ValueError(f"{name} must contain {{code}}")
        return v
