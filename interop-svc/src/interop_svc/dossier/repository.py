from __future__ import annotations

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from interop_svc.dossier.models import CHANGE_SEQUENCE, Dossier, DossierChange

# Two-key advisory locks: this class id keeps interop's locks apart from anything else using them.
_LOCK_CLASS = 7301
_LOCK_AGENCY = text("SELECT pg_advisory_xact_lock(:cls, hashtext(:agency))")
# made once: SQLAlchemy computes a new statement's cache key on every execution (each consumed event reads one)
_BY_CODE = select(Dossier).where(Dossier.code == bindparam("code"))
_BY_CODE_FOR_UPDATE = _BY_CODE.with_for_update()


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
        await self.session.execute(_LOCK_AGENCY, {"cls": _LOCK_CLASS, "agency": agency_code})

    async def get(self, code: str, *, for_update: bool = False) -> Dossier | None:
        query = _BY_CODE_FOR_UPDATE if for_update else _BY_CODE
        return (await self.session.scalars(query, {"code": code})).one_or_none()

    def add(self, dossier: Dossier) -> None:
        """Written at the next flush, with the values the caller sets meanwhile: one INSERT, not an INSERT and then
        an UPDATE of the same row (the agency's lock, held already, keeps a concurrent writer of it away)."""
        self.session.add(dossier)

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
