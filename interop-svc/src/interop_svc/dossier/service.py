"""The read model of dossiers and its change log: what intake and workflow events tell us, and what the
one-stop systems pull."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from interop_svc.dossier.models import Dossier, DossierChange
from interop_svc.dossier.repository import DossierRepository
from interop_svc.push.repository import PushRepository

# Local statuses after which a dossier belongs to the agency's one-stop software ("handed off").
HANDED_OFF = frozenset({"accepted", "processing", "result_ready", "rejected", "returned"})
_MAX_HISTORY = 200


@dataclass(frozen=True, slots=True)
class DossierFacts:
    """What one event says about a dossier; None means "not said", never "cleared"."""

    code: str
    agency_code: str
    procedure_code: str
    at: datetime
    kind: str
    action_vi: str
    status: str | None = None
    national_status: int | None = None
    values: dict[str, Any] = field(default_factory=dict)
    officer: str | None = None
    department: str | None = None
    note: str | None = None
    hands_off: bool = False
    """True when the event itself proves the dossier was accepted (workflow only sees accepted dossiers)."""
    documents: list[dict[str, Any]] | None = None
    """The dossier's documents as intake describes them; None = not said."""
    merge_documents: bool = False
    """True: ``documents`` adds to / replaces (same file or requirement) what is known (a supplement)."""
    form_data: dict[str, Any] | None = None
    log: bool = True
    """False: fold into the read model without a feed change (what the agency's own system told us)."""
    origin_system: str | None = None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def snapshot_of(dossier: Dossier) -> dict[str, Any]:
    return {
        "code": dossier.code,
        "agency_code": dossier.agency_code,
        "procedure_code": dossier.procedure_code,
        "procedure_name": dossier.procedure_name,
        "status": dossier.status,
        "national_status": dossier.national_status,
        "step": dossier.step,
        "channel": dossier.channel,
        "applicant_name": dossier.applicant_name,
        "applicant_email": dossier.applicant_email,
        "applicant_phone": dossier.applicant_phone,
        "submitted_at": _iso(dossier.submitted_at),
        "received_at": _iso(dossier.received_at),
        "due_at": _iso(dossier.due_at),
        "completed_at": _iso(dossier.completed_at),
        "returned_at": _iso(dossier.returned_at),
        "history": list(dossier.history),
        "documents": list(dossier.documents or []),
        "form_data": dict(dossier.form_data or {}),
    }


def merge_documents(known: list[dict[str, Any]], added: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A supplement's documents replace the known ones of the same requirement (or the same file); others stay."""
    codes = {d.get("requirement_code") for d in added if d.get("requirement_code")}
    files = {d.get("file_id") for d in added if d.get("file_id")}
    kept = [d for d in known if d.get("requirement_code") not in codes and d.get("file_id") not in files]
    return [*kept, *added]


class DossierService:
    def __init__(self, session: AsyncSession) -> None:
        self.repo = DossierRepository(session)

    async def apply(self, facts: DossierFacts, event_id: str | None = None) -> DossierChange | None:
        """Fold one event into the read model; if the dossier is handed off, append a change to its agency's
        log (with the state after the event). Returns that change, if any."""
        await self.repo.lock_agency(facts.agency_code)
        dossier = await self.repo.get(facts.code, for_update=True)
        if dossier is None:
            dossier = Dossier(code=facts.code, agency_code=facts.agency_code, procedure_code=facts.procedure_code,
                              handed_off=False, history=[], documents=[], form_data={},
                              origin_system=facts.origin_system)
            self.repo.add(dossier)
        if facts.documents is not None:
            documents = [dict(d) for d in facts.documents if isinstance(d, dict)]
            dossier.documents = merge_documents(list(dossier.documents or []), documents) if facts.merge_documents \
                else documents
        if facts.form_data is not None:
            dossier.form_data = dict(facts.form_data)
        for name, value in facts.values.items():
            if value is not None:
                setattr(dossier, name, value)
        # Events of two streams may arrive out of order: an older status never overwrites a newer one.
        if facts.status is not None and (dossier.status_at is None or facts.at >= dossier.status_at):
            dossier.status, dossier.status_at = facts.status, facts.at
            if facts.national_status is not None:
                dossier.national_status = facts.national_status
        entry = {
            "at": facts.at.isoformat(),
            "status_code": facts.national_status or dossier.national_status or 1,
            "local_status": facts.status or dossier.status,
            "action": facts.action_vi,
            "officer": facts.officer,
            "department": facts.department,
            "note": facts.note,
        }
        history = sorted([*dossier.history, entry], key=lambda e: str(e["at"]))[-_MAX_HISTORY:]
        dossier.history = history
        dossier.updated_at = datetime.now(UTC)
        if not dossier.handed_off and (
            facts.hands_off or dossier.received_at is not None or dossier.status in HANDED_OFF
        ):
            dossier.handed_off = True
        if not dossier.handed_off or not facts.log:
            await self.repo.session.flush()
            return None
        seq = await self.repo.next_seq()
        change = DossierChange(seq=seq, agency_code=dossier.agency_code, dossier_code=dossier.code,
                               kind=facts.kind, event_id=event_id, snapshot=snapshot_of(dossier))
        dossier.last_change_seq = seq
        await self.repo.add_change(change)
        # Systems of the agency with a push URL get this change too (same transaction: never lost).
        await PushRepository(self.repo.session).enqueue(change)
        return change

    async def get(self, code: str) -> Dossier | None:
        return await self.repo.get(code)

    async def changes_since(self, agency_code: str, cursor: int, limit: int) -> list[DossierChange]:
        return await self.repo.changes_since(agency_code, cursor, limit)
