"""Events published by workflow-svc (processing of accepted dossiers). Owned by workflow-svc."""

from __future__ import annotations

from datetime import datetime

from contracts.envelope import EventData
from contracts.vocabulary import ResultDocumentRef


class WorkflowEvent(EventData):
    code: str
    procedure_code: str
    agency_code: str
    at: datetime
    actor_id: str | None = None
    actor_name: str | None = None
    step: str | None = None


class DossierForwarded(WorkflowEvent):
    event_type = "workflow.dossier.forwarded.v1"
    description = "The dossier moved to another step (e.g. from the desk to the specialist department)."
    from_step: str | None = None
    to_step: str
    department: str | None = None
    from_step_name: str | None = None  # the steps' Vietnamese names in the dossier's process
    to_step_name: str | None = None


class DossierProcessingStarted(WorkflowEvent):
    event_type = "workflow.dossier.processing_started.v1"
    description = "A specialist department started processing (intake marks it 'processing')."


class DossierStepChanged(WorkflowEvent):
    event_type = "workflow.dossier.step_changed.v1"
    description = "The dossier entered another step of its process (any transition, with who holds it now)."
    from_step: str | None = None
    to_step: str
    from_step_name: str | None = None  # the steps' Vietnamese names in the dossier's process
    to_step_name: str | None = None
    role: str | None = None
    step_agency: str | None = None
    step_due_at: datetime | None = None
    action: str | None = None
    # files the action attached (drafts of the result, a partner's answer): intake lets everyone processing the
    # dossier open them; each ``{name, file_id?, sha256?, kind?}``, file ids of intake's uploads
    documents: list[ResultDocumentRef] = []


class DossierResultReady(WorkflowEvent):
    event_type = "workflow.dossier.result_ready.v1"
    description = "The leader approved the result; the reception desk can return it (R-WF-4)."
    result_documents: list[ResultDocumentRef] = []
    finished_at: datetime
    note: str | None = None


class DossierRefused(WorkflowEvent):
    event_type = "workflow.dossier.refused.v1"
    description = "Refused after processing, with reasons signed by the leader (R-WF-5)."
    reason: str
    finished_at: datetime


class DossierExtended(WorkflowEvent):
    event_type = "workflow.dossier.extended.v1"
    description = "A late dossier got a new appointment with an apology (form 04)."
    reason: str
    old_due_at: datetime
    new_due_at: datetime


class SupplementRequested(WorkflowEvent):
    event_type = "workflow.dossier.supplement_requested.v1"
    description = ("The specialist asked the applicant for more documents during processing (form 02 content): "
                   "the deadline clock stops until intake's supplemented event; the dossier then returns to the "
                   "same step and assignee.")
    items: list[str]
    note: str | None = None
    requested_by: str | None = None  # the specialist's name, for form 02
    round: int  # 1 for the first request during processing, 2 for the next, ...


class HandoffRequested(WorkflowEvent):
    event_type = "workflow.dossier.handoff_requested.v1"
    description = "The lead agency handed part of the dossier to another agency (liên thông, R-WF-3)."
    target_agency: str
    handoff_id: str


class HandoffCompleted(WorkflowEvent):
    event_type = "workflow.dossier.handoff_completed.v1"
    description = "The other agency finished its part and sent its result back."
    target_agency: str
    handoff_id: str
    outcome: str


class TaskAssigned(WorkflowEvent):
    event_type = "workflow.task.assigned.v1"
    description = "New work waits in an officer's task list (in-app notice to officers)."
    role: str
    assignee_id: str | None = None
    step_due_at: datetime | None = None


class DeadlineApproaching(WorkflowEvent):
    event_type = "workflow.deadline.approaching.v1"
    description = "The dossier's overall deadline is near (warning to officers)."
    due_at: datetime


class DossierOverdue(WorkflowEvent):
    event_type = "workflow.dossier.overdue.v1"
    description = "The dossier passed its deadline."
    due_at: datetime
