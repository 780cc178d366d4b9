"""What anyone may fetch: the published XSDs and the platform's signing certificate."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from interop_svc.errors import NotFound
from interop_svc.platform.identity import Platform
from interop_svc.xml import SchemaNotFound, schema_bytes, schema_files

router = APIRouter(prefix="/interop/v1", tags=["interop: XML exchange"])


@router.get("/schemas/")
async def list_schemas() -> list[str]:
    return schema_files()


@router.get("/schemas/{name}.xsd", response_class=Response, responses={200: {"content": {"application/xml": {}}}})
async def get_schema(name: str) -> Response:
    try:
        return Response(schema_bytes(name), media_type="application/xml; charset=utf-8")
    except SchemaNotFound:
        raise NotFound(f"Không có lược đồ {name}.xsd.") from None


@router.get("/certificate", response_class=Response,
            responses={200: {"content": {"application/x-pem-file": {}}}})
async def get_certificate(request: Request) -> Response:
    platform: Platform = request.app.state.platform
    return Response(platform.certificate_pem, media_type="application/x-pem-file")
