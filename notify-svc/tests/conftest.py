from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from notify_helpers import Env, notify_settings

from devkit.testing import Stack, Tokens, reset_jetstream, running
from notify_svc.app import create_app


@pytest.fixture
async def env(stack: Stack, tokens: Tokens) -> AsyncIterator[Env]:
    await reset_jetstream(stack.nats.url)
    settings = notify_settings(stack, tokens)
    app = create_app(settings)
    async with running(app) as client:
        yield Env(client=client, app=app, stack=stack, tokens=tokens, settings=settings)
