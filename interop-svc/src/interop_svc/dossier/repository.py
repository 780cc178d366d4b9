from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from interop_svc.dossier.models import CHANGE_SEQUENCE, Dossier, DossierChange

# Two-key advisory locks: this class id keeps interop's locks apart from anything else using them.
_LOCK_CLASS = 7301


class DossierRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock_agency(self, agency_code: str) -> None:
        """Serialize the change writers of one agency until this transaction ends.

        A sequence hands out numbers at nextval() time, but transactions commit in any order, so a reader
        could see seq 12 committed while 11 is still in flight and move its cursor past 11 for good. Holding
        this lock from before nextval() until commit makes the changes of an agency commit in seq order
        (PostgreSQL makes a commit visible before it releases the transaction's locks), so every snapshot
        holds a prefix of that agency's log and a cursor never jumps over a change committed later.
        """
        await self.session.execute(
            text("SELECT pg_advisory_xact_lock(:cls, hashtext(:agency))"), {"cls": _LOCK_CLASS, "agency": agency_code}
        )

    async def get(self, code: str, *, for_update: bool = False) -> Dossier | None:
        query = select(Dossier).where(Dossier.code == code)
        if for_update:
            query = query.with_for_update()
        return (await self.session.scalars(query)).one_or_none()

    async def add(self, dossier: Dossier) -> None:
        self.session.add(dossier)
        await self.session.flush()

    async def next_seq(self) -> int:
        return int((await self.session.execute(select(func.nextval(CHANGE_SEQUENCE)))).scalar_one())

    async def add_change(self, change: DossierChange) -> None:
        self.session.add(change)
        await self.session.flush()

    async def changes_since(self, agency_code: str, cursor: int, limit: int) -> list[DossierChange]:
        query = (
            select(DossierChange)
            .where(DossierChange.agency_code == agency_code, DossierChange.seq > cursor)
            .order_by(DossierChange.seq)
            .limit(limit)
        )
        return list((await self.session.scalars(query)).all())
