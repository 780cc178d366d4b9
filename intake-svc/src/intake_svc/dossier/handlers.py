"""Status changes arriving from processing (workflow-svc), appended to the dossier's action log."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from contracts import CloudEvent
from contracts.workflow import DossierExtended, DossierProcessingStarted, DossierRejected, DossierResultReady
from intake_svc.dossier.service import DossierService
from servicekit.bus import Subscription
from vncalendar import default_calendar


def _service(session: AsyncSession) -> DossierService:
    return DossierService(session, calendar=default_calendar())


async def on_processing_started(event: CloudEvent, session: AsyncSession) -> None:
    e = DossierProcessingStarted.model_validate(event.data)
    await _service(session).from_workflow(
        e.code, "processing_started", at=e.at, actor_id=e.actor_id, actor_name=e.actor_name,
        data={"step": e.step}, event_id=event.id)


async def on_result_ready(event: CloudEvent, session: AsyncSession) -> None:
    e = DossierResultReady.model_validate(event.data)
    await _service(session).from_workflow(
        e.code, "result_ready", at=e.at, actor_id=e.actor_id, actor_name=e.actor_name,
        values={"completed_at": e.finished_at},
        data={"result_documents": e.result_documents, "finished_at": e.finished_at.isoformat()}, event_id=event.id)


async def on_rejected(event: CloudEvent, session: AsyncSession) -> None:
    e = DossierRejected.model_validate(event.data)
    await _service(session).from_workflow(
        e.code, "rejected", at=e.at, actor_id=e.actor_id, actor_name=e.actor_name, note=e.reason,
        values={"completed_at": e.finished_at}, data={"finished_at": e.finished_at.isoformat()}, event_id=event.id)


async def on_extended(event: CloudEvent, session: AsyncSession) -> None:
    e = DossierExtended.model_validate(event.data)
    await _service(session).from_workflow(
        e.code, "extended", at=e.at, actor_id=e.actor_id, actor_name=e.actor_name, note=e.reason,
        values={"due_at": e.new_due_at},
        data={"old_due_at": e.old_due_at.isoformat(), "new_due_at": e.new_due_at.isoformat()}, event_id=event.id)


SUBSCRIPTIONS = [
    Subscription(name="intake-processing-started", event_types=[DossierProcessingStarted.event_type],
                 handler=on_processing_started),
    Subscription(name="intake-result-ready", event_types=[DossierResultReady.event_type], handler=on_result_ready),
    Subscription(name="intake-rejected", event_types=[DossierRejected.event_type], handler=on_rejected),
    Subscription(name="intake-extended", event_types=[DossierExtended.event_type], handler=on_extended),
]
