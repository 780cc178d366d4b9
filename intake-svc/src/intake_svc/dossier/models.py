from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from intake_svc.models import Base
from servicekit.audit import chained

# the generated search columns' expressions (migrations intake_0005 and 0006 create them the same way); the name's
# search keys are an expression, indexed by intake_0009 (search/repository.py writes it as the index does)
SEARCH_KEYS_SQL = "intake_search_keys(dossiers.applicant->>'full_name', dossiers.agency_code, dossiers.submitted_at)"
SEARCH_WORDS_SQL = "string_to_array(intake_fold(applicant->>'full_name'), ' ') || ('@' || agency_code::text)"
ID_NUMBER_SQL = "applicant->>'id_number'"
PHONE_SQL = "regexp_replace(applicant->>'phone', '^\\+84', '0')"


class Dossier(Base):
    """The cached current state of a dossier; the truth is its rows in ``dossier_actions``."""

    __tablename__ = "dossiers"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(100), unique=True)
    procedure_code: Mapped[str] = mapped_column(String(60), index=True)
    procedure_name: Mapped[str] = mapped_column(Text)
    procedure_revision: Mapped[int] = mapped_column(Integer)
    level: Mapped[int] = mapped_column(SmallInteger)
    # what the applicant applied under (documents, processing time, fees): the pinned revision
    procedure: Mapped[dict[str, Any]] = mapped_column(JSONB)
    agency_code: Mapped[str] = mapped_column(String(20), index=True)
    # None for a dossier received at an agency's counter (reported by its one-stop software)
    owner_id: Mapped[str | None] = mapped_column(String(100), index=True)
    applicant: Mapped[dict[str, Any]] = mapped_column(JSONB)
    form_data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    return_method: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20), default="online")
    status: Mapped[str] = mapped_column(String(30), index=True)
    national_status: Mapped[int] = mapped_column(SmallInteger)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    returned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    supplement_round: Mapped[int] = mapped_column(Integer, default=0)
    supplement_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # "processing" while processing (workflow) waits on the applicant; None when the desk asked (or nobody)
    supplement_stage: Mapped[str | None] = mapped_column(String(20))
    # an online dossier must be checked within 8 working hours of its arrival (Decree 45/2020)
    reception_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # the desk's first decision (accept, supplement request or refusal)
    reception_decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def reception_overdue(self, now: datetime) -> bool:
        return reception_overdue_of(self.status, self.reception_due_at, self.reception_decided_at, now)
    # office time spent waiting for the applicant's supplements: on-time statistics exclude it
    waiting_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # fees (docs/domain.md § Fees and online payment): assessed from the pinned procedure; whole VND
    fees_due: Mapped[int | None] = mapped_column(BigInteger)
    fees_paid: Mapped[int] = mapped_column(BigInteger, default=0)
    fee_lines: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    payment_pending: Mapped[bool] = mapped_column(default=False)
    # officer search (intake_0005): generated from ``applicant``, never written by the application; the words
    # (no longer indexed, intake_0009) filter the rows an agency's listing walks
    search_words: Mapped[list[str] | None] = mapped_column(ARRAY(Text), Computed(SEARCH_WORDS_SQL, persisted=True))
    applicant_id_number: Mapped[str | None] = mapped_column(Text, Computed(ID_NUMBER_SQL, persisted=True))
    applicant_phone: Mapped[str | None] = mapped_column(Text, Computed(PHONE_SQL, persisted=True))


# one row per pair of distinct words of each dossier's folded applicant name ("u+v", u < v), written by a trigger on
# ``dossiers`` in the dossier's own transaction (intake_0012), never by the application: a search by a name counts
# its matches and finds its page in a B-tree, index-only: (pair, agency_code, submitted_at, code) INCLUDE (words) in
# an agency, (pair, submitted_at, code) INCLUDE (words) in the province (intake_0013); ``words`` is the folded name
# between spaces (" nguyen van an ")
NAME_PAIRS = Table(
    "dossier_name_pairs", Base.metadata,
    Column("pair", Text, nullable=False), Column("agency_code", String(20), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False), Column("code", String(100), nullable=False),
    Column("words", Text, nullable=False),
)


def reception_overdue_of(status: str, due: datetime | None, decided: datetime | None, now: datetime) -> bool:
    """Past the reception limit: still undecided after it, or first decided after it."""
    if due is None:
        return False
    if decided is None:
        return status == "submitted" and now > due
    return decided > due


class DossierDocument(Base):
    """A file attached to a dossier for one requirement, in a given round (0 = submission)."""

    __tablename__ = "dossier_documents"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    dossier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dossiers.id"), index=True)
    requirement_code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(Text)
    file_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("files.id"), index=True)
    original: Mapped[bool] = mapped_column(default=False)
    copies: Mapped[int] = mapped_column(Integer, default=1)
    round: Mapped[int] = mapped_column(Integer, default=0)


@chained("dossier_action")
class DossierAction(Base):
    """Append-only: a trigger rejects UPDATE, DELETE and TRUNCATE on this table."""

    __tablename__ = "dossier_actions"
    __table_args__ = (Index("ix_dossier_actions_dossier_id_event_id", "dossier_id", "event_id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    dossier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dossiers.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor_id: Mapped[str | None] = mapped_column(String(100))
    actor_name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(30))
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    event_id: Mapped[str | None] = mapped_column(String(64))


class DossierCounter(Base):
    """Per agency and day the last number given; bumped in the submitting transaction."""

    __tablename__ = "dossier_counters"

    agency_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
