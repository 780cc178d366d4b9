"""intake and workflow events folded into interop's read model of dossiers (no synchronous call to intake)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from contracts import CloudEvent
from contracts import intake as ie
from contracts import workflow as we
from contracts.vocabulary import DossierStatus, NationalStatus
from interop_svc.dossier.service import DossierFacts, DossierService
from servicekit.bus import Subscription

_INTAKE_ACTIONS: dict[str, str] = {
    ie.DossierSubmitted.event_type: "Nộp hồ sơ trực tuyến",
    ie.DossierAccepted.event_type: "Tiếp nhận hồ sơ",
    ie.DossierSupplementRequested.event_type: "Yêu cầu bổ sung hồ sơ",
    ie.DossierSupplemented.event_type: "Bổ sung hồ sơ",
    ie.DossierRefused.event_type: "Từ chối tiếp nhận",
    ie.DossierWithdrawn.event_type: "Rút hồ sơ",
    ie.DossierDelivered.event_type: "Trả kết quả",
    ie.PaymentRequested.event_type: "Yêu cầu thanh toán phí, lệ phí",
    ie.PaymentPaid.event_type: "Đã thanh toán phí, lệ phí",
}

_WORKFLOW_ACTIONS: dict[str, str] = {
    we.DossierForwarded.event_type: "Chuyển xử lý",
    we.DossierProcessingStarted.event_type: "Bắt đầu xử lý",
    we.DossierResultReady.event_type: "Có kết quả giải quyết",
    we.DossierRefused.event_type: "Không giải quyết (có văn bản nêu lý do)",
    we.DossierExtended.event_type: "Gia hạn, hẹn lại ngày trả kết quả",
}


def intake_facts(event: CloudEvent) -> DossierFacts:
    e = event.payload()
    assert isinstance(e, ie.DossierEvent)
    values: dict[str, object] = {
        "procedure_code": e.procedure_code,
        "channel": e.channel,
        "applicant_name": e.applicant_name,
        "applicant_email": e.applicant_email,
        "applicant_phone": e.applicant_phone,
    }
    note: str | None = None
    documents: list[dict[str, object]] | None = None
    form_data: dict[str, object] | None = None
    if isinstance(e, ie.DossierSubmitted):
        values |= {"procedure_name": e.procedure_name, "submitted_at": e.at}
        documents, form_data = [dict(d) for d in e.documents], dict(e.form_data)
    elif isinstance(e, ie.DossierSupplemented):
        documents, form_data = [dict(d) for d in e.documents], e.form_data
    elif isinstance(e, ie.DossierAccepted):
        values |= {"procedure_name": e.procedure_name, "received_at": e.received_at, "due_at": e.due_at}
    elif isinstance(e, ie.DossierDelivered):
        values |= {"returned_at": e.at}
        note = e.postal_tracking
    elif isinstance(e, ie.DossierSupplementRequested):
        note = "; ".join(e.missing_items) if e.missing_items else e.note
    elif isinstance(e, ie.DossierRefused | ie.DossierWithdrawn):
        note = e.reason
    return DossierFacts(
        code=e.code, agency_code=e.agency_code, procedure_code=e.procedure_code, at=e.at, kind=event.type,
        action_vi=_INTAKE_ACTIONS.get(event.type, event.type), status=e.status, national_status=e.national_status,
        values=values, note=note, documents=documents, form_data=form_data,
        merge_documents=isinstance(e, ie.DossierSupplemented),
    )


def workflow_facts(event: CloudEvent) -> DossierFacts:
    e = event.payload()
    assert isinstance(e, we.WorkflowEvent)
    status: DossierStatus | None = None
    national: NationalStatus | None = None
    values: dict[str, object] = {"step": e.step}
    note: str | None = None
    department: str | None = None
    if isinstance(e, we.DossierProcessingStarted):
        status, national = DossierStatus.PROCESSING, NationalStatus.PROCESSING
    elif isinstance(e, we.DossierResultReady):
        status, national = DossierStatus.RESULT_READY, NationalStatus.FINISHED
        values["completed_at"] = e.finished_at
    elif isinstance(e, we.DossierRefused):
        status, national, note = DossierStatus.REJECTED, NationalStatus.STOPPED, e.reason
        values["completed_at"] = e.finished_at
    elif isinstance(e, we.DossierExtended):
        values["due_at"], note = e.new_due_at, e.reason
    elif isinstance(e, we.DossierForwarded):
        values["step"], department = e.to_step, e.department
    return DossierFacts(
        code=e.code, agency_code=e.agency_code, procedure_code=e.procedure_code, at=e.at, kind=event.type,
        action_vi=_WORKFLOW_ACTIONS.get(event.type, event.type), status=status, national_status=national,
        values=values, officer=e.actor_name, department=department, note=note, hands_off=True,
    )


async def on_intake_event(event: CloudEvent, session: AsyncSession) -> None:
    await DossierService(session).apply(intake_facts(event), event_id=event.id)


async def on_workflow_event(event: CloudEvent, session: AsyncSession) -> None:
    await DossierService(session).apply(workflow_facts(event), event_id=event.id)


SUBSCRIPTIONS = [
    Subscription(name="interop-intake-dossiers", event_types=list(_INTAKE_ACTIONS), handler=on_intake_event),
    Subscription(name="interop-workflow-dossiers", event_types=list(_WORKFLOW_ACTIONS), handler=on_workflow_event),
]
