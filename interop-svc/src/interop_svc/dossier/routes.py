from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from interop_svc.deps import CurrentUser, SessionDep
from interop_svc.dossier.feed import dossier_of
from interop_svc.dossier.service import DossierService
from interop_svc.errors import Invalid
from interop_svc.platform.identity import Platform
from interop_svc.system.service import current_system
from interop_svc.xml import DossierFeedPage, EnvelopeHeader, build_dossier_feed

router = APIRouter(prefix="/interop/v1", tags=["interop: XML exchange"])
XML = "application/xml; charset=utf-8"
_MAX_CURSOR = 2**63 - 1


def parse_cursor(since: str | None) -> int:
    if since is None or since == "":
        return 0
    if not since.isdigit() or len(since) > 19 or int(since) > _MAX_CURSOR:
        raise Invalid.field(("query", "since"), "Con trỏ since không hợp lệ: dùng giá trị NextCursor đã nhận.")
    return int(since)


@router.get("/dossiers", response_class=Response, responses={200: {"content": {"application/xml": {}}}})
async def pull_dossiers(
    request: Request,
    session: SessionDep,
    principal: CurrentUser,
    since: Annotated[str | None, Query(max_length=40, description="NextCursor của trang trước; trống lần đầu")] = None,
    limit: Annotated[int | None, Query(ge=1, le=500, description="số thay đổi tối đa trong một trang")] = None,
) -> Response:
    """The changes of the caller's agency after ``since``, oldest first, as one signed DossierFeed."""
    system = await current_system(session, principal)
    settings = request.app.state.settings
    cursor = parse_cursor(since)
    size = min(limit or settings.feed_page_default, settings.feed_page_max)
    changes = await DossierService(session).changes_since(system.agency_code, cursor, size + 1)
    page = changes[:size]
    next_cursor = page[-1].seq if page else cursor
    feed = DossierFeedPage(dossiers=[dossier_of(c, settings.public_url) for c in page], next_cursor=str(next_cursor),
                           has_more=len(changes) > size)
    platform: Platform = request.app.state.platform
    envelope = build_dossier_feed(EnvelopeHeader.new(platform.organ_id, system.agency_code), feed)
    # Signing a full page takes tens of milliseconds: off the event loop.
    body = await asyncio.to_thread(platform.signer.sign_to_bytes, envelope)
    return Response(body, media_type=XML, headers={"X-Next-Cursor": str(next_cursor)})
