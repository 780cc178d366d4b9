"""Status changes arriving from processing (workflow-svc), appended to the dossier's action log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts import CloudEvent
from contracts.interop import CounterDossierReceived, StatusReported
from contracts.vocabulary import ReturnMethod, step_label
from contracts.workflow import (
    DossierExtended,
    DossierForwarded,
    DossierProcessingStarted,
    DossierRefused,
    DossierResultReady,
    DossierStepChanged,
    HandoffCompleted,
    HandoffRequested,
    SupplementRequested,
)
from intake_svc.catalog.client import CatalogClient
from intake_svc.dossier.service import DossierService
from intake_svc.file.storage import FileStorage
from intake_svc.result.signing import AgencySigner
from servicekit.bus import Subscription
from vncalendar import default_calendar


def _service(session: AsyncSession, catalog: CatalogClient | None = None) -> DossierService:
    return DossierService(session, calendar=default_calendar(), catalog=catalog)


ROLE_VI = {"reception": "bộ phận một cửa", "specialist": "chuyên viên", "leader": "lãnh đạo"}


def _transition_key(from_step: str | None, to_step: str, at: datetime) -> str:
    return f"{from_step or ''}>{to_step}@{at.isoformat()}"


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
        note=e.note,
        data={"result_documents": e.result_documents, "finished_at": e.finished_at.isoformat()}, event_id=event.id)
    if not applied:
        return
    from intake_svc.result.service import ResultService

    service = ResultService(session, calendar=default_calendar(), now=e.at,
                            storage=results.storage if results else None, signer=results.signer if results else None)
    dossier = await service.dossiers.repo.by_code(e.code)
    assert dossier is not None
    if dossier.level >= 4 and dossier.return_method == ReturnMethod.ONLINE:
        # the documents are kept (PDFs signed by the agency) for the applicant's download once fees are paid
        await service.collect(dossier, e.result_documents)
        await service.release_if_ready(dossier)


@dataclass
class ResultFiles:
    """What the result handler needs beyond the session: where files live and the agency's signing keys."""

    storage: FileStorage | None = None
    signer: AgencySigner | None = None


async def on_rejected(event: CloudEvent, session: AsyncSession) -> None:
    e = DossierRefused.model_validate(event.data)
    await _service(session).from_workflow(
        e.code, "rejected", at=e.at, actor_id=e.actor_id, actor_name=e.actor_name, note=e.reason,
        values={"completed_at": e.finished_at}, data={"finished_at": e.finished_at.isoformat()}, event_id=event.id)


async def on_extended(event: CloudEvent, session: AsyncSession) -> None:
    e = DossierExtended.model_validate(event.data)
    await _service(session).from_workflow(
        e.code, "extended", at=e.at, actor_id=e.actor_id, actor_name=e.actor_name, note=e.reason,
        values={"due_at": e.new_due_at},
        data={"old_due_at": e.old_due_at.isoformat(), "new_due_at": e.new_due_at.isoformat()}, event_id=event.id)


async def on_step_changed(event: CloudEvent, session: AsyncSession) -> None:
    e = DossierStepChanged.model_validate(event.data)
    to_step = step_label(e.to_step, e.to_step_name)
    note = f"Chuyển sang bước: {to_step}"
    if e.from_step:
        note = f"Chuyển từ bước “{step_label(e.from_step, e.from_step_name)}” sang bước “{to_step}”"
    if e.role:
        note += f" ({ROLE_VI.get(e.role, e.role)}"
        note += f", cơ quan {e.step_agency})" if e.step_agency and e.step_agency != e.agency_code else ")"
    await _service(session).from_workflow(
        e.code, "step_changed", at=e.at, actor_id=e.actor_id, actor_name=e.actor_name, note=note,
        data={"from_step": e.from_step, "to_step": e.to_step, "role": e.role, "step_agency": e.step_agency,
              "step_due_at": e.step_due_at.isoformat() if e.step_due_at else None, "workflow_action": e.action,
              "transition": _transition_key(e.from_step, e.to_step, e.at)},
        event_id=event.id)


async def on_forwarded(event: CloudEvent, session: AsyncSession) -> None:
    e = DossierForwarded.model_validate(event.data)
    note = f"Chuyển hồ sơ đến: {e.department or step_label(e.to_step, e.to_step_name)}"
    await _service(session).from_workflow(
        e.code, "forward", at=e.at, actor_id=e.actor_id, actor_name=e.actor_name, note=note,
        data={"from_step": e.from_step, "to_step": e.to_step, "department": e.department,
              "transition": _transition_key(e.from_step, e.to_step, e.at)},
        event_id=event.id)


async def on_handoff_requested(event: CloudEvent, session: AsyncSession) -> None:
    e = HandoffRequested.model_validate(event.data)
    await _service(session).from_workflow(
        e.code, "handoff_requested", at=e.at, actor_id=e.actor_id, actor_name=e.actor_name,
        note=f"Chuyển hồ sơ liên thông đến cơ quan {e.target_agency}",
        data={"target_agency": e.target_agency, "handoff_id": e.handoff_id, "step": e.step}, event_id=event.id)


async def on_handoff_completed(event: CloudEvent, session: AsyncSession) -> None:
    e = HandoffCompleted.model_validate(event.data)
    done = "đã giải quyết xong phần việc liên thông" if e.outcome == "completed" \
        else "không tiếp nhận hồ sơ liên thông"
    await _service(session).from_workflow(
        e.code, "handoff_completed", at=e.at, actor_id=e.actor_id, actor_name=e.actor_name,
        note=f"Cơ quan {e.target_agency} {done}",
        data={"target_agency": e.target_agency, "handoff_id": e.handoff_id, "outcome": e.outcome, "step": e.step},
        event_id=event.id)


async def on_supplement_requested(event: CloudEvent, session: AsyncSession) -> None:
    e = SupplementRequested.model_validate(event.data)
    await _service(session).processing_supplement_requested(
        e.code, at=e.at, actor_id=e.actor_id, actor_name=e.actor_name or e.requested_by, items=e.items,
        note=e.note, event_id=event.id)


async def on_counter_dossier(event: CloudEvent, session: AsyncSession, catalog: CatalogClient | None = None) -> None:
    e = CounterDossierReceived.model_validate(event.data)
    await _service(session, catalog).record_counter_dossier(
        code=e.dossier_code, procedure_code=e.procedure_code, agency_code=e.agency_code,
        applicant_name=e.applicant_name, received_at=e.received_at, due_at=e.due_at,
        national_status=e.national_status, event_id=event.id)


async def on_status_reported(event: CloudEvent, session: AsyncSession) -> None:
    e = StatusReported.model_validate(event.data)
    await _service(session).status_reported(
        e.dossier_code, national_status=e.national_status, at=e.at, officer=e.officer, department=e.department,
        note=e.note, new_due_at=e.new_due_at, event_id=event.id)


@dataclass
class CatalogRef:
    """The catalog client, set when the app starts (handlers are built before)."""

    client: CatalogClient | None = None


def subscriptions(results: ResultFiles | None = None, catalog: CatalogRef | None = None) -> list[Subscription]:
    async def result_ready(event: CloudEvent, session: AsyncSession) -> None:
        await on_result_ready(event, session, results)

    async def counter_dossier(event: CloudEvent, session: AsyncSession) -> None:
        await on_counter_dossier(event, session, catalog.client if catalog else None)

    return [
        Subscription(name="intake-processing-started", event_types=[DossierProcessingStarted.event_type],
                     handler=on_processing_started),
        Subscription(name="intake-result-ready", event_types=[DossierResultReady.event_type], handler=result_ready),
        Subscription(name="intake-rejected", event_types=[DossierRefused.event_type], handler=on_rejected),
        Subscription(name="intake-extended", event_types=[DossierExtended.event_type], handler=on_extended),
        Subscription(name="intake-step-changed", event_types=[DossierStepChanged.event_type], handler=on_step_changed),
        Subscription(name="intake-forwarded", event_types=[DossierForwarded.event_type], handler=on_forwarded),
        Subscription(name="intake-handoff-requested", event_types=[HandoffRequested.event_type],
                     handler=on_handoff_requested),
        Subscription(name="intake-handoff-completed", event_types=[HandoffCompleted.event_type],
                     handler=on_handoff_completed),
        Subscription(name="intake-supplement-requested", event_types=[SupplementRequested.event_type],
                     handler=on_supplement_requested),
        Subscription(name="intake-counter-dossier", event_types=[CounterDossierReceived.event_type],
                     handler=counter_dossier),
        Subscription(name="intake-status-reported", event_types=[StatusReported.event_type],
                     handler=on_status_reported),
    ]


SUBSCRIPTIONS = subscriptions()
