from __future__ import annotations

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="WORKFLOW_", extra="ignore")

    service_name: str = "workflow-svc"
    port: int = 8003
    # R-INT-4: "6h" = 6 working hours on the calendar; "2s" / "500ms" / "1m" are wall-clock (tests).
    auto_forward_after: str = "6h"
    # Warning to officers before the overall deadline ("1d" = one working day before it).
    deadline_warning_before: str = "1d"
    timer_poll_interval: float = 1.0
    timer_batch: int = 100
    timer_max_attempts: int = 5
    run_timers: bool = True
    # Agencies whose processing happens in their own one-stop software (comma-separated codes), besides
    # those with a system registered through interop-svc: their dossiers are handed off to that system.
    external_agencies: str = ""
    # intake-svc, which keeps the files: asked whether a file named in an action may go with the dossier
    intake_url: str = Field(
        default="http://127.0.0.1:8002",
        validation_alias=AliasChoices("WORKFLOW_INTAKE_URL", "DVC_INTAKE_URL", "GATEWAY_INTAKE_URL", "intake_url"))
    intake_timeout: float = Field(default=5.0, gt=0)

    @property
    def external_agency_set(self) -> frozenset[str]:
        return frozenset(a.strip() for a in self.external_agencies.replace(";", ",").split(",") if a.strip())

    @field_validator("auto_forward_after", "deadline_warning_before")
    @classmethod
    def _duration(cls, value: str) -> str:
        from workflow_svc.timer.durations import Delay

        Delay.parse(value)  # fail at start-up, not when the first dossier arrives
        return value
