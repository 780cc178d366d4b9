"""The merged OpenAPI of the gateway and every service, built on request and cached briefly."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import aiohttp

from servicekit.openapi import problem_response


async def fetch_specs(session: aiohttp.ClientSession, upstreams: dict[str, str]) -> dict[str, dict[str, Any]]:
    async def one(name: str, base: str) -> tuple[str, dict[str, Any] | None]:
        try:
            # a service builds its spec on the first request: seconds on a loaded machine
            async with session.get(base + "/openapi.json", timeout=aiohttp.ClientTimeout(total=15)) as r:
                if r.status == 200:
                    return name, await r.json()
        except (aiohttp.ClientError, TimeoutError):
            pass
        return name, None

    results = await asyncio.gather(*(one(n, u) for n, u in upstreams.items()))
    return {n: s for n, s in results if s is not None}


def merge(
    own: dict[str, Any],
    specs: dict[str, dict[str, Any]],
    routes: dict[str, list[str]],
    rate_limited: Callable[[str, str], bool] = lambda method, path: False,
) -> dict[str, Any]:
    """Keeps each service's paths that the gateway routes to it; schema name clashes get the service prefix."""
    merged = {
        **own,
        "paths": dict(own.get("paths", {})),
        "components": {
            "schemas": dict(own.get("components", {}).get("schemas", {})),
            "securitySchemes": dict(own.get("components", {}).get("securitySchemes", {})),
        },
    }
    merged["info"] = {**own.get("info", {}), "title": "Đồng Nai online public services — API"}
    for name, spec in sorted(specs.items()):
        prefixes = routes.get(name, [])
        schemas = spec.get("components", {}).get("schemas", {})
        renames = {}
        for sname, schema in schemas.items():
            existing = merged["components"]["schemas"].get(sname)
            if existing is not None and existing != schema:
                renames[sname] = f"{name}_{sname}"
        text_spec = spec
        if renames:
            raw = json.dumps(spec)
            for old, new in renames.items():
                raw = raw.replace(f'"#/components/schemas/{old}"', f'"#/components/schemas/{new}"')
            text_spec = json.loads(raw)
            schemas = {renames.get(k, k): v for k, v in text_spec.get("components", {}).get("schemas", {}).items()}
        merged["components"]["schemas"].update(schemas)
        merged["components"]["securitySchemes"].update(text_spec.get("components", {}).get("securitySchemes", {}))
        for path, item in text_spec.get("paths", {}).items():
            if any(path == p or path.startswith(p + "/") for p in prefixes):
                merged["paths"][path] = proxied(path, item, rate_limited)
    return merged


def proxied(path: str, item: dict[str, Any], rate_limited: Callable[[str, str], bool]) -> dict[str, Any]:
    """What the gateway adds to a service's operation: 429 where it limits calls per address, 413 for a body
    over its limit, 503/504 when the service is away or slow."""
    item = json.loads(json.dumps(item))
    for method, op in item.items():
        if not isinstance(op, dict) or "responses" not in op:
            continue
        extra = [503, 504]
        if rate_limited(method.upper(), path):
            extra.append(429)
        if "requestBody" in op:
            extra.append(413)
        if op.get("security"):
            extra.append(401)
        for status in extra:
            op["responses"].setdefault(str(status), problem_response(status))
    return item


class SpecCache:
    def __init__(self, ttl: float = 30.0) -> None:
        self.ttl = ttl
        self.value: dict[str, Any] | None = None
        self.at = 0.0

    def fresh(self) -> dict[str, Any] | None:
        return self.value if self.value is not None and time.monotonic() - self.at < self.ttl else None

    def put(self, value: dict[str, Any]) -> None:
        self.value, self.at = value, time.monotonic()
