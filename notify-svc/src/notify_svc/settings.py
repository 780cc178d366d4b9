from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFY_", extra="ignore")

    service_name: str = "notify-svc"
    port: int = 8004
    smtp_url: str = Field(default="smtp://127.0.0.1:25", validation_alias=AliasChoices("SMTP_URL", "smtp_url"))
    sms_url: str | None = Field(default=None, validation_alias=AliasChoices("SMS_URL", "sms_url"))
    mail_from: str = "Cổng Dịch vụ công Đồng Nai <no-reply@dichvucong.dongnai.gov.vn>"
    mail_domain: str = "dichvucong.dongnai.gov.vn"
    max_attempts: int = 8
    retry_base_seconds: float = 5.0
    poll_seconds: float = 0.5
