"""The OpenAPI document tells the truth about errors: every service's spec is completed from its routes.

For each operation, from what its dependencies and parameters show:
- a bearer token (``CurrentUser``/``OptionalUser``/``require_roles``): the ``bearer`` security scheme, 401 and 403;
- ``IdempotencyDep``: the ``Idempotency-Key`` header and 409 (the key reused with another body);
- a path parameter: 404; a request body: 400 (unreadable), 413 (over the size limit), 422, and 415 for uploads;
- 422 everywhere input is read, with the problem+json schema instead of FastAPI's default one.
Every error response has the ``Problem`` schema under ``application/problem+json``. Routes add what only
they know with ``responses=errors(409, 429)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.openapi import utils as openapi_utils
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details; ``detail`` is Vietnamese, for people.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
                "required": ["loc", "msg"],
            },
        },
    },
    "additionalProperties": True,
}
DESCRIPTIONS = {
    400: "Unreadable request (malformed JSON or form)",
    401: "Missing, invalid, expired or revoked bearer token",
    403: "The caller's role or agency may not do this",
    404: "Not found, or not visible to the caller",
    409: "Conflict with the current state, or an Idempotency-Key reused with another body",
    413: "Request body over the size limit",
    415: "Media type not accepted",
    422: "Invalid input; ``errors`` names each field and the reason",
    429: "Too many requests; ``Retry-After`` tells when to try again",
    502: "A service behind the gateway answered with an error",
    503: "A service behind the gateway is unavailable",
    504: "A service behind the gateway did not answer in time",
}
BEARER = {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT (EdDSA)"}}
IDEMPOTENCY_HEADER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Any unique string (1–200 characters): the same key with the same body returns the first "
    "answer again and changes nothing; with another body, 409.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
}
RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}


def problem_response(status: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "description": DESCRIPTIONS.get(status, "Error"),
        "content": {"application/problem+json": {"schema": PROBLEM_REF}},
    }
    if status == 429:
        out["headers"] = RETRY_AFTER
    return out


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=errors(404, 409)`` on a route: those problem+json answers documented."""
    return {s: problem_response(s) for s in statuses}


def _calls(dependant: Dependant) -> Iterable[Any]:
    for d in dependant.dependencies:
        yield d.call
        yield from _calls(d)


def _traits(route: Any) -> set[str]:
    traits: set[str] = set()
    for call in _calls(route.dependant):
        name = getattr(call, "__qualname__", "")
        module = getattr(call, "__module__", "")
        if module == "servicekit.auth" and name in ("current_principal", "setup_principal"):
            traits.add("auth")
        elif module == "servicekit.auth" and name in ("optional_principal", "signed_in_or_anonymous"):
            traits.add("optional_auth")
        elif module == "servicekit.auth" and name.startswith("require_roles"):
            traits.update({"auth", "roles"})
        elif module == "servicekit.idempotency":
            traits.add("idempotency")
    return traits


def _api_routes(routes: Iterable[Any]) -> Iterable[Any]:
    """Every APIRoute as the OpenAPI generator sees it (FastAPI resolves included routers lazily)."""
    iter_contexts = getattr(routing, "iter_route_contexts", None)
    if iter_contexts is None:
        yield from (r for r in routes if isinstance(r, APIRoute))
        return
    for context in iter_contexts(list(routes)):
        route = openapi_utils._get_api_route_for_openapi(context)
        if route is not None:
            yield route


def complete(spec: dict[str, Any], routes: Iterable[Any]) -> dict[str, Any]:
    """Adds the security scheme, the Problem schema and the error answers each operation can give."""
    components = spec.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    components.setdefault("securitySchemes", {}).update(BEARER)
    by_op: dict[tuple[str, str], set[str]] = {}
    for route in _api_routes(routes):
        if route.include_in_schema:
            for method in route.methods or ():
                by_op[(route.path_format, method.lower())] = _traits(route)
    for path, item in spec.get("paths", {}).items():
        for method, op in item.items():
            if not isinstance(op, dict) or method not in ("get", "post", "put", "patch", "delete"):
                continue
            complete_operation(path, method, op, by_op.get((path, method), set()))
    return spec


def complete_operation(path: str, method: str, op: dict[str, Any], traits: set[str]) -> None:
    responses: dict[str, Any] = op.setdefault("responses", {})
    statuses: set[int] = set()
    params = op.get("parameters", [])
    if "auth" in traits:
        op["security"] = [{"bearer": []}]
        statuses |= {401, 403}
    elif "optional_auth" in traits:
        op["security"] = [{}, {"bearer": []}]
        statuses |= {401, 403}  # 403: an officer's token before the second factor is set up
    if "idempotency" in traits:
        statuses.add(409)
        if not any(p.get("in") == "header" and p.get("name", "").lower() == "idempotency-key" for p in params):
            op["parameters"] = [*params, IDEMPOTENCY_HEADER]
    if any(p.get("in") == "path" for p in params) or "{" in path:
        statuses.add(404)
    if params or "requestBody" in op:
        statuses.add(422)
    body = op.get("requestBody")
    if body is not None:
        statuses |= {400, 413}
        if "multipart/form-data" in body.get("content", {}):
            statuses.add(415)
    for status in statuses:
        key = str(status)
        if key not in responses or status == 422:
            responses[key] = problem_response(status)
        else:
            responses[key].setdefault("content", {})["application/problem+json"] = {"schema": PROBLEM_REF}
            responses[key]["content"].pop("application/json", None)


def install(app: FastAPI) -> None:
    """``app.openapi()`` returns the completed document (built once)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(title=app.title, version=app.version, description=app.description,
                               routes=app.routes)
            app.openapi_schema = complete(spec, app.routes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
