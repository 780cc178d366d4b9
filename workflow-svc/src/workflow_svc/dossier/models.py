from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Identity,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from servicekit.audit import chained
from workflow_svc.models import Base


class Dossier(Base):
    """The processing state of one accepted dossier, derived from its action log and cached here."""

    __tablename__ = "workflow_dossiers"
    __table_args__ = (
        # The task list: what waits at a role and agency, by step deadline.
        Index("ix_workflow_dossiers_tasks", "step_agency", "step_role", "step_due_at",
              postgresql_where=text("status = 'active'")),
        Index("ix_workflow_dossiers_agency", "agency_code"),
    )

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    procedure_code: Mapped[str] = mapped_column(String(60))
    procedure_name: Mapped[str | None] = mapped_column(String(500))
    agency_code: Mapped[str] = mapped_column(String(30))
    applicant_name: Mapped[str | None] = mapped_column(String(200))
    definition_code: Mapped[str] = mapped_column(String(60))
    definition_version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column(JSONB)  # the version it started with, kept whole
    status: Mapped[str] = mapped_column(String(20), default="active")  # active|result_ready|rejected|withdrawn
    step: Mapped[str] = mapped_column(String(50))
    step_role: Mapped[str | None] = mapped_column(String(20))
    step_agency: Mapped[str | None] = mapped_column(String(30))
    step_seq: Mapped[int] = mapped_column(Integer, default=1)
    step_entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    step_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assignee_id: Mapped[str | None] = mapped_column(String(64))
    assignee_name: Mapped[str | None] = mapped_column(String(200))
    handoff_id: Mapped[str | None] = mapped_column(String(40))  # the hand-off in progress
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    original_due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paused_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # waiting on the applicant
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    draft_documents: Mapped[list[dict[str, str]]] = mapped_column(JSONB, default=list)
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    # agencies the procedure may hand parts off to (liên thông), from intake's accepted event
    interagency: Mapped[list[str]] = mapped_column(JSONB, default=list, server_default=text("'[]'::jsonb"))
    agency_name: Mapped[str | None] = mapped_column(String(300))
    owner_id: Mapped[str | None] = mapped_column(String(64))  # the applicant's account, who may read form 04
    # requests to supplement during processing so far (more than one: the dossier counts as late)
    supplement_rounds: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # the officer a leader took the task from: told 409 (the task moved), not 403
    previous_assignee_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


@chained("workflow_action")
class ActionEntry(Base):
    """The append-only action log (a trigger forbids UPDATE and DELETE)."""

    __tablename__ = "workflow_actions"
    __table_args__ = (UniqueConstraint("dossier_code", "seq"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    dossier_code: Mapped[str] = mapped_column(String(60))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    actor_name: Mapped[str | None] = mapped_column(String(200))
    actor_role: Mapped[str | None] = mapped_column(String(20))
    actor_agency: Mapped[str | None] = mapped_column(String(30))
    actor_department: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(30))
    from_step: Mapped[str | None] = mapped_column(String(50))
    to_step: Mapped[str | None] = mapped_column(String(50))
    comment: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    assignee_id: Mapped[str | None] = mapped_column(String(64))
    target_agency: Mapped[str | None] = mapped_column(String(30))
    documents: Mapped[list[dict[str, str]]] = mapped_column(JSONB, default=list)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class Handoff(Base):
    """Liên thông (R-WF-3): requested → accepted | refused, then completed by the other agency."""

    __tablename__ = "workflow_handoffs"
    __table_args__ = (Index("ix_workflow_handoffs_target", "target_agency", "dossier_code"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    dossier_code: Mapped[str] = mapped_column(String(60), index=True)
    lead_agency: Mapped[str] = mapped_column(String(30))
    target_agency: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20))  # requested | accepted | refused | completed
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    requested_by: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    result: Mapped[str | None] = mapped_column(Text)
    documents: Mapped[list[dict[str, str]]] = mapped_column(JSONB, default=list)
    system_code: Mapped[str | None] = mapped_column(String(100))  # set: handed to the agency's one-stop system


class ExternalSystem(Base):
    """An agency's one-stop system (from interop's registered / revoked events): its dossiers go there."""

    __tablename__ = "workflow_external_systems"
    __table_args__ = (Index("ix_workflow_external_systems_agency", "agency_code", postgresql_where=text("active")),)

    system_code: Mapped[str] = mapped_column(String(100), primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Consultation(Base):
    """The lead department asks another department of its agency for an opinion (R-WF-2)."""

    __tablename__ = "workflow_consultations"
    __table_args__ = (
        Index("ix_workflow_consultations_open", "agency_code", "department", "due_at",
              postgresql_where=text("status = 'open'")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    dossier_code: Mapped[str] = mapped_column(String(60), index=True)
    agency_code: Mapped[str] = mapped_column(String(30))
    department: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | answered
    question: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    requested_by: Mapped[str | None] = mapped_column(String(200))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    opinion: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(200))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
