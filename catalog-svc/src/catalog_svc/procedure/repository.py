"""Every query of procedures and their revisions, the search included (done in PostgreSQL, indexed)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Float, and_, case, cast, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from catalog_svc.agency.models import Agency
from catalog_svc.procedure.models import Procedure, ProcedureRevision
from catalog_svc.sector.models import Sector
from catalog_svc.text import fold


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
    ) -> tuple[list[tuple[Procedure, float | None]], int]:
        """Filters, then (with ``q``) matches the folded query against the folded, trigram-indexed columns.

        A row matches when every word of the query occurs in its name (or in its code, result and
        applicants), or when the query is word-similar to the name (typos). Rank: the whole name equals the
        query, then the name starts with it, then contains it as a phrase, then the trigram similarities.
        """
        filters: list[Any] = []
        if sector:
            filters.append(Procedure.sector_code == sector)
        if agency:
            filters.append(or_(Procedure.agency_code == agency,
                               Procedure.body["interagency"].contains([agency])))
        if level:
            filters.append(Procedure.level == level)
        if online_class:
            filters.append(Procedure.online_class == online_class)
        score: Any = None
        folded = fold(q) if q else ""
        if q and not folded:
            return [], 0
        if folded:
            words = folded.split()
            qf = literal(folded)
            same_code = Procedure.code == (q or "").strip()
            in_name = and_(*(Procedure.search_name.contains(w, autoescape=True) for w in words))
            in_doc = and_(*(Procedure.search_doc.contains(w, autoescape=True) for w in words))
            filters.append(or_(same_code, in_name, in_doc,
                               Procedure.search_name.op("%>")(qf)))
            padded = literal(" ") + Procedure.search_name + literal(" ")
            score = (
                case((same_code, 200.0), else_=0.0)
                + case((Procedure.search_name == qf, 100.0),
                       (Procedure.search_name.startswith(folded + " ", autoescape=True), 50.0),
                       (padded.contains(" " + folded + " ", autoescape=True), 30.0),
                       (Procedure.search_name.contains(folded, autoescape=True), 20.0),
                       (in_name, 10.0), else_=0.0)
                + cast(func.word_similarity(qf, Procedure.search_name), Float) * 10
                + cast(func.similarity(qf, Procedure.search_name), Float) * 5
            ).label("score")
        where = and_(*filters) if filters else literal(True)
        total = await self.session.scalar(select(func.count()).select_from(Procedure).where(where)) or 0
        if score is not None:
            query = select(Procedure, score).where(where).order_by(score.desc(), func.length(Procedure.name),
                                                                   Procedure.code)
        else:
            query = select(Procedure, literal(None)).where(where).order_by(Procedure.sector_code,
                                                                          Procedure.search_name, Procedure.code)
        rows = (await self.session.execute(query.offset(offset).limit(limit))).all()
        return [(r[0], r[1]) for r in rows], total


async def lock_catalog_import(session: AsyncSession) -> None:
    """Serialises imports (several replicas loading the demo at once) until the transaction ends."""
    await session.execute(select(func.pg_advisory_xact_lock(literal(0x0CA7A106))))
