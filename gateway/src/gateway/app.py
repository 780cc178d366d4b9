from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from gateway.identity.handlers import SUBSCRIPTIONS
from gateway.identity.routes import RateLimiter
from gateway.identity.routes import router as identity_router
from gateway.identity.service import IdentityService
from gateway.identity.tokens import TokenIssuer
from gateway.openapi import SpecCache, fetch_specs, merge
from gateway.proxy import Proxy, Route
from gateway.settings import Settings
from servicekit.runtime import create_service_app

log = logging.getLogger(__name__)

# Path prefixes of the public contract (docs/contract.md) and the service that owns each.
ROUTES: dict[str, list[str]] = {
    "catalog": ["/api/v1/catalog", "/api/v1/reports", "/api/v1/stats", "/api/v1/public/indicators"],
    "intake": ["/api/v1/files", "/api/v1/dossiers", "/api/v1/tracking", "/api/v1/payments", "/api/v1/audit",
               "/api/v1/feedback", "/api/v1/public/feedback", "/api/v1/verify"],
    "workflow": ["/api/v1/workflow"],
    "notify": ["/api/v1/notifications"],
    "interop": ["/api/v1/interop", "/interop/v1"],
}
# What the gateway answers itself; every other path that is not under /api/ or /interop/ is a web page
# and goes to the portal (docs/api.md, "Web pages").
OWN_PATHS = ("/api/", "/interop/", "/.well-known/", "/docs", "/openapi.json", "/healthz", "/readyz")


def split_urls(value: str) -> list[str]:
    """A service's base URL, or its replicas' comma-separated."""
    return [u.strip() for u in value.split(",") if u.strip()]


def upstreams(settings: Settings) -> dict[str, str]:
    return {
        "catalog": settings.catalog_url,
        "intake": settings.intake_url,
        "workflow": settings.workflow_url,
        "notify": settings.notify_url,
        "interop": settings.interop_url,
        "portal": settings.portal_url,
    }


def create_app(settings: Settings | None = None) -> Any:
    settings = settings or Settings()  # type: ignore[call-arg]
    key_file = settings.signing_key_file
    if not key_file:
        from pathlib import Path

        from servicekit.auth import ensure_signing_keys

        key_file = str(ensure_signing_keys(Path(settings.data_dir) / "keys")[0])
    issuer = TokenIssuer.from_pem_file(key_file, issuer=settings.auth_issuer)
    docs_router = APIRouter(tags=["docs"])
    spec_cache = SpecCache()

    async def services_ready(request: Request) -> dict[str, Any]:
        """Each service's readiness (``ok`` when at least one replica is ready, with ``n/m`` replicas when it
        runs several). A service down answers 503 on its own paths; the gateway itself stays in rotation, so
        this check is never worse than ``degraded``."""
        session: aiohttp.ClientSession = request.app.state.proxy.session

        async def replica(base: str) -> bool:
            try:
                async with session.get(base + "/readyz", timeout=aiohttp.ClientTimeout(total=2)) as r:
                    return r.status == 200
            except (aiohttp.ClientError, TimeoutError):
                return False

        async def one(name: str, bases: list[str]) -> tuple[str, str, str]:
            ready = sum(await asyncio.gather(*(replica(b) for b in bases)))
            return name, "ok" if ready else "unavailable", f"{ready}/{len(bases)}"

        results = await asyncio.gather(*(one(n, split_urls(u)) for n, u in upstreams(settings).items()))
        out: dict[str, Any] = {"status": "ok" if all(s == "ok" for _, s, _ in results) else "degraded"}
        out.update({n: s for n, s, _ in results})
        if any(len(split_urls(u)) > 1 for u in upstreams(settings).values()):
            out["replicas"] = {n: r for n, _, r in results}
        return {"services": out}

    async def start(app: FastAPI) -> None:
        app.state.issuer = issuer
        app.state.auth_limiter = RateLimiter(settings.auth_rate_per_minute)
        await proxy.start()
        app.state.proxy = proxy
        async with app.state.sessionmaker() as session, session.begin():
            created = await IdentityService(session).bootstrap(
                admin_password=settings.admin_password, demo=settings.demo
            )
        for acc in created:
            log.info("account created: %s (%s) password %s", acc["username"], ",".join(acc["roles"]), acc["password"])

    async def stop(app: FastAPI) -> None:
        await proxy.close()

    @docs_router.get("/openapi.json", include_in_schema=False)
    async def merged_openapi(request: Request) -> JSONResponse:
        cached = spec_cache.fresh()
        if cached is None:
            apis = {k: request.app.state.proxy.upstreams[k].order()[0] for k in ROUTES}
            specs = await fetch_specs(request.app.state.proxy.session, apis)
            cached = merge(app.openapi(), specs, ROUTES)
            if len(specs) == len(ROUTES):
                spec_cache.put(cached)
        return JSONResponse(cached)

    @docs_router.get("/docs", include_in_schema=False)
    async def swagger() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="Đồng Nai — API")

    app = create_service_app(
        settings=settings,
        title="Đồng Nai online public services — gateway",
        routers=[identity_router, docs_router],
        subscriptions=SUBSCRIPTIONS,
        ready_checks=[services_ready],
        on_startup=[start],
        on_shutdown=[stop],
        verifier=issuer.verifier(),
        docs=False,  # the merged spec is served by ``merged_openapi`` instead
    )
    proxy = Proxy(
        app,
        routes=[Route(p, svc) for svc, prefixes in ROUTES.items() for p in prefixes],
        upstreams=upstreams(settings),
        max_body=settings.max_body_bytes,
        connect_timeout=settings.upstream_connect_timeout,
        timeout=settings.upstream_timeout,
        pool_size=settings.upstream_pool_size,
        cors_origins=settings.cors_origins,
        fallback="portal",
        own_paths=OWN_PATHS,
    )
    proxy.state = app.state  # type: ignore[attr-defined]
    return proxy
