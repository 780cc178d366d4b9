from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CATALOG_", extra="ignore")

    service_name: str = "catalog-svc"
    port: int = 8001
    demo: bool = Field(default=False, validation_alias=AliasChoices("DVC_DEMO", "CATALOG_DEMO", "demo"),
                       description="load the demo catalog (idempotently) at start-up")
    form_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, description="largest form template accepted")
    public_url: str = Field(default="http://127.0.0.1:8000",
                            validation_alias=AliasChoices("CATALOG_PUBLIC_URL", "DVC_PUBLIC_URL", "public_url"),
                            description="the platform's public (gateway) address, for links such as the "
                                        "Dublin Core identifier")
    job_lease_seconds: float = Field(default=30.0, gt=0, description="a report job's lease: its replica renews it "
                                     "every third of it; once it runs out another replica takes the job over")
    job_max_attempts: int = Field(default=3, ge=1, description="a job interrupted this many times is failed")
