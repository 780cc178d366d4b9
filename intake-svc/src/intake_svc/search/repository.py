"""The officers' dossier search: filters on indexed columns only, one count and one narrow page query.

Every query is scoped first (the agency for officers, the owner for citizens; the province for auditors),
then filtered; the per-agency composite indexes of migration intake_0005 serve the scope with each sort key,
a GIN index over the folded name's words (with the agency) the name, plain indexes the CCCD and the phone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from intake_svc.dossier.models import Dossier

# statuses in which the appointment runs (the overdue and due-soon filters, partial index ix_dossiers_*open_due)
OPEN = ("accepted", "processing")

SORTS: dict[str, Any] = {
    "submitted_at": Dossier.submitted_at, "received_at": Dossier.received_at, "due_at": Dossier.due_at,
    "code": Dossier.code, "status": Dossier.status, "reception_due_at": Dossier.reception_due_at,
}


@dataclass(frozen=True)
class Criteria:
    owner_id: str | None = None
    agency_code: str | None = None
    codes: tuple[str, ...] = ()  # q: the dossier code as typed (upper-cased)
    id_number: str | None = None  # q: CCCD or tax code
    phone: str | None = None  # q: phone, +84 → 0
    words: tuple[str, ...] = ()  # q: the folded words of a name, each a whole word of the applicant's name
    procedure_code: str | None = None
    status: str | None = None
    channel: str | None = None
    received_from: datetime | None = None
    received_before: datetime | None = None
    due_before: datetime | None = None
    due_from: datetime | None = None  # due within N working days: from now
    open_only: bool = False
    reception_overdue_at: datetime | None = None  # still waiting for the desk past the reception limit


def _where(c: Criteria) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if c.owner_id is not None:
        conds.append(Dossier.owner_id == c.owner_id)
    by_words_only = bool(c.words) and not (c.codes or c.id_number or c.phone)
    if c.agency_code is not None and not by_words_only:  # else the words' "@<agency>" element scopes the search
        conds.append(Dossier.agency_code == c.agency_code)
    anyof: list[ColumnElement[bool]] = [Dossier.code == code for code in c.codes]
    if c.id_number:
        anyof.append(Dossier.applicant_id_number == c.id_number)
    if c.phone:
        anyof.append(Dossier.applicant_phone == c.phone)
    if c.words:  # the folded name's words, and the agency as "@<code>" (migration intake_0006)
        scope = [f"@{c.agency_code}"] if c.agency_code is not None else []
        anyof.append(Dossier.search_words.contains([*scope, *c.words]))
    if anyof:
        conds.append(or_(*anyof))
    if c.procedure_code:
        conds.append(Dossier.procedure_code == c.procedure_code)
    if c.status:
        conds.append(Dossier.status == c.status)
    if c.channel:
        conds.append(Dossier.channel == c.channel)
    if c.received_from is not None:
        conds.append(Dossier.received_at >= c.received_from)
    if c.received_before is not None:
        conds.append(Dossier.received_at < c.received_before)
    if c.due_before is not None:
        conds.append(Dossier.due_at < c.due_before)
    if c.due_from is not None:
        conds.append(Dossier.due_at >= c.due_from)
    if c.open_only:
        conds.append(Dossier.status.in_(OPEN))
    if c.reception_overdue_at is not None:
        conds += [Dossier.status == "submitted", Dossier.reception_due_at < c.reception_overdue_at]
    return conds


class SearchRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def count(self, conds: list[ColumnElement[bool]], cap: int) -> int:
        """How many match, counting no further than ``cap + 1`` rows (an agency holds hundreds of thousands)."""
        capped = select(literal(1)).select_from(Dossier).where(*conds).limit(cap + 1).subquery()
        return int(await self.session.scalar(select(func.count()).select_from(capped)) or 0)

    async def search(self, c: Criteria, *, sort: str, page: int, size: int,
                     cap: int) -> tuple[list[Any], int, bool]:
        """A page, the total and whether it is exact (``cap`` at most when not).

        The count stops at ``cap``. A search by ``q`` with few matches (found through its own index) reads them
        and sorts them: the page with ``count(*) OVER ()`` forces that plan. Otherwise the page walks the sort
        key's index (per agency), which soon meets enough matching rows.
        """
        conds = _where(c)
        key = SORTS[sort.removeprefix("-")]
        order = [key.desc(), Dossier.code.desc()] if sort.startswith("-") else [key, Dossier.code]
        query = select(
            Dossier.code, Dossier.procedure_code, Dossier.procedure_name, Dossier.agency_code,
            Dossier.applicant["full_name"].astext.label("applicant_name"), Dossier.status, Dossier.national_status,
            Dossier.channel, Dossier.submitted_at, Dossier.received_at, Dossier.due_at, Dossier.version,
            Dossier.reception_due_at, Dossier.reception_decided_at,
        ).where(*conds).order_by(*order).offset((page - 1) * size).limit(size)
        total = await self.count(conds, cap)
        exact = total <= cap
        if total == 0 or (exact and (page - 1) * size >= total):
            return [], total, True
        if exact and (c.codes or c.id_number or c.phone or c.words):
            query = query.add_columns(func.count().over().label("total"))
        return list((await self.session.execute(query)).all()), min(total, cap), exact
