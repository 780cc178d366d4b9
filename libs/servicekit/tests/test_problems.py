"""problem+json for everything that goes wrong, and no dropped keep-alive connection after a 500."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from devkit.testing import serving
from servicekit.problems import install_problem_handlers


def make_app(engine: AsyncEngine) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("internal detail that must not leak: postgresql://secret@10.0.0.1")

    @app.get("/ok")
    async def ok() -> dict[str, str]:
        return {"ok": "yes"}

    @app.get("/echo/{name}")
    async def echo(name: str, q: str = "") -> dict[str, str]:
        async with engine.connect() as conn:
            value = (await conn.execute(text("SELECT CAST(:v AS text)"), {"v": name + q})).scalar_one()
        return {"value": value}

    @app.post("/store")
    async def store(body: dict[str, str]) -> dict[str, str]:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT CAST(:v AS text)"), {"v": body["name"]})
        return body

    return app


@pytest.fixture
async def base(engine: AsyncEngine) -> AsyncIterator[str]:
    async with serving(make_app(engine), log_level="critical") as url:
        yield url


async def test_a_500_is_problem_json_and_keeps_the_connection(base: str) -> None:
    connector = aiohttp.TCPConnector(limit=1)  # one connection: the second request must reuse it
    async with aiohttp.ClientSession(connector=connector) as session:
        async with session.get(base + "/boom") as r:
            body = await r.json(content_type=None)
            assert r.status == 500 and r.headers["content-type"] == "application/problem+json"
            assert "10.0.0.1" not in str(body) and "RuntimeError" not in str(body)
        for _ in range(3):
            async with session.get(base + "/ok") as r:
                assert r.status == 200


async def test_nul_in_path_query_or_body_is_a_422_not_a_500(base: str) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(base + "/echo/a%00b") as r:
            assert r.status == 422 and (await r.json(content_type=None))["errors"][0]["loc"] == ["path"]
        async with session.get(base + "/echo/ab?q=x%00y") as r:
            assert r.status == 422 and (await r.json(content_type=None))["errors"][0]["loc"] == ["query", "q"]
        async with session.post(base + "/store", json={"name": "a\u0000b"}) as r:
            assert r.status == 422 and r.headers["content-type"] == "application/problem+json"
        async with session.get(base + "/echo/dong-nai") as r:
            assert r.status == 200 and (await r.json())["value"] == "dong-nai"


async def test_concurrent_requests_with_one_idempotency_key_replay_the_first_answer(engine: AsyncEngine) -> None:
    from starlette.requests import Request

    from servicekit.db import make_sessionmaker
    from servicekit.idempotency import Idempotency

    maker = make_sessionmaker(engine)

    def request() -> Request:
        return Request(
            {
                "type": "http",
                "method": "POST",
                "path": "/api/v1/things",
                "query_string": b"",
                "headers": [(b"idempotency-key", b"k-1")],
            }
        )

    order: list[str] = []

    async def first() -> None:
        async with maker() as session, session.begin():
            idem = Idempotency(session, request(), "user-1", {"a": 1})
            assert await idem.replay() is None
            order.append("first acts")
            await asyncio.sleep(0.5)  # the second request arrives meanwhile
            idem.store(201, {"id": "thing-1"})
            order.append("first commits")

    async def second() -> bytes:
        await asyncio.sleep(0.1)
        async with maker() as session, session.begin():
            idem = Idempotency(session, request(), "user-1", {"a": 1})
            replayed = await idem.replay()  # waits for the first transaction instead of racing it
            order.append("second replays")
            assert replayed is not None and replayed.status_code == 201
            return bytes(replayed.body)

    _, body = await asyncio.gather(first(), second())
    assert body == b'{"id":"thing-1"}' and order == ["first acts", "first commits", "second replays"]
