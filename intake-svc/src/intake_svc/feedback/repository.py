from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from intake_svc.feedback.models import Feedback


class FeedbackRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, feedback: Feedback) -> None:
        self.session.add(feedback)

    async def get(self, feedback_id: uuid.UUID, *, lock: bool = False) -> Feedback | None:
        query = select(Feedback).where(Feedback.id == feedback_id)
        return await self.session.scalar(query.with_for_update() if lock else query)

    async def _page(self, query: Select[tuple[Feedback]], order: Sequence[object], offset: int,
                    limit: int) -> tuple[list[Feedback], int]:
        total = int(await self.session.scalar(select(func.count()).select_from(query.subquery())) or 0)
        rows = await self.session.scalars(query.order_by(*order).offset(offset).limit(limit))  # type: ignore[arg-type]
        return list(rows), total

    async def page(self, *, author_id: str | None, agency_code: str | None, status: str | None,
                   overdue_at: datetime | None, offset: int, limit: int) -> tuple[list[Feedback], int]:
        """A citizen's own (``author_id``) or an agency's; ``overdue_at``: only those unanswered past their
        deadline at that moment, oldest deadline first."""
        query = select(Feedback)
        if author_id is not None:
            query = query.where(Feedback.author_id == author_id)
        if agency_code is not None:
            query = query.where(Feedback.agency_code == agency_code)
        if status is not None:
            query = query.where(Feedback.status == status)
        if overdue_at is not None:
            query = query.where(Feedback.status == "open", Feedback.due_at < overdue_at)
            return await self._page(query, (Feedback.due_at, Feedback.id), offset, limit)
        return await self._page(query, (Feedback.received_at.desc(), Feedback.id), offset, limit)

    async def public_page(self, *, agency_code: str | None, offset: int, limit: int) -> tuple[list[Feedback], int]:
        query = select(Feedback).where(Feedback.public.is_(True), Feedback.status == "answered")
        if agency_code is not None:
            query = query.where(Feedback.agency_code == agency_code)
        return await self._page(query, (Feedback.answered_at.desc(), Feedback.id), offset, limit)

    async def claim_overdue(self, now: datetime, limit: int) -> list[Feedback]:
        """Unanswered past the deadline and not yet reminded; SKIP LOCKED so replicas share the sweep."""
        rows = await self.session.scalars(
            select(Feedback).where(Feedback.status == "open", Feedback.due_at < now, Feedback.reminded_at.is_(None))
            .order_by(Feedback.due_at).limit(limit).with_for_update(skip_locked=True))
        return list(rows)
