from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, TextClause, and_, bindparam, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from notify_svc.delivery.models import Delivery
from servicekit.wakeup import notify_on_commit

CHANNEL = "notify_deliveries"  # NOTIFY when a delivery to send is planned: the sender sleeps until then


DELIVERIES = cast(Table, Delivery.__table__)
# what planning writes; the other columns take their defaults (next_attempt_at and created_at: now())
PLANNED = ("id", "event_id", "event_type", "dossier_code", "channel", "recipient", "template", "subject", "body",
           "status", "attempts", "sent_at", "provider_answer", "trace_context")
_INSERTS: dict[int, TextClause] = {}
# the sender's statements, made once per shape: SQLAlchemy computes a new statement's cache key on every execution
# (the larger part of a small statement's cost in Python here); the values are bound per execution
_CLAIMS: dict[int, Any] = {}
_FINISHES: dict[frozenset[str], Any] = {}


def _claim(limit: int) -> Any:
    stmt = _CLAIMS.get(limit)
    if stmt is None:
        t = DELIVERIES
        due = (
            select(t.c.id)
            .where(or_(
                and_(t.c.status == "pending", t.c.next_attempt_at <= bindparam("now")),
                and_(t.c.status == "sending", t.c.claimed_at < bindparam("lease_cutoff")),
            ))
            .order_by(t.c.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .cte("due").prefix_with("MATERIALIZED")  # locked and limited once, then updated
        )
        stmt = _CLAIMS[limit] = (
            update(t).where(t.c.id == due.c.id)
            .values(status="sending", claimed_at=bindparam("claimed"), attempts=t.c.attempts + 1)
            .returning(*t.c))
    return stmt


def _finish(columns: frozenset[str]) -> Any:
    stmt = _FINISHES.get(columns)
    if stmt is None:
        t = DELIVERIES  # Core, not the ORM's bulk update: no session state to sync
        stmt = _FINISHES[columns] = (
            update(t)
            .where(t.c.id == bindparam("the_id"), t.c.status == "sending", t.c.claimed_at == bindparam("the_claim"))
            .values({c: bindparam(f"new_{c}") for c in sorted(columns)})
        )
    return stmt


def _insert_rows(n: int) -> TextClause:
    """One statement for ``n`` deliveries (plain SQL: SQLAlchemy compiles a PostgreSQL ``on_conflict`` insert
    anew every time, it has no cache key), made once per ``n``."""
    stmt = _INSERTS.get(n)
    if stmt is None:
        rows = ", ".join("(" + ", ".join(f":{c}_{i}" for c in PLANNED) + ")" for i in range(n))
        stmt = _INSERTS[n] = text(
            f"INSERT INTO deliveries ({', '.join(PLANNED)}) VALUES {rows} "
            "ON CONFLICT ON CONSTRAINT uq_deliveries_event_channel DO NOTHING RETURNING status"
        ).bindparams(*(bindparam(f"trace_context_{i}", type_=JSONB) for i in range(n)))
    return stmt


class DeliveryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_if_absent(self, d: Delivery) -> int:
        """Inserts unless the (event, channel, recipient) delivery exists: a redelivered event plans nothing."""
        return await self.add_all_absent([d])

    async def add_all_absent(self, deliveries: list[Delivery]) -> int:
        """:meth:`add_if_absent` for several deliveries in one round trip; returns how many were new."""
        if not deliveries:
            return 0
        params: dict[str, Any] = {}
        for i, d in enumerate(deliveries):
            params.update({
                f"id_{i}": d.id or uuid.uuid4(), f"event_id_{i}": d.event_id, f"event_type_{i}": d.event_type,
                f"dossier_code_{i}": d.dossier_code, f"channel_{i}": d.channel, f"recipient_{i}": d.recipient,
                f"template_{i}": d.template, f"subject_{i}": d.subject, f"body_{i}": d.body,
                f"status_{i}": d.status or "pending", f"attempts_{i}": d.attempts or 0, f"sent_at_{i}": d.sent_at,
                f"provider_answer_{i}": d.provider_answer, f"trace_context_{i}": d.trace_context,
            })
        new = (await self.session.execute(_insert_rows(len(deliveries)), params)).scalars().all()
        if "pending" in new:
            notify_on_commit(self.session, CHANNEL)
        return len(new)

    async def next_due(self, lease_seconds: float) -> datetime | None:
        """When the sender next has something to do: a retry's time, or a lease that will expire (one query)."""
        t = DELIVERIES
        retry, lease = (await self.session.execute(select(
            select(func.min(t.c.next_attempt_at)).where(t.c.status == "pending").scalar_subquery(),
            select(func.min(t.c.claimed_at)).where(t.c.status == "sending").scalar_subquery(),
        ))).one()
        times = [t for t in (retry, lease + timedelta(seconds=lease_seconds) if lease else None) if t is not None]
        return min(times) if times else None

    async def claim_due(self, limit: int, lease_seconds: float) -> list[Delivery]:
        """Due pending rows, and 'sending' rows whose lease expired (the sender died mid-send); marks them
        'sending' with a fresh ``claimed_at`` (the fencing token of this attempt) in the same statement and
        returns them (detached: the caller only reads them). The caller commits."""
        now = datetime.now(UTC)
        rows = await self.session.execute(_claim(limit), {
            "now": now, "lease_cutoff": now - timedelta(seconds=lease_seconds), "claimed": now})
        return sorted((Delivery(**r._mapping) for r in rows), key=lambda d: d.next_attempt_at)

    async def finish(self, d: Delivery, **values: Any) -> bool:
        """Records the outcome of the attempt ``d.claimed_at`` unless another sender took the row over."""
        res = await self.session.execute(_finish(frozenset(values)), {
            "the_id": d.id, "the_claim": d.claimed_at, **{f"new_{c}": v for c, v in values.items()}})
        return (res.rowcount or 0) == 1  # type: ignore[attr-defined]

    async def for_event(self, event_id: str) -> list[Delivery]:
        return list(await self.session.scalars(select(Delivery).where(Delivery.event_id == event_id)))

    async def get(self, delivery_id: uuid.UUID, *, lock: bool = False) -> Delivery | None:
        stmt = select(Delivery).where(Delivery.id == delivery_id)
        if lock:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).one_or_none()

    async def page(self, *, status: str | None, channel: str | None, dossier_code: str | None,
                   offset: int, limit: int) -> tuple[list[Delivery], int]:
        conds = []
        if status:
            conds.append(Delivery.status == status)
        if channel:
            conds.append(Delivery.channel == channel)
        if dossier_code:
            conds.append(Delivery.dossier_code == dossier_code)
        total = await self.session.scalar(select(func.count()).select_from(Delivery).where(*conds))
        rows = await self.session.scalars(
            select(Delivery).where(*conds).order_by(Delivery.created_at.desc(), Delivery.id)
            .offset(offset).limit(limit))
        return list(rows), int(total or 0)
