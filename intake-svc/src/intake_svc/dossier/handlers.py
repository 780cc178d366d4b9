"""Status changes arriving from processing (workflow-svc), appended to the dossier's action log."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from contracts import CloudEvent
from contracts.workflow import DossierExtended, DossierProcessingStarted, DossierRejected, DossierResultReady
from intake_svc.dossier.service import DossierService
from intake_svc.file.storage import LocalStorage
from intake_svc.result.signing import AgencySigner
from servicekit.bus import Subscription
from vncalendar import default_calendar


def _service(session: AsyncSession) -> DossierService:
    return DossierService(session, calendar=default_calendar())


async def on_processing_started(event: CloudEvent, session: AsyncSession) -> None:
    e = DossierProcessingStarted.model_validate(event.data)
    await _service(session).from_workflow(
        e.code, "processing_started", at=e.at, actor_id=e.actor_id, actor_name=e.actor_name,
        data={"step": e.step}, event_id=event.id)


async def on_result_ready(event: CloudEvent, session: AsyncSession, results: ResultFiles | None = None) -> None:
    e = DossierResultReady.model_validate(event.data)
    applied = await _service(session).from_workflow(
        e.code, "result_ready", at=e.at, actor_id=e.actor_id, actor_name=e.actor_name,
        values={"completed_at": e.finished_at},
        data={"result_documents": e.result_documents, "finished_at": e.finished_at.isoformat()}, event_id=event.id)
    if not applied:
        return
    from intake_svc.result.service import ResultService

    service = ResultService(session, calendar=default_calendar(), now=e.at,
                            storage=results.storage if results else None, signer=results.signer if results else None)
    dossier = await service.dossiers.repo.by_code(e.code)
    assert dossier is not None
    if dossier.level >= 4 and dossier.return_method == "online":
        # the documents are kept (PDFs signed by the agency) for the applicant's download once fees are paid
        await service.collect(dossier, e.result_documents)
        await service.release_if_ready(dossier)


@dataclass
class ResultFiles:
    """What the result handler needs beyond the session: where files live and the agency's signing keys."""

    storage: LocalStorage | None = None
    signer: AgencySigner | None = None


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


def subscriptions(results: ResultFiles | None = None) -> list[Subscription]:
    async def result_ready(event: CloudEvent, session: AsyncSession) -> None:
        await on_result_ready(event, session, results)

    return [
        Subscription(name="intake-processing-started", event_types=[DossierProcessingStarted.event_type],
                     handler=on_processing_started),
        Subscription(name="intake-result-ready", event_types=[DossierResultReady.event_type], handler=result_ready),
        Subscription(name="intake-rejected", event_types=[DossierRejected.event_type], handler=on_rejected),
        Subscription(name="intake-extended", event_types=[DossierExtended.event_type], handler=on_extended),
    ]


SUBSCRIPTIONS = subscriptions()
