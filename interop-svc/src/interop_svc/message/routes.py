from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from interop_svc.deps import CurrentUser, SessionDep
from interop_svc.errors import TooLarge, UnsupportedMedia
from interop_svc.message.service import MessageService
from interop_svc.system.service import current_system

router = APIRouter(prefix="/interop/v1", tags=["interop: XML exchange"])
XML = "application/xml; charset=utf-8"
_XML_TYPES = ("application/xml", "text/xml")


async def read_limited(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it passes ``limit`` bytes (whatever Content-Length claims)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"Thông điệp vượt quá giới hạn {limit // (1024 * 1024)} MB.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"Thông điệp vượt quá giới hạn {limit // (1024 * 1024)} MB.")
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(
    "/messages", status_code=202, response_class=Response,
    responses={202: {"content": {"application/xml": {}}, "description": "biên nhận đã ký số"}},
    openapi_extra={"requestBody": {"required": True, "content": {"application/xml": {}}}},
)
async def post_message(request: Request, session: SessionDep, principal: CurrentUser) -> Response:
    """A signed Envelope (StatusUpdate or CounterDossier) from a registered one-stop system."""
    system = await current_system(session, principal)
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type and media_type not in _XML_TYPES and not media_type.endswith("+xml"):
        raise UnsupportedMedia("Thông điệp phải gửi với Content-Type: application/xml.")
    body = await read_limited(request, request.app.state.settings.max_message_bytes)
    answer = await MessageService(session, request.app.state.platform).receive(system, body)
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else {}
    return Response(answer.receipt, status_code=202, media_type=XML, headers=headers)
