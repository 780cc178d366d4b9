"""The retry schedule of an outgoing delivery that a worker sends again later (notify's emails and SMS,
interop's pushes to one-stop systems): exponential backoff, capped, then given up."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field


class Backoff(BaseModel):
    """Attempt ``n`` (1-based) that failed waits ``base_seconds * 2**(n-1)``, at most ``max_seconds``; after
    ``max_attempts`` failed attempts the delivery is given up (``failed``). In settings, one variable per
    field with ``__``: ``NOTIFY_RETRY__MAX_ATTEMPTS=12``."""

    model_config = ConfigDict(frozen=True)

    max_attempts: int = Field(default=8, ge=1)
    base_seconds: float = Field(default=5.0, gt=0)
    max_seconds: float = Field(default=3600.0, gt=0)

    def exhausted(self, attempts: int) -> bool:
        return attempts >= self.max_attempts

    def delay(self, attempts: int) -> timedelta:
        """The wait after ``attempts`` failed attempts, before the next one."""
        return timedelta(seconds=min(self.base_seconds * 2 ** max(attempts - 1, 0), self.max_seconds))
