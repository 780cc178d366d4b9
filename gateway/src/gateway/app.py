from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import aiohttp
from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

from contracts.catalog import EVENTS as CATALOG_EVENTS
from contracts.catalog import public_read
from gateway.audit import VERIFY_PATH
from gateway.audit import router as audit_router
from gateway.identity.handlers import SUBSCRIPTIONS
from gateway.identity.routes import router as identity_router
from gateway.identity.service import IdentityService
from gateway.identity.tokens import TokenIssuer
from gateway.openapi import SpecCache, fetch_specs, merge
from gateway.ops import router as ops_router
from gateway.proxy import Proxy, ReadCache, Refusal, Route, Scope
from gateway.revocation import Revocations
from gateway.settings import Settings
from gateway.throttle import LocalRate, Throttle, TooManyRequests, client_address
from servicekit.opsmetrics import Values, gauge, sample_dead_letters
from servicekit.respcache import CacheStore
from servicekit.runtime import create_service_app
from servicekit.telemetry import TelemetryMiddleware

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
SERVICE_READY = gauge("dvc.service.ready", unit="{status}",
                      description="1 when a service answers its readiness probe to the gateway, 0 when it does not.")
OWN_PATHS = ("/api/", "/interop/", "/.well-known/", "/docs", "/openapi.json", "/healthz", "/readyz", "/opsz")


SWAGGER_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}


def split_urls(value: str) -> list[str]:
    """A service's base URL, or its replicas' comma-separated."""
    return [u.strip() for u in value.split(",") if u.strip()]


async def replicas_ready(session: aiohttp.ClientSession, bases: list[str]) -> int:
    """How many of a service's replicas answer their readiness probe (200) within 2 s."""

    async def replica(base: str) -> bool:
        try:
            async with session.get(base + "/readyz", timeout=aiohttp.ClientTimeout(total=2)) as r:
                return r.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False

    return sum(await asyncio.gather(*(replica(b) for b in bases)))


def upstreams(settings: Settings) -> dict[str, str]:
    return {
        "catalog": settings.catalog_url,
        "intake": settings.intake_url,
        "workflow": settings.workflow_url,
        "notify": settings.notify_url,
        "interop": settings.interop_url,
        "portal": settings.portal_url,
    }


# counted in each replica's memory (throttle.LocalRate); the other limits are shared through PostgreSQL
PER_REPLICA_RATES = frozenset({"search", "upload"})


def rate_rule(settings: Settings, method: str, path: str) -> tuple[str, int] | None:
    """The per-address limit of a public call that can be scraped or flooded (registration is limited in its
    own route): tracking, the procedure search, uploads."""
    if method == "GET" and path.startswith("/api/v1/tracking/"):
        return "tracking", settings.rate_tracking_per_minute
    if method == "GET" and path.rstrip("/") == "/api/v1/catalog/procedures":
        return "search", settings.rate_search_per_minute
    if method == "POST" and path.rstrip("/") == "/api/v1/files":
        return "upload", settings.rate_upload_per_minute
    return None


def create_app(settings: Settings | None = None) -> Any:
    settings = settings or Settings()  # type: ignore[call-arg]
    key_file = settings.signing_key_file
    if not key_file:
        from servicekit.auth import ensure_signing_keys

        key_file = str(ensure_signing_keys(Path(settings.data_dir) / "keys")[0])
    issuer = TokenIssuer.from_pem_file(key_file, issuer=settings.auth_issuer)
    # the horizon: a token revoked longer ago than its lifetime has expired anyway
    revocations = Revocations(None, horizon=max(settings.token_ttl_seconds, 60) + 60,
                              poll=settings.revocation_poll_seconds)
    throttle_box: list[Throttle] = []
    # the catalog's public reads (the search, one procedure, the sectors), kept until the next catalog event
    catalog_reads = ReadCache("catalog", CacheStore(), public_read)
    local_rate = LocalRate()
    trusted = settings.trusted_networks

    def address_of(scope: Scope) -> str:
        peer = scope.get("client")
        xff = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-forwarded-for"), None)
        return client_address(peer[0] if peer else None, xff, trusted)

    async def guard(scope: Scope) -> Refusal | None:
        """Before proxying: a revoked token is refused here (the service behind could not know), and the
        public calls that can be flooded are counted per client address."""
        for k, v in scope["headers"]:
            if k == b"authorization":
                scheme, _, token = v.decode("latin-1").partition(" ")
                if scheme.lower() == "bearer" and revocations.refused_token(token.strip()):
                    return Refusal(401, "Phiên đăng nhập đã kết thúc (đã đăng xuất, đổi mật khẩu hoặc tài khoản bị "
                                   "khóa); vui lòng đăng nhập lại.", "unauthorized", {"WWW-Authenticate": "Bearer"})
                break
        rule = rate_rule(settings, scope["method"], scope["path"])
        if rule is None or not throttle_box:
            return None
        address = address_of(scope)
        try:
            if rule[0] in PER_REPLICA_RATES:
                local_rate.hit(rule[0], address, rule[1])
            else:
                await throttle_box[0].hit(rule[0], address, rule[1])
        except TooManyRequests as exc:
            return Refusal(429, exc.detail, exc.slug, exc.headers)
        return None

    async def follow_catalog_events(app: FastAPI) -> None:
        """Once the bus is connected, every catalog event empties the read cache (until then it is not used)."""
        if not settings.catalog_read_cache:
            return
        await app.state.bus_ready.wait()
        await catalog_reads.store.follow(app.state.nc, CATALOG_EVENTS)

    async def revocation_loop(app: FastAPI) -> None:
        await revocations.run(also=app.state.throttle.prune, also_every=max(1, int(600 / revocations.poll)))
    docs_router = APIRouter(tags=["docs"])
    spec_cache = SpecCache()

    async def services_ready(request: Request) -> dict[str, Any]:
        """Each service's readiness (``ok`` when at least one replica is ready, with ``n/m`` replicas when it
        runs several). A service down answers 503 on its own paths; the gateway itself stays in rotation, so
        this check is never worse than ``degraded``."""
        session: aiohttp.ClientSession = request.app.state.proxy.session

        async def one(name: str, bases: list[str]) -> tuple[str, str, str]:
            ready = await replicas_ready(session, bases)
            return name, "ok" if ready else "unavailable", f"{ready}/{len(bases)}"

        results = await asyncio.gather(*(one(n, split_urls(u)) for n, u in upstreams(settings).items()))
        out: dict[str, Any] = {"status": "ok" if all(s == "ok" for _, s, _ in results) else "degraded"}
        out.update({n: s for n, s, _ in results})
        if any(len(split_urls(u)) > 1 for u in upstreams(settings).values()):
            out["replicas"] = {n: r for n, _, r in results}
        return {"services": out}

    async def sample_services(app: Any) -> dict[str, Values]:
        """``dvc.service.ready`` per service behind the gateway (1 ready, 0 not): 'service down' for alerts."""
        session: aiohttp.ClientSession = app.state.proxy.session

        async def one(name: str, bases: list[str]) -> tuple[float, dict[str, str]]:
            return (1.0 if await replicas_ready(session, bases) else 0.0), {"service": name}

        values = await asyncio.gather(*(one(n, split_urls(u)) for n, u in upstreams(settings).items()))
        return {SERVICE_READY: [(1.0, {"service": "gateway"}), *values]}

    async def start(app: FastAPI) -> None:
        app.state.issuer = issuer
        app.state.throttle = Throttle(app.state.engine, settings.throttle_policy())
        throttle_box[:] = [app.state.throttle]
        revocations.engine = app.state.engine
        app.state.revocations = revocations
        app.state.audit_upstreams = upstreams(settings)
        await proxy.start()
        app.state.proxy = proxy
        async with app.state.sessionmaker() as session, session.begin():
            created = await IdentityService(session).bootstrap(
                admin_password=settings.admin_password, demo=settings.demo
            )
        for acc in created:
            log.info("account created: %s (%s) password %s", acc["username"], ",".join(acc["roles"]), acc["password"])
        await revocations.load()

    async def stop(app: FastAPI) -> None:
        await proxy.close()

    @docs_router.get("/openapi.json", include_in_schema=False)
    async def merged_openapi(request: Request) -> JSONResponse:
        cached = spec_cache.fresh()
        if cached is None:
            apis = {k: request.app.state.proxy.upstreams[k].order()[0] for k in ROUTES}
            specs = await fetch_specs(request.app.state.proxy.session, apis)
            cached = merge(app.openapi(), specs, ROUTES,
                           lambda method, path: rate_rule(settings, method, path.replace("{code}", "x")) is not None)
            if len(specs) == len(ROUTES):
                spec_cache.put(cached)
        return JSONResponse(cached)

    @docs_router.get("/docs", include_in_schema=False)
    async def swagger() -> HTMLResponse:
        # every asset from the gateway itself (the swagger-ui-bundle wheel): no other origin is contacted
        return get_swagger_ui_html(
            openapi_url="/openapi.json", title="Đồng Nai — API",
            swagger_js_url="/docs/static/swagger-ui-bundle.js", swagger_css_url="/docs/static/swagger-ui.css",
            swagger_favicon_url="/docs/static/favicon-32x32.png",
        )

    @docs_router.get("/docs/static/{name}", include_in_schema=False)
    async def swagger_asset(name: str) -> Response:
        if name not in SWAGGER_ASSETS:
            return Response(status_code=404)
        return FileResponse(Path(swagger_ui_path) / name, media_type=SWAGGER_ASSETS[name],
                            headers={"Cache-Control": "public, max-age=86400"})

    app = create_service_app(
        settings=settings,
        title="Đồng Nai online public services — gateway",
        routers=[identity_router, audit_router, docs_router, ops_router],
        subscriptions=SUBSCRIPTIONS,
        ready_checks=[services_ready],
        on_startup=[start],
        on_shutdown=[stop],
        background=[revocation_loop, follow_catalog_events],
        verifier=issuer.verifier(revocations),
        docs=False,  # the merged spec is served by ``merged_openapi`` instead
        samplers=[sample_dead_letters, sample_services],
        telemetry=False,  # the middleware wraps the proxy below: proxied requests get their spans too
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
        guard=guard,
        address_of=address_of,
        own_exact=(VERIFY_PATH,),
        read_cache=catalog_reads if settings.catalog_read_cache else None,
    )
    # outermost: the server span, duration, request id (issued here) and one access log line per request
    outer = TelemetryMiddleware(proxy, issue_request_ids=True, access_log=True)
    outer.state = app.state  # type: ignore[attr-defined]
    outer.proxy = proxy  # type: ignore[attr-defined]
    return outer
