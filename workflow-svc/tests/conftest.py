from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import nats
import pytest

# pytest runs in importlib mode: make this folder's helper module importable by the tests.
sys.path.insert(0, str(Path(__file__).parent))
from workflow_testkit import Env, make_settings

from devkit.testing import Stack, Tokens, reset_jetstream, running
from servicekit.bus import ensure_streams
from workflow_svc.app import create_app


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
