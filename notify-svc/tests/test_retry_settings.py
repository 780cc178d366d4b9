"""The retry schedule of deliveries (servicekit.retry.Backoff), read from one variable per field."""

from __future__ import annotations

from datetime import timedelta

import pytest

from notify_svc.settings import Settings
from servicekit.retry import Backoff

pytestmark = pytest.mark.unit


def test_backoff_doubles_up_to_its_cap_then_gives_up() -> None:
    b = Backoff(max_attempts=4, base_seconds=5, max_seconds=12)
    assert [b.delay(n) for n in (1, 2, 3)] == [timedelta(seconds=5), timedelta(seconds=10), timedelta(seconds=12)]
    assert not b.exhausted(3) and b.exhausted(4)


def test_each_field_has_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTIFY_RETRY__MAX_ATTEMPTS", "3")
    monkeypatch.setenv("NOTIFY_RETRY__MAX_SECONDS", "60")
    retry = Settings(database_url="postgresql+asyncpg://x/y").retry
    assert (retry.max_attempts, retry.base_seconds, retry.max_seconds) == (3, 5.0, 60.0)


def test_a_schedule_that_never_waits_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTIFY_RETRY__BASE_SECONDS", "0")
    with pytest.raises(ValueError, match="base_seconds"):
        Settings(database_url="postgresql+asyncpg://x/y")
