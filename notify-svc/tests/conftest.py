from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from notify_helpers import MIGRATIONS, Env

from notify_svc.app import create_app
from notify_svc.settings import Settings
from servicekit.testing import Stack, Tokens, reset_jetstream, running


def notify_settings(stack: Stack, tokens: Tokens, **kw: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": stack.fresh_database("notify", MIGRATIONS), "nats_url": stack.nats.url,
        "auth_public_key_file": str(tokens.public_key_file), "smtp_url": stack.smtp.url, "sms_url": stack.sms.url,
        "retry_base_seconds": 0.1, "max_backoff_seconds": 0.3, "poll_seconds": 0.05, "send_timeout_seconds": 2.0,
        "portal_url": "https://dichvucong.dongnai.gov.vn",
    }
    return Settings(**{**values, **kw})


@pytest.fixture
async def env(stack: Stack, tokens: Tokens) -> AsyncIterator[Env]:
    await reset_jetstream(stack.nats.url)
    settings = notify_settings(stack, tokens)
    app = create_app(settings)
    async with running(app) as client:
        yield Env(client=client, app=app, stack=stack, tokens=tokens, settings=settings)
