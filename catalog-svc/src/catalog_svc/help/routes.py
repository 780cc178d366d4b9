"""Help kept by catalog editors: the FAQ (hỏi đáp) and the announcements of the portal's home page. Per-procedure
guidance is the procedure's own ``guide`` field (revisioned with the procedure)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from catalog_svc.deps import SessionDep
from catalog_svc.help.schemas import AnnouncementRead, AnnouncementWrite, FaqRead, FaqWrite
from catalog_svc.help.service import HelpService
from servicekit.auth import Principal, require_roles

router = APIRouter(prefix="/api/v1/catalog", tags=["help"])
Editor = Annotated[Principal, require_roles("catalog_editor", "admin")]


def _who(p: Principal) -> str:
    return p.full_name or p.username


@router.get("/faq", response_model=list[FaqRead])
async def list_faq(session: SessionDep, response: Response) -> list[FaqRead]:
    response.headers["Cache-Control"] = "public, max-age=60"
    return [FaqRead.model_validate(e) for e in await HelpService(session).faq()]


@router.post("/faq", status_code=201, response_model=FaqRead)
async def create_faq(body: FaqWrite, session: SessionDep, editor: Editor) -> FaqRead:
    return FaqRead.model_validate(await HelpService(session).add_faq(body, _who(editor)))


@router.put("/faq/{entry_id}", response_model=FaqRead)
async def update_faq(entry_id: uuid.UUID, body: FaqWrite, session: SessionDep, editor: Editor) -> FaqRead:
    return FaqRead.model_validate(await HelpService(session).change_faq(entry_id, body, _who(editor)))


@router.delete("/faq/{entry_id}", status_code=204)
async def delete_faq(entry_id: uuid.UUID, session: SessionDep, editor: Editor) -> Response:
    await HelpService(session).remove_faq(entry_id)
    return Response(status_code=204)


@router.get("/announcements", response_model=list[AnnouncementRead])
async def list_announcements(
    session: SessionDep, response: Response,
    all: bool = Query(False, description="every one, also past and future"),
) -> list[AnnouncementRead]:
    """The announcements shown now, newest first (``all``: every one)."""
    response.headers["Cache-Control"] = "public, max-age=60"
    return [AnnouncementRead.model_validate(a) for a in await HelpService(session).announcements(every=all)]


@router.post("/announcements", status_code=201, response_model=AnnouncementRead)
async def create_announcement(body: AnnouncementWrite, session: SessionDep, editor: Editor) -> AnnouncementRead:
    return AnnouncementRead.model_validate(await HelpService(session).announce(body, _who(editor)))


@router.delete("/announcements/{item_id}", status_code=204)
async def delete_announcement(item_id: uuid.UUID, session: SessionDep, editor: Editor) -> Response:
    await HelpService(session).withdraw(item_id)
    return Response(status_code=204)
