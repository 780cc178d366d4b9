"""What officers read: a dossier (with the actions they may take), their task list, form 05, form 04."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.auth import Principal
from vncalendar import default_calendar
from workflow_svc.dossier import rules
from workflow_svc.dossier.models import Dossier
from workflow_svc.dossier.repository import DossierRepository
from workflow_svc.dossier.schemas import (
    ConsultationRead,
    ControlSheet,
    ControlSheetRow,
    DossierRead,
    HandoffRead,
    LogEntryRead,
    TaskPage,
    TaskRead,
)
from workflow_svc.dossier.state import caller_of, definition_of, situation, step_of
from workflow_svc.errors import Forbidden, NotFound
from workflow_svc.settings import Settings
from workflow_svc.timer.durations import Delay


def _parse(v: Any) -> datetime | None:
    return datetime.fromisoformat(v) if isinstance(v, str) else None


class DossierViews:
    def __init__(self, session: AsyncSession, settings: Settings) -> None:
        self.settings = settings
        self.repo = DossierRepository(session)
        self.cal = default_calendar()

    async def visible(self, code: str, p: Principal) -> Dossier:
        """The dossier, for officers of its agency or of an agency it was handed off to; 404 for anyone else."""
        d = await self.repo.get(code)
        if d is None or not p.is_officer or p.agency_code is None:
            raise NotFound("Không tìm thấy hồ sơ.")
        target = p.agency_code != d.agency_code and await self.repo.is_handoff_target(code, p.agency_code)
        if not rules.may_see(caller_of(p), is_officer=True, lead=d.agency_code, handoff_target=target):
            raise NotFound("Không tìm thấy hồ sơ.")
        return d

    async def read(self, code: str, p: Principal) -> DossierRead:
        return await self.view(await self.visible(code, p), p)

    async def view(self, d: Dossier, p: Principal) -> DossierRead:
        lead = p.agency_code == d.agency_code
        consults = await self.repo.consultations(d.code)
        handoff = await self.repo.handoff(d.handoff_id) if d.handoff_id else None
        warning_from = Delay.parse(self.settings.deadline_warning_before).before(d.due_at)
        s = situation(d, handoff, consults, warning_from)
        actions = rules.available(s, caller_of(p), datetime.now(UTC))
        handoffs = await self.repo.handoffs(d.code)
        if not lead:
            handoffs = [h for h in handoffs if h.target_agency == p.agency_code]
            consults = []
        mine = lead or d.step_agency == p.agency_code
        return DossierRead(
            code=d.code, procedure_code=d.procedure_code, agency_code=d.agency_code, status=d.status, step=d.step,
            step_name=step_of(d).name, step_role=d.step_role, step_agency=d.step_agency,
            assignee=d.assignee_id if mine else None, assignee_name=d.assignee_name if mine else None,
            step_due_at=d.step_due_at, due_at=d.due_at,
            original_due_at=d.original_due_at, received_at=d.received_at, finished_at=d.finished_at,
            overdue=d.overdue, version=d.version,
            definition={"procedure_code": d.definition_code, "version": d.definition_version},
            actions=actions,
            handoffs=[HandoffRead.model_validate(h, from_attributes=True) for h in handoffs],
            consultations=[ConsultationRead.model_validate(c, from_attributes=True) for c in consults],
            history=[LogEntryRead.model_validate(e, from_attributes=True)
                     for e in rules.visible_log(d.agency_code, await self.repo.log(d.code), p.agency_code)],
            interagency=list(d.interagency or []),
            awaiting_applicant=d.paused_at is not None, supplement_rounds=d.supplement_rounds or 0,
        )

    async def tasks(self, p: Principal, page: int, size: int, assigned: str | None = None) -> TaskPage:
        roles = rules.working_roles(caller_of(p))
        if not roles or p.agency_code is None:
            raise Forbidden("Danh sách công việc dành cho cán bộ tiếp nhận, chuyên môn hoặc lãnh đạo.")
        rows, total = await self.repo.tasks(agency=p.agency_code, roles=roles, officer_id=p.id,
                                            department=p.department, page=page, size=size, assigned=assigned)
        now = datetime.now(UTC)
        items = [
            TaskRead(code=r.code, procedure_code=r.procedure_code, procedure_name=r.procedure_name, kind=r.kind,
                     step=r.step, assignee=r.assignee, step_due_at=r.step_due_at, due_at=r.due_at,
                     overdue=bool(r.overdue) or r.due_at < now,
                     step_overdue=r.step_due_at is not None and r.step_due_at < now)
            for r in rows
        ]
        return TaskPage(items=items, total=total, page=page, size=size)

    async def control_sheet(self, code: str, p: Principal) -> ControlSheet:
        """Form 05: one row per hand-over between units (who gave, who received, when) and the result."""
        d = await self.visible(code, p)
        steps = {s.code: s for s in definition_of(d).steps}
        log = rules.visible_log(d.agency_code, await self.repo.log(code), p.agency_code)
        rows: list[ControlSheetRow] = []
        for i, e in enumerate(log):
            if e.from_step is None or e.to_step is None or e.from_step == e.to_step:
                continue
            if p.agency_code != d.agency_code and p.agency_code not in (e.data.get("from_agency"),
                                                                        e.data.get("to_agency")):
                continue
            receiver = next((x for x in log[i + 1:] if x.from_step == e.to_step and x.actor_id), None)
            step_due = _parse(e.data.get("from_step_due_at"))
            handed_at = e.at
            scheduled = _parse(e.data.get("scheduled_at"))
            if scheduled is not None and e.at - scheduled <= rules.TIMER_GRACE:
                handed_at = scheduled  # the automatic transfer fired as configured: judged at its scheduled time
            rows.append(ControlSheetRow(
                no=len(rows) + 1, at=e.at, action=e.action,
                from_unit=steps[e.from_step].name if e.from_step in steps else e.from_step,
                from_agency=e.data.get("from_agency"), given_by=e.actor_name,
                to_unit=steps[e.to_step].name if e.to_step in steps else e.to_step,
                to_agency=e.data.get("to_agency"),
                received_by=receiver.actor_name if receiver else e.data.get("assignee_name"),
                received_at=receiver.at if receiver else None, step_due_at=step_due,
                result=rules.judge(handed_at, step_due, self.cal) if step_due else None, note=e.reason or e.comment,
            ))
        result = (rules.judge(d.finished_at, d.due_at, self.cal, supplement_rounds=d.supplement_rounds or 0)
                  if d.finished_at and d.status != "withdrawn" else None)
        return ControlSheet(
            code=d.code, procedure_code=d.procedure_code, procedure_name=d.procedure_name,
            applicant_name=d.applicant_name, agency_code=d.agency_code, received_at=d.received_at, due_at=d.due_at,
            original_due_at=d.original_due_at, finished_at=d.finished_at, rows=rows, result=result,
            result_label=rules.RESULT_LABELS.get(result) if result else None,
        )

    async def form(self, code: str, form: str, p: Principal) -> bytes:
        """Form 04 (officers of the lead agency, and the dossier's owner) or 05 (officers) as a PDF."""
        if form == "04":
            return await self.apology(code, p)
        if form == "05":
            from workflow_svc.forms.form05 import render

            sheet = await self.control_sheet(code, p)
            d = await self.repo.get(code)
            return render(sheet, agency_name=d.agency_name if d is not None else None)
        raise NotFound(f"Hồ sơ không có biểu mẫu {form}.")

    async def apology(self, code: str, p: Principal) -> bytes:
        """Form 04 of the latest extension, as a PDF (Vietnamese, signed by the head of the agency)."""
        from workflow_svc.forms.form04 import render

        d = await self.repo.get(code)
        owner = d is not None and d.owner_id is not None and d.owner_id == p.id and p.has("citizen")
        if not owner:
            d = await self.visible(code, p)
        if d is None or (not owner and p.agency_code != d.agency_code):
            raise NotFound("Hồ sơ chưa có phiếu xin lỗi và hẹn lại ngày trả kết quả.")
        form = next((e.data["form_04"] for e in reversed(await self.repo.log(code))
                     if e.action == "extend" and "form_04" in e.data), None)
        if form is None:
            raise NotFound("Hồ sơ chưa có phiếu xin lỗi và hẹn lại ngày trả kết quả.")
        return render(form)
