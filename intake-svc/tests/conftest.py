from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

sys.path.insert(0, str(Path(__file__).resolve().parent))

from intake_helpers import CATALOG_MIGRATIONS, MIGRATIONS, Clock, Env

from devkit.testing import reset_jetstream, running
from intake_svc.app import create_app
from intake_svc.settings import Settings


def intake_settings(stack: Any, tokens: Any, tmp_path: Path, **kw: Any) -> Settings:
    return Settings(database_url=stack.fresh_database("intake", MIGRATIONS), nats_url=stack.nats.url,
                    auth_public_key_file=str(tokens.public_key_file), storage_dir=str(tmp_path / "files"),
                    catalog_url="http://catalog.internal", **kw)


@pytest.fixture
async def catalog_app(stack: Any, tokens: Any) -> AsyncIterator[FastAPI]:
    """The REAL catalog-svc, in-process on its own database, with its demo catalog loaded."""
    from catalog_svc.app import create_app as create_catalog
    from catalog_svc.settings import Settings as CatalogSettings

    await reset_jetstream(stack.nats.url)
    app = create_catalog(CatalogSettings(
        database_url=stack.fresh_database("catalog", CATALOG_MIGRATIONS), nats_url=stack.nats.url,
        auth_public_key_file=str(tokens.public_key_file), demo=True, run_background=False))
    async with running(app):
        yield app


@pytest.fixture
async def files_env(stack: Any, tokens: Any, tmp_path: Path) -> AsyncIterator[Env]:
    """intake-svc alone (no catalog needed) with a 4 KiB upload limit."""
    clock = Clock()
    app = create_app(intake_settings(stack, tokens, tmp_path, max_file_bytes=4096, run_background=False), clock=clock)
    async with running(app) as client:
        yield Env(client=client, app=app, clock=clock, tokens=tokens)


@pytest.fixture
def background() -> bool:
    """Whether intake-svc runs its outbox relay and consumers (NATS); a test module may override it."""
    return False


@pytest.fixture
async def env(stack: Any, tokens: Any, tmp_path: Path, catalog_app: FastAPI, background: bool) -> AsyncIterator[Env]:
    clock = Clock()
    app = create_app(intake_settings(stack, tokens, tmp_path, run_background=background),
                     catalog_transport=httpx.ASGITransport(app=catalog_app), clock=clock)
    async with running(app) as client:
        yield Env(client=client, app=app, clock=clock, tokens=tokens)
