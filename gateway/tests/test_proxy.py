"""The gateway's proxy against a real upstream HTTP server (uvicorn on a loopback port)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from devkit.devstack import free_port
from devkit.testing import Stack, eventually, running, serving
from gateway.app import create_app
from gateway.settings import Settings


def upstream_app() -> FastAPI:
    app = FastAPI()

    @app.post("/api/v1/catalog/echo")
    async def echo(request: Request) -> dict[str, object]:
        digest, size = hashlib.sha256(), 0
        async for chunk in request.stream():
            digest.update(chunk)
            size += len(chunk)
        return {
            "sha256": digest.hexdigest(),
            "size": size,
            "request_id": request.headers.get("x-request-id"),
            "query": str(request.url.query),
            "auth": request.headers.get("authorization"),
        }

    @app.get("/echo")
    async def page(request: Request) -> dict[str, str]:
        return {"query": str(request.url.query)}

    @app.get("/api/v1/catalog/big")
    async def big() -> StreamingResponse:
        async def gen() -> AsyncIterator[bytes]:
            for _ in range(80):
                yield b"x" * 65536

        return StreamingResponse(gen(), media_type="application/octet-stream")

    @app.get("/cookie")
    async def cookie(request: Request, set: str = "") -> JSONResponse:
        """A portal page: what cookie it was sent; ``set`` logs the caller in (a session cookie)."""
        response = JSONResponse({"cookie": request.headers.get("cookie")})
        if set:
            response.set_cookie("dvc_session", set, httponly=True)
        return response

    @app.get("/api/v1/catalog/slow")
    async def slow() -> dict[str, str]:
        await asyncio.sleep(3)
        return {"ok": "late"}

    return app


@pytest.fixture
async def upstream() -> AsyncIterator[str]:
    async with serving(upstream_app()) as url:
        yield url


@pytest.fixture
async def proxied(gateway_settings: Settings, upstream: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = gateway_settings.model_copy(
        update={
            "catalog_url": upstream,
            "portal_url": upstream,
            "intake_url": f"http://127.0.0.1:{free_port()}",  # nothing listens there
            "upstream_timeout": 1.0,
            "max_body_bytes": 3 * 1024 * 1024,
        }
    )
    async with running(create_app(settings)) as client:
        yield client


async def test_a_cookie_a_service_sets_goes_to_its_caller_only(gateway_settings: Settings) -> None:
    """The gateway keeps no cookies: the portal's session cookie for one citizen must never ride along with
    another's requests (services are reached by host name in production, where a client cookie jar keeps them)."""
    async with serving(upstream_app()) as url:
        by_name = url.replace("127.0.0.1", "localhost")
        settings = gateway_settings.model_copy(update={"portal_url": by_name})
        async with running(create_app(settings)) as gw:
            r = await gw.get("/cookie?set=citizen-a", cookies={"theme": "dark"})
            assert r.status_code == 200 and r.json() == {"cookie": "theme=dark"}
            assert "dvc_session=citizen-a" in r.headers["set-cookie"]  # passed on to the one who logged in
            gw.cookies.clear()
            r = await gw.get("/cookie")
            assert r.json() == {"cookie": None}
            r = await gw.get("/cookie", cookies={"dvc_session": "citizen-b"})
            assert r.json() == {"cookie": "dvc_session=citizen-b"}


async def test_streams_request_body_and_passes_headers(proxied: httpx.AsyncClient) -> None:
    async def body() -> AsyncIterator[bytes]:
        for _ in range(32):
            yield b"a" * 65536

    r = await proxied.post(
        "/api/v1/catalog/echo?q=dang%20ky",
        content=body(),
        headers={"Authorization": "Bearer abc", "X-Request-Id": "req-123"},
    )
    assert r.status_code == 200
    data = r.json()
    assert data["size"] == 32 * 65536 and data["sha256"] == hashlib.sha256(b"a" * 32 * 65536).hexdigest()
    assert data["request_id"] == "req-123" and data["query"] == "q=dang%20ky" and data["auth"] == "Bearer abc"
    assert r.headers["x-request-id"] == "req-123"
    # the gateway's security headers on proxied answers too, and one date/server pair only
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"
    assert len(r.headers.get_list("date")) <= 1 and len(r.headers.get_list("server")) <= 1


async def test_streams_large_response(proxied: httpx.AsyncClient) -> None:
    async with proxied.stream("GET", "/api/v1/catalog/big") as r:
        size = 0
        async for chunk in r.aiter_bytes():
            size += len(chunk)
    assert r.status_code == 200 and size == 80 * 65536


async def test_service_down_is_a_prompt_503_problem(proxied: httpx.AsyncClient) -> None:
    r = await asyncio.wait_for(proxied.get("/api/v1/dossiers"), timeout=5)
    assert r.status_code == 503
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["status"] == 503 and "127.0.0.1" not in r.text


async def test_slow_service_is_a_504_problem(proxied: httpx.AsyncClient) -> None:
    r = await proxied.get("/api/v1/catalog/slow")
    assert r.status_code == 504 and r.headers["content-type"] == "application/problem+json"


async def test_body_over_the_limit_is_413(proxied: httpx.AsyncClient) -> None:
    r = await proxied.post("/api/v1/catalog/echo", content=b"x" * (4 * 1024 * 1024))
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"

    async def chunked() -> AsyncIterator[bytes]:  # no Content-Length: counted while streaming
        for _ in range(80):
            yield b"y" * 65536

    r = await proxied.post("/api/v1/catalog/echo", content=chunked())
    assert r.status_code == 413


async def test_security_headers_and_unknown_paths(proxied: httpx.AsyncClient) -> None:
    r = await proxied.get("/api/v1/no/such/path")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-request-id"]


async def test_web_pages_go_to_the_portal_and_the_api_stays(proxied: httpx.AsyncClient) -> None:
    # every path outside /api/, /interop/, the docs and the probes is a web page of the portal
    r = await proxied.get("/echo?q=1")
    assert r.status_code == 200 and r.json()["query"] == "q=1"
    assert (await proxied.get("/healthz")).json() == {"status": "ok"}
    assert (await proxied.get("/.well-known/jwks.json")).json()["keys"]
    assert (await proxied.get("/api/echo")).status_code == 404  # never a page: /api/ is the API's


async def test_readyz_reports_each_service(proxied: httpx.AsyncClient) -> None:
    r = await proxied.get("/readyz")
    body = r.json()
    # intake is down: its paths answer 503, but the gateway stays in the load balancer's rotation
    assert r.status_code == 200 and body["status"] == "degraded"
    assert body["checks"]["services"]["intake"] == "unavailable"
    assert body["checks"]["services"]["status"] == "degraded"
    assert body["checks"]["database"] == "ok"
    down = await proxied.get("/api/v1/dossiers")
    assert down.status_code == 503 and down.headers["content-type"] == "application/problem+json"
    assert (await proxied.get("/api/v1/catalog/big")).status_code == 200  # the others keep serving


async def test_cors_only_for_allow_listed_origins(gateway_settings: Settings, upstream: str) -> None:
    settings = gateway_settings.model_copy(
        update={"catalog_url": upstream, "cors_origins": ["https://dichvucong.dongnai.gov.vn"]}
    )
    async with running(create_app(settings)) as client:
        pre = await client.options(
            "/api/v1/catalog/echo",
            headers={
                "Origin": "https://dichvucong.dongnai.gov.vn",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        assert pre.status_code == 204
        assert pre.headers["access-control-allow-origin"] == "https://dichvucong.dongnai.gov.vn"
        r = await client.post(
            "/api/v1/catalog/echo", content=b"{}", headers={"Origin": "https://dichvucong.dongnai.gov.vn"}
        )
        assert r.headers["access-control-allow-origin"] == "https://dichvucong.dongnai.gov.vn"
        r = await client.get("/.well-known/jwks.json", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in r.headers


def replica_app(name: str) -> FastAPI:
    app = FastAPI()

    @app.api_route("/api/v1/dossiers", methods=["GET", "POST"])
    async def dossiers(request: Request) -> dict[str, object]:
        return {"replica": name, "body": (await request.body()).decode(), "key": request.headers.get("idempotency-key")}

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ok"}

    return app


@contextlib.asynccontextmanager
async def dropping_replica() -> AsyncIterator[tuple[str, list[bytes]]]:
    """A replica that reads each request and closes the connection without answering, as one killed by
    ``kill -9`` in the middle of a request does; yields its URL and what it received."""
    received: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            received.append(await asyncio.wait_for(reader.read(65536), 2))
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", received
    finally:
        server.close()
        await server.wait_closed()


async def test_replicas_share_the_requests_and_a_refused_connection_goes_to_the_next(
    gateway_settings: Settings,
) -> None:
    async with serving(replica_app("a")) as a, serving(replica_app("b")) as b:
        dead = f"http://127.0.0.1:{free_port()}"  # a third replica that is down
        settings = gateway_settings.model_copy(update={"intake_url": f"{a},{dead},{b}"})
        async with running(create_app(settings)) as client:
            answers = [await client.get("/api/v1/dossiers") for _ in range(12)]
            assert [r.status_code for r in answers] == [200] * 12  # none lost to the dead replica
            served = [r.json()["replica"] for r in answers]
            assert served.count("a") >= 4 and served.count("b") >= 4
            ready = (await client.get("/readyz")).json()["checks"]["services"]
            assert ready["intake"] == "ok" and ready["replicas"]["intake"] == "2/3"


async def test_a_keyed_request_a_replica_drops_is_sent_once_to_another(gateway_settings: Settings) -> None:
    async with dropping_replica() as (dropper, received), serving(replica_app("b")) as b:
        settings = gateway_settings.model_copy(update={"intake_url": f"{dropper},{b}"})
        async with running(create_app(settings)) as client:
            keyed = [await client.post("/api/v1/dossiers", content=f'{{"n": {i}}}'.encode(),
                                       headers={"Idempotency-Key": f"k-{i}"}) for i in range(4)]
            assert [r.status_code for r in keyed] == [200] * 4
            assert [(r.json()["replica"], r.json()["body"], r.json()["key"]) for r in keyed] == [
                ("b", f'{{"n": {i}}}', f"k-{i}") for i in range(4)]
            assert len(received) >= 2  # the dropper did receive its turns: they were sent again
            received.clear()
            plain = [await client.post("/api/v1/dossiers", content=b"{}") for _ in range(2)]
            # a POST without a key may have taken effect: never repeated, the client hears of the failure
            assert sorted(r.status_code for r in plain) == [200, 503]
            # (the gateway's own readiness probes, for the dvc.service.ready gauge, are not proxied requests)
            assert len([r for r in received if not r.startswith(b"GET /readyz ")]) == 1


def catalog_app() -> tuple[FastAPI, dict[str, int]]:
    """The catalog's public reads, counting the calls that reach it; a PUT changes a procedure."""
    app = FastAPI()
    state = {"calls": 0, "revision": 1}

    @app.get("/api/v1/catalog/procedures/{code}")
    async def procedure(code: str) -> dict[str, object]:
        state["calls"] += 1
        return {"code": code, "revision": state["revision"]}

    @app.get("/api/v1/catalog/procedures")
    async def search(q: str = "") -> dict[str, object]:
        state["calls"] += 1
        return {"items": [], "q": q}

    @app.put("/api/v1/catalog/procedures/{code}")
    async def revise(code: str) -> dict[str, object]:
        state["revision"] += 1
        return {"code": code, "revision": state["revision"]}

    return app, state


async def test_with_its_read_cache_the_gateway_answers_the_catalogs_public_reads_until_the_next_event(
    gateway_settings: Settings, stack: Stack
) -> None:
    import nats

    app, state = catalog_app()
    async with serving(app) as url:
        settings = gateway_settings.model_copy(update={"catalog_url": url, "rate_search_per_minute": 3,
                                                       "catalog_read_cache": True})
        async with running(create_app(settings)) as gw:
            path = "/api/v1/catalog/procedures/1.000894"

            async def served_from_memory() -> bool:
                before = state["calls"]
                await gw.get(path)
                await gw.get(path)
                return state["calls"] - before == 1  # once the bus is connected the second one stays here

            await eventually(served_from_memory)
            first, again = await gw.get(path), await gw.get(path)
            assert again.json() == first.json() == {"code": "1.000894", "revision": 1}
            assert again.headers["etag"] == first.headers["etag"]
            assert again.headers["cache-control"] == "public, max-age=30"
            assert again.headers["content-type"] == "application/json"
            assert again.headers["x-content-type-options"] == "nosniff" and again.headers["x-frame-options"] == "DENY"
            assert again.headers["x-request-id"] != first.headers["x-request-id"]  # each request its own
            assert len(again.headers.get_list("x-request-id")) == 1
            unchanged = await gw.get(path, headers={"If-None-Match": first.headers["etag"]})
            assert unchanged.status_code == 304 and unchanged.headers["x-request-id"]
            # a write this gateway sends to the catalog empties it at once
            calls = state["calls"]
            assert (await gw.put(path, json={})).json()["revision"] == 2
            assert (await gw.get(path)).json()["revision"] == 2 and state["calls"] == calls + 1
            # a change made elsewhere (another gateway, an import) reaches every gateway as a catalog event
            state["revision"] = 3
            assert (await gw.get(path)).json()["revision"] == 2
            nc = await nats.connect(stack.nats.url)
            try:
                await nc.publish("catalog.procedure.revised.v1", b"{}")
                await nc.flush()
            finally:
                await nc.close()

            async def revised() -> bool:
                return bool((await gw.get(path)).json()["revision"] == 3)

            await eventually(revised)
            # the guard still runs first: the search limit counts answers from memory too
            search = [(await gw.get("/api/v1/catalog/procedures?q=ket%20hon")).status_code for _ in range(4)]
            assert search == [200, 200, 200, 429]
