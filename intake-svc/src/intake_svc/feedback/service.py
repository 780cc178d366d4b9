"""Feedback and recommendations (phản ánh, kiến nghị): a citizen sends one about a dossier, a procedure or an
agency; it is routed to the agency concerned, answered by that agency's officers within
``INTAKE_FEEDBACK_DAYS`` working days; an unanswered one past its deadline is flagged and its agency's leaders
reminded once; the answer is announced to the citizen (notify) and, when the agency marks it public, published
without personal data."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.intake import FeedbackAnswered, FeedbackEvent, FeedbackOverdue, FeedbackReceived
from contracts.vocabulary import VN_TZ as VN
from intake_svc.catalog.client import CatalogClient
from intake_svc.dossier.repository import DossierRepository
from intake_svc.errors import Conflict, Forbidden, Invalid, NotFound, Problem
from intake_svc.feedback.models import Feedback
from intake_svc.feedback.repository import FeedbackRepository
from intake_svc.feedback.schemas import FeedbackAnswer, FeedbackCreate
from servicekit.auth import Principal
from servicekit.outbox import add_event
from vncalendar import WorkCalendar

SOURCE = "/intake-svc"
HIDDEN = "[đã ẩn]"
# what must not appear in a published text: e-mail addresses, phone numbers, CCCD/CMND and dossier codes
_PERSONAL = (
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    re.compile(r"\b\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}-\d{6}-\d{4}\b"),
    re.compile(r"(?:\+84|\b0)(?:[\s.-]?\d){9,10}\b"),
    re.compile(r"\b\d{9}(?:\d{3})?\b"),
)


def redact(text: str, names: list[str | None]) -> str:
    for pattern in _PERSONAL:
        text = pattern.sub(HIDDEN, text)
    for name in names:
        if name and len(name.strip()) >= 3:
            text = re.sub(re.escape(name.strip()), HIDDEN, text, flags=re.IGNORECASE)
    return text


class FeedbackService:
    def __init__(self, session: AsyncSession, *, calendar: WorkCalendar, days: float = 10,
                 catalog: CatalogClient | None = None, now: datetime | None = None) -> None:
        self.session = session
        self.repo = FeedbackRepository(session)
        self.calendar = calendar
        self.days = days
        self.catalog = catalog
        self.now = now or datetime.now(VN)

    async def _route(self, principal: Principal, body: FeedbackCreate) -> tuple[str, str | None, str | None]:
        """The agency that answers, the subject's name, and the author's e-mail when the dossier gives one."""
        ref = body.ref.strip()
        if body.about == "dossier":
            dossier = await DossierRepository(self.session).by_code(ref)
            if dossier is None or dossier.owner_id != principal.id:
                raise Invalid.field(("body", "ref"), "Không tìm thấy hồ sơ của Ông/Bà với mã này.")
            return dossier.agency_code, dossier.procedure_name, dossier.applicant.get("email")
        assert self.catalog is not None
        if body.about == "procedure":
            procedure = await self.catalog.procedure(ref)
            if procedure is None:
                raise Invalid.field(("body", "ref"), "Không có thủ tục hành chính với mã này.")
            return procedure.agency_code, procedure.name, None
        names = await self.catalog.agency_names()
        if not names:
            raise Problem("Không truy cập được danh mục cơ quan, vui lòng thử lại sau.", status=503,
                          slug="service-unavailable")
        if ref not in names:
            raise Invalid.field(("body", "ref"), "Không có cơ quan với mã này.")
        return ref, names[ref], None

    async def send(self, principal: Principal, body: FeedbackCreate, *, event_id: str | None) -> Feedback:
        agency, subject_name, email = await self._route(principal, body)
        feedback = Feedback(
            id=uuid.uuid4(), about=body.about, ref=body.ref.strip(), agency_code=agency, subject_name=subject_name,
            title=body.title.strip(), body=body.body.strip(), author_id=principal.id,
            author_name=principal.full_name or principal.username, author_email=email, status="open",
            received_at=self.now, due_at=self.calendar.add_working_days(self.now, self.days), public=False)
        self.repo.add(feedback)
        await self.session.flush()
        self._emit(feedback, FeedbackReceived, event_id)
        return feedback

    def _emit(self, f: Feedback, cls: type[FeedbackEvent], event_id: str | None, **extra: Any) -> None:
        payload = cls(feedback_id=str(f.id), agency_code=f.agency_code, about=f.about, ref=f.ref, title=f.title,
                      received_at=f.received_at, due_at=f.due_at, at=self.now, author_user_id=f.author_id, **extra)
        add_event(self.session, payload, source=SOURCE, subject=f"feedback/{f.id}", event_id=event_id)

    async def visible(self, principal: Principal, feedback_id: uuid.UUID) -> Feedback:
        f = await self.repo.get(feedback_id)
        if f is None or not self._may_read(principal, f):
            raise NotFound("Không tìm thấy phản ánh, kiến nghị.")
        return f

    @staticmethod
    def _may_read(principal: Principal, f: Feedback) -> bool:
        if principal.has("admin", "auditor"):
            return True
        if f.author_id == principal.id:
            return True
        return principal.is_officer and principal.agency_code == f.agency_code

    async def answer(self, principal: Principal, feedback_id: uuid.UUID, body: FeedbackAnswer, *,
                     event_id: str | None) -> Feedback:
        f = await self.repo.get(feedback_id, lock=True)
        if f is None or not self._may_read(principal, f):
            raise NotFound("Không tìm thấy phản ánh, kiến nghị.")
        if not (principal.is_officer and principal.agency_code == f.agency_code) or principal.has("auditor"):
            raise Forbidden("Chỉ cán bộ của cơ quan được chuyển phản ánh, kiến nghị mới trả lời được.")
        if f.status == "answered":
            raise Conflict("Phản ánh, kiến nghị này đã được trả lời.", slug="already-answered")
        f.status, f.answer, f.answered_at, f.public = "answered", body.body.strip(), self.now, body.public
        f.answered_by, f.answered_by_name = principal.id, principal.full_name or principal.username
        await self.session.flush()
        self._emit(f, FeedbackAnswered, event_id, answered_at=self.now, public=body.public,
                   on_time=self.now <= f.due_at, author_email=f.author_email, author_name=f.author_name)
        return f

    async def page(self, principal: Principal, *, status: str | None, overdue: bool, agency: str | None,
                   page: int, size: int) -> tuple[list[Feedback], int]:
        if principal.has("admin", "auditor"):
            author, agency_code = None, agency
        elif principal.is_officer:
            if agency is not None and agency != principal.agency_code:
                raise Forbidden("Cán bộ chỉ xem phản ánh, kiến nghị của cơ quan mình.")
            author, agency_code = None, principal.agency_code or "-"
        else:
            author, agency_code = principal.id, None
        return await self.repo.page(author_id=author, agency_code=agency_code, status=status,
                                    overdue_at=self.now if overdue else None, offset=(page - 1) * size, limit=size)

    async def public_page(self, *, agency: str | None, page: int, size: int) -> tuple[list[Feedback], int]:
        return await self.repo.public_page(agency_code=agency, offset=(page - 1) * size, limit=size)

    async def remind_overdue(self, limit: int = 100) -> int:
        """Flags (once) every unanswered feedback past its deadline: the event reminds the agency's leaders and
        counts it in the statistics."""
        rows = await self.repo.claim_overdue(self.now, limit)
        for f in rows:
            f.reminded_at = self.now
            self._emit(f, FeedbackOverdue, None)
        await self.session.flush()
        return len(rows)
