"""Every query of procedures and their revisions, the search included (done in PostgreSQL, indexed)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, and_, case, cast, func, literal, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from catalog_svc.agency.models import Agency
from catalog_svc.procedure.models import Procedure, ProcedureRevision
from catalog_svc.sector.models import Sector
from catalog_svc.text import fold


@dataclass(frozen=True)
class SummaryRow:
    """What a list item needs: no body beyond the processing time, no search columns."""

    code: str
    name: str
    sector_code: str
    agency_code: str
    level: int
    online_class: str
    revision: int
    processing_time: dict[str, Any]
    score: float | None


class ProcedureRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, code: str, *, for_update: bool = False) -> Procedure | None:
        query = select(Procedure).where(Procedure.code == code)
        if for_update:
            query = query.with_for_update()
        return (await self.session.scalars(query)).one_or_none()

    async def exists(self, code: str) -> bool:
        return bool(await self.session.scalar(select(func.count()).where(Procedure.code == code)))

    async def names(self, sector_code: str, agency_code: str) -> tuple[str | None, str | None]:
        sector = await self.session.scalar(select(Sector.name).where(Sector.code == sector_code))
        agency = await self.session.scalar(select(Agency.name).where(Agency.code == agency_code))
        return sector, agency

    def add(self, procedure: Procedure, revision: ProcedureRevision) -> None:
        self.session.add(procedure)
        self.session.add(revision)

    def add_revision(self, revision: ProcedureRevision) -> None:
        self.session.add(revision)

    async def revision(self, code: str, number: int) -> ProcedureRevision | None:
        return await self.session.get(ProcedureRevision, (code, number))

    async def revisions(self, code: str) -> Sequence[ProcedureRevision]:
        return (await self.session.scalars(
            select(ProcedureRevision).where(ProcedureRevision.procedure_code == code)
            .order_by(ProcedureRevision.revision.desc()))).all()

    async def search(
        self, *, q: str | None, sector: str | None, agency: str | None, level: int | None,
        online_class: str | None, offset: int, limit: int,
    ) -> tuple[list[SummaryRow], int]:
        """Filters, then (with ``q``) matches the folded query against the folded, trigram-indexed columns.

        A row matches when its code is the query or every word of the query occurs in its folded name, code,
        result or applicants (``search_doc``, GIN trigram index). Rank, computed from the two short folded
        columns only: the code itself, then the whole name equals the query, starts with it, contains it as a
        phrase, contains it, contains every word; within a tier the share of the name the query covers (the
        shorter name first). Only when nothing matches that way (a typo) are rows word-similar to the query
        (``%>``, pg_trgm) ranked by word similarity — the costly trigram comparison runs only then.
        The page and the total come from one query; the body (for ``processing_time``) is read for the page's
        rows only.
        """
        filters: list[Any] = []
        if sector:
            filters.append(Procedure.sector_code == sector)
        if agency:
            filters.append(or_(Procedure.agency_code == agency, Procedure.interagency.contains([agency]),
                               Procedure.agencies.contains([agency])))
        if level:
            filters.append(Procedure.level == level)
        if online_class:
            filters.append(Procedure.online_class == online_class)
        if q is None:
            return await self._page(and_(true(), *filters), None, offset, limit)
        folded = fold(q)
        if not folded:
            return [], 0
        words = folded.split()
        qf = literal(folded)
        name = Procedure.search_name
        same_code = Procedure.code == q.strip()
        in_name = and_(*(name.contains(w, autoescape=True) for w in words))
        in_doc = and_(*(Procedure.search_doc.contains(w, autoescape=True) for w in words))
        padded = literal(" ") + name + literal(" ")
        tier = case((name == qf, 100.0),
                    (name.startswith(folded + " ", autoescape=True), 50.0),
                    (padded.contains(" " + folded + " ", autoescape=True), 30.0),
                    (name.contains(folded, autoescape=True), 20.0),
                    (in_name, 10.0), else_=0.0)
        coverage = literal(10.0 * len(folded)) / func.greatest(func.length(name), len(folded))
        score = case((same_code, 200.0), else_=0.0) + tier + coverage
        rows, total = await self._page(and_(or_(same_code, in_doc), *filters), score, offset, limit)
        if total == 0:
            similar = cast(func.word_similarity(qf, name), Float) * 10 + coverage / 2
            rows, total = await self._page(and_(name.op("%>")(qf), *filters), similar, offset, limit)
        return rows, total

    async def _page(self, where: Any, score: Any, offset: int, limit: int) -> tuple[list[SummaryRow], int]:
        """One page (codes chosen on the narrow columns, then their rows read by key) and the total."""
        if score is None:  # a plain listing: by sector, then name
            keys: list[Any] = [Procedure.sector_code.label("k1"), Procedure.search_name.label("k2"),
                               literal(None).label("score")]
            inner_order: list[Any] = [Procedure.sector_code, Procedure.search_name, Procedure.code]
        else:
            keys = [score.label("score")]
            inner_order = [score.desc(), Procedure.code]
        top = (select(Procedure.code, *keys, func.count().over().label("total")).where(where)
               .order_by(*inner_order).offset(offset).limit(limit).subquery())
        outer_order = ([top.c.k1, top.c.k2, top.c.code] if score is None else [top.c.score.desc(), top.c.code])
        query = (select(Procedure.code, Procedure.name, Procedure.sector_code, Procedure.agency_code,
                        Procedure.level, Procedure.online_class, Procedure.revision,
                        Procedure.body["processing_time"].label("processing_time"), top.c.score, top.c.total)
                 .join(top, top.c.code == Procedure.code).order_by(*outer_order))
        rows = (await self.session.execute(query)).all()
        if rows:
            total = rows[0].total
        elif offset:
            total = await self.session.scalar(select(func.count()).select_from(Procedure).where(where)) or 0
        else:
            total = 0
        return [SummaryRow(r.code, r.name, r.sector_code, r.agency_code, r.level, r.online_class, r.revision,
                           r.processing_time, r.score) for r in rows], total


async def lock_catalog_import(session: AsyncSession) -> None:
    """Serialises imports (several replicas loading the demo at once) until the transaction ends."""
    await session.execute(select(func.pg_advisory_xact_lock(literal(0x0CA7A106))))
