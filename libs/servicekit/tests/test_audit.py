"""The audit chain against real PostgreSQL: concurrent writers never fork it; a change anywhere is reported."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import BigInteger, Identity, String, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from servicekit import audit
from servicekit.audit import AuditEntry


class _Base(DeclarativeBase):
    pass


@audit.chained("kit_test_fact")
class Fact(_Base):
    __tablename__ = "kit_test_facts"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    what: Mapped[str] = mapped_column(String(100))


async def _with_table(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(_Base.metadata.create_all)


async def test_concurrent_writers_append_one_after_the_other(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await _with_table(engine)

    async def writer(n: int) -> None:
        for i in range(5):
            async with sessionmaker() as session, session.begin():
                session.add_all([Fact(what=f"w{n}-{i}-a"), Fact(what=f"w{n}-{i}-b")])

    await asyncio.gather(*(writer(n) for n in range(8)))
    async with sessionmaker() as session:
        seqs = list(await session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)))
        result = await audit.verify(session)
    assert seqs == list(range(1, 81))  # one chain, no gap, no fork
    assert result.valid and result.entries == 80


async def test_one_row_links_made_by_postgresql_match_the_chain(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """A transaction with one audited row has its link computed in SQL: concurrent with transactions of two rows
    (linked in Python), the chain still has no gap or fork and each hash is the one link_hash gives."""
    await _with_table(engine)

    async def writer(n: int) -> None:
        for i in range(5):
            async with sessionmaker() as session, session.begin():
                session.add_all([Fact(what=f"w{n}-{i}-{j}") for j in range(1 + (n + i) % 2)])

    await asyncio.gather(*(writer(n) for n in range(6)))
    async with sessionmaker() as session:
        entries = list(await session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
        result = await audit.verify(session)
    assert [e.seq for e in entries] == list(range(1, 46))  # 15 transactions of one row, 15 of two
    prev = audit.GENESIS
    for e in entries:
        assert e.prev_hash == prev and e.hash == audit.link_hash(prev, e.seq, e.kind, e.ref, e.digest)
        prev = e.hash
    assert result.valid and result.entries == 45


async def test_a_rolled_back_fact_leaves_no_entry(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await _with_table(engine)
    async with sessionmaker() as session:
        session.add(Fact(what="kept back"))
        await session.flush()
        await session.rollback()
    async with sessionmaker() as session, session.begin():
        session.add(Fact(what="kept"))
    async with sessionmaker() as session:
        result = await audit.verify(session)
        assert (await session.scalar(select(AuditEntry.ref))) is not None
    assert result.valid and result.entries == 1


async def test_a_changed_entry_and_a_row_never_chained_are_reported(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await _with_table(engine)
    async with sessionmaker() as session, session.begin():
        session.add_all([Fact(what=uuid.uuid4().hex) for _ in range(3)])
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO kit_test_facts (what) VALUES ('behind the back')"))
    async with sessionmaker() as session:
        stray = await audit.verify(session)
    assert stray.first_broken is not None and stray.first_broken["reason"] == "row not in the chain"
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM kit_test_facts WHERE what = 'behind the back'"))
        await conn.execute(text("UPDATE kit_audit SET ref = '3' WHERE seq = 2"))
    async with sessionmaker() as session:
        changed = await audit.verify(session)
    assert changed.first_broken == {"seq": 2, "kind": "kit_test_fact", "ref": "3", "reason": "entry changed"}


async def test_rows_of_savepoints_are_chained_at_the_outer_commit_and_rolled_back_ones_never(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await _with_table(engine)
    async with sessionmaker() as session, session.begin():
        async with session.begin_nested():
            session.add(Fact(what="kept in a savepoint"))
        # the chain's lock is not taken by the savepoint: another writer commits meanwhile
        async with sessionmaker() as other, other.begin():
            other.add(Fact(what="another writer"))
        try:
            async with session.begin_nested():
                session.add(Fact(what="rolled back"))
                await session.flush()
                raise RuntimeError
        except RuntimeError:
            pass
    async with sessionmaker() as session:
        result = await audit.verify(session)
        whats = list(await session.scalars(select(Fact.what).order_by(Fact.id)))
    assert whats == ["kept in a savepoint", "another writer"]
    assert result.valid and result.entries == 2
