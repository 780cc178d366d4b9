from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INTEROP_", extra="ignore")

    service_name: str = "interop-svc"
    port: int = 8005
