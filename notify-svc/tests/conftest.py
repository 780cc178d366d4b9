from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from devkit.testing import Stack, Tokens, reset_jetstream, running
from notify_svc.app import create_app
from notify_testkit import Env, notify_settings


@pytest.fixture
async def env(stack: Stack, tokens: Tokens) -> AsyncIterator[Env]:
    await reset_jetstream(stack.nats.url)
    settings = notify_settings(stack, tokens)
    app = create_app(settings)
    async with running(app) as client:
        yield Env(client=client, app=app, stack=stack, tokens=tokens, settings=settings)
