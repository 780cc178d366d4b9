from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from devkit.testing import reset_jetstream, running
from intake_svc.app import create_app
from intake_testkit import CATALOG_MIGRATIONS, Clock, Env, intake_settings_for


@pytest.fixture
async def files_env(stack: Any, tokens: Any, tmp_path: Path) -> AsyncIterator[Env]:
    """intake-svc alone (no catalog needed) with a 4 KiB upload limit."""
    clock = Clock()
    app = create_app(intake_settings_for(stack, tokens, tmp_path, max_file_bytes=4096), clock=clock)
    async with running(app) as client:
        yield Env(client=client, app=app, clock=clock, tokens=tokens)


@pytest.fixture
def background() -> bool:
    """Whether intake-svc runs its outbox relay and consumers (NATS); a test module may override it."""
    return False


@pytest.fixture
async def env(stack: Any, tokens: Any, tmp_path: Path, fake_catalog_url: str, background: bool) -> AsyncIterator[Env]:
    """intake-svc reading procedures from the fake catalog over HTTP (devkit.fakecatalog)."""
    await reset_jetstream(stack.nats.url)
    clock = Clock()
    app = create_app(intake_settings_for(stack, tokens, tmp_path, run_background=background,
                                         catalog_url=fake_catalog_url), clock=clock)
    async with running(app) as client:
        yield Env(client=client, app=app, clock=clock, tokens=tokens)


@pytest.fixture
async def catalog_app(stack: Any, tokens: Any) -> AsyncIterator[FastAPI]:
    """The real catalog-svc in-process, only for test_form_data.py, which revises a procedure's form (the fake
    catalog serves fixed answers); every other intake test reads the fake catalog (``fake_catalog_url``)."""
    from catalog_svc.app import create_app as create_catalog
    from catalog_svc.settings import Settings as CatalogSettings

    app = create_catalog(CatalogSettings(
        database_url=stack.fresh_database("catalog", CATALOG_MIGRATIONS), nats_url=stack.nats.url,
        auth_public_key_file=str(tokens.public_key_file), demo=True, run_background=False))
    async with running(app):
        yield app
