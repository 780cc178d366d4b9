from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from catalog_svc.app import create_app
from catalog_testkit import make_settings
from devkit.testing import reset_jetstream, running


@pytest.fixture
async def client(stack: Any, tokens: Any) -> AsyncIterator[Any]:
    """The service with the demo catalog loaded (the start-up hook of demo mode)."""
    await reset_jetstream(stack.nats.url)
    app = create_app(make_settings(stack, tokens, demo=True))
    async with running(app) as c:
        c.app = app  # tests reach the database through app.state.sessionmaker
        yield c


@pytest.fixture
def editor(tokens: Any) -> dict[str, str]:
    return tokens.header(sub="ed-1", username="bientap", roles=("catalog_editor",), name="Trần Thị Biên Tập",
                         agency_code="000.00.15.H19")


@pytest.fixture
def citizen(tokens: Any) -> dict[str, str]:
    return tokens.header(roles=("citizen",))
