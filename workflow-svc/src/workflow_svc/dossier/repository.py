from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, literal, null, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from workflow_svc.dossier.models import ActionEntry, Consultation, Dossier, ExternalSystem, Handoff


class DossierRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, code: str) -> Dossier | None:
        return await self.session.get(Dossier, code)

    async def lock(self, code: str) -> Dossier | None:
        return await self.session.scalar(
            select(Dossier).where(Dossier.code == code).with_for_update().execution_options(populate_existing=True)
        )

    async def lock_many(self, codes: Sequence[str]) -> list[Dossier]:
        """Locks in code order, so replicas firing timers of the same dossiers never deadlock."""
        rows = await self.session.scalars(
            select(Dossier).where(Dossier.code.in_(sorted(codes))).order_by(Dossier.code)
            .with_for_update().execution_options(populate_existing=True)
        )
        return list(rows)

    def add(self, obj: Any) -> None:
        self.session.add(obj)

    async def flush(self) -> None:
        await self.session.flush()

    async def next_seq(self, code: str) -> int:
        current = await self.session.scalar(select(func.max(ActionEntry.seq)).where(ActionEntry.dossier_code == code))
        return (current or 0) + 1

    async def log(self, code: str) -> list[ActionEntry]:
        rows = await self.session.scalars(
            select(ActionEntry).where(ActionEntry.dossier_code == code).order_by(ActionEntry.seq)
        )
        return list(rows)

    async def handoffs(self, code: str) -> list[Handoff]:
        rows = await self.session.scalars(
            select(Handoff).where(Handoff.dossier_code == code).order_by(Handoff.requested_at)
        )
        return list(rows)

    async def handoff(self, handoff_id: str) -> Handoff | None:
        return await self.session.get(Handoff, handoff_id)

    async def is_handoff_target(self, code: str, agency: str) -> bool:
        """A hand-off to that agency is pending, in progress or done; one it refused (or recalled) is not."""
        found = await self.session.scalar(
            select(Handoff.id).where(Handoff.dossier_code == code, Handoff.target_agency == agency,
                                     Handoff.system_code.is_(None),
                                     Handoff.status.in_(("requested", "accepted", "completed"))).limit(1)
        )
        return found is not None

    async def active_system(self, agency: str) -> str | None:
        return await self.session.scalar(
            select(ExternalSystem.system_code).where(ExternalSystem.agency_code == agency, ExternalSystem.active)
            .order_by(ExternalSystem.updated_at.desc()).limit(1)
        )

    async def consultations(self, code: str) -> list[Consultation]:
        rows = await self.session.scalars(
            select(Consultation).where(Consultation.dossier_code == code).order_by(Consultation.id)
        )
        return list(rows)

    # --- task list ----------------------------------------------------------------------------------
    def _task_query(self, *, agency: str, roles: Sequence[str], officer_id: str, department: str | None,
                    assigned: str | None = None) -> Select[Any]:
        steps = select(
            Dossier.code.label("code"), Dossier.procedure_code.label("procedure_code"),
            Dossier.procedure_name.label("procedure_name"), literal("step").label("kind"),
            Dossier.step.label("step"), Dossier.assignee_id.label("assignee"),
            Dossier.step_due_at.label("step_due_at"), Dossier.due_at.label("due_at"),
            Dossier.overdue.label("overdue"),
        ).where(
            Dossier.status == "active", Dossier.step_agency == agency, Dossier.step_role.in_(list(roles)),
            Dossier.paused_at.is_(None),  # waiting on the applicant: nothing to do until the supplement
            Dossier.assignee_id == officer_id if assigned == "me" else Dossier.assignee_id.is_(None)
            if assigned == "none" else or_(Dossier.assignee_id.is_(None), Dossier.assignee_id == officer_id),
        )
        # a consultation is asked of the department, not of one officer: it is never "mine" alone
        if department is None or not ({"specialist", "leader"} & set(roles)) or assigned == "me":
            return steps
        consults = select(
            Consultation.dossier_code, Dossier.procedure_code, Dossier.procedure_name, literal("consultation"),
            literal("consultation"), null(), Consultation.due_at, Dossier.due_at, Dossier.overdue,
        ).join(Dossier, Dossier.code == Consultation.dossier_code).where(
            Consultation.status == "open", Consultation.agency_code == agency, Consultation.department == department,
            Dossier.status == "active",
        )
        return union_all(steps, consults)  # type: ignore[return-value]

    async def tasks(
        self, *, agency: str, roles: Sequence[str], officer_id: str, department: str | None, page: int, size: int,
        assigned: str | None = None,
    ) -> tuple[list[Any], int]:
        q = self._task_query(agency=agency, roles=roles, officer_id=officer_id, department=department,
                             assigned=assigned).subquery()
        total = await self.session.scalar(select(func.count()).select_from(q))
        rows = await self.session.execute(
            select(q).order_by(q.c.step_due_at.asc().nulls_last(), q.c.due_at, q.c.code)
            .offset((page - 1) * size).limit(size)
        )
        return list(rows.all()), int(total or 0)
