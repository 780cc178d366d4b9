"""What intake learns from workflow-svc about who processes a dossier and which files processing attached."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts import CloudEvent
from contracts.vocabulary import ResultDocumentRef
from contracts.workflow import DossierResultReady, DossierStepChanged, HandoffCompleted, HandoffRequested
from intake_svc.access.repository import AccessRepository
from intake_svc.dossier.repository import DossierRepository
from servicekit.bus import Subscription


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


async def _files(session: AsyncSession, code: str, documents: Sequence[ResultDocumentRef], *, step: str | None,
                 action: str | None, actor_id: str | None, at: datetime) -> None:
    """Files attached during processing (drafts, a partner's answer): those that exist here are recorded."""
    refs = {fid: str(d.get("name") or "") for d in documents if (fid := _uuid(d.get("file_id"))) is not None}
    if not refs:
        return
    dossier = await DossierRepository(session).by_code(code)
    if dossier is None:
        return
    repo = AccessRepository(session)
    known = await repo.existing_files(list(refs))
    await repo.add_process_files([
        {"dossier_id": dossier.id, "file_id": fid, "name": name or "Tệp xử lý hồ sơ", "step": step,
         "action": action, "actor_id": actor_id, "at": at} for fid, name in refs.items() if fid in known])


async def _partner(session: AsyncSession, code: str, agency: str, handoff_id: str, status: str, at: datetime,
                   *, new_handoff: bool) -> None:
    dossier = await DossierRepository(session).by_code(code)
    if dossier is not None:
        await AccessRepository(session).set_partner(dossier.id, agency, handoff_id, status, at,
                                                    new_handoff=new_handoff)


async def on_processing(event: CloudEvent, session: AsyncSession) -> None:
    """One consumer for these events, so a hand-off's request and outcome are applied in order."""
    if event.type == HandoffRequested.event_type:
        h = HandoffRequested.model_validate(event.data)
        await _partner(session, h.code, h.target_agency, h.handoff_id, "requested", h.at, new_handoff=True)
    elif event.type == HandoffCompleted.event_type:
        c = HandoffCompleted.model_validate(event.data)
        await _partner(session, c.code, c.target_agency, c.handoff_id, c.outcome, c.at, new_handoff=False)
    elif event.type == DossierStepChanged.event_type:
        s = DossierStepChanged.model_validate(event.data)
        await _files(session, s.code, s.documents, step=s.from_step, action=s.action, actor_id=s.actor_id, at=s.at)
    elif event.type == DossierResultReady.event_type:
        r = DossierResultReady.model_validate(event.data)
        await _files(session, r.code, r.result_documents, step=r.step, action="result_ready", actor_id=r.actor_id,
                     at=r.at)


def access_subscriptions() -> list[Subscription]:
    return [Subscription(
        name="intake-access",
        event_types=[HandoffRequested.event_type, HandoffCompleted.event_type, DossierStepChanged.event_type,
                     DossierResultReady.event_type],
        handler=on_processing)]
