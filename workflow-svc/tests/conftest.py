from __future__ import annotations

from collections.abc import AsyncIterator

import nats
import pytest

from devkit.testing import Stack, Tokens, reset_jetstream, running
from servicekit.bus import ensure_streams
from workflow_svc.app import create_app
from workflow_testkit import Env, make_settings


@pytest.fixture
async def env(stack: Stack, tokens: Tokens) -> AsyncIterator[Env]:
    settings = make_settings(stack, tokens)
    await reset_jetstream(stack.nats.url)
    nc = await nats.connect(stack.nats.url)
    await ensure_streams(nc.jetstream())
    app = create_app(settings)
    try:
        async with running(app) as client:
            yield Env(client, app, settings, tokens, nc)
    finally:
        await nc.close()
