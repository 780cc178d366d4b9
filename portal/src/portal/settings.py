from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PORTAL_", extra="ignore")

    service_name: str = "portal"
    port: int = 8006
    api_url: str = Field(
        default="http://127.0.0.1:8000",
        validation_alias=AliasChoices("PORTAL_API_URL", "DVC_PUBLIC_URL", "api_url"),
        description="the gateway the portal calls, as any other frontend does (its public REST API only)",
    )
    api_timeout: float = 30.0
    session_days: int = Field(default=7, ge=1, description="an idle session ends after this many days")
    cookie_secure: bool = Field(default=False, description="Secure cookies (behind HTTPS in production)")
    catalog_cache_seconds: float = Field(default=60.0, ge=0, description="how long sectors, agencies and the "
                                         "home page's procedures are reused before asking the catalog again")
    upload_max_bytes: int = Field(default=20 * 1024 * 1024, description="the largest file the wizard forwards")
