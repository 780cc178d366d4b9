"""``Idempotency-Key`` on every POST that creates or acts: the same key and body replays the first
answer; another body with the same key is a 409. Stored in the caller's transaction.

In a route, take the :data:`IdempotencyDep` dependency::

    if (replay := await idem.start(body.model_dump(mode="json"))) is not None:
        return replay
    ...  # the action, with event_id=idem.event_id
    idem.store(201, read.model_dump(mode="json"))
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import DateTime, Integer, String, Table, Text, bindparam, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from servicekit.auth import CurrentUser, Principal
from servicekit.db import KitBase, SessionDep
from servicekit.problems import Conflict, Invalid

MAX_KEY = 200


class IdempotencyRow(KitBase):
    __tablename__ = "kit_idempotency"

    scope: Mapped[str] = mapped_column(String(300), primary_key=True)  # principal + method + path
    key: Mapped[str] = mapped_column(String(MAX_KEY), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


_TABLE: Table = IdempotencyRow.__table__  # type: ignore[assignment]
# made once (SQLAlchemy computes a statement's cache key on each execution of a new one); columns, not the ORM
# entity: the stored answer is only read
_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))")
_STORED = (select(_TABLE.c.request_hash, _TABLE.c.status, _TABLE.c.body)
           .where(_TABLE.c.scope == bindparam("scope"), _TABLE.c.key == bindparam("key")))


class Idempotency:
    """Usage in a route: ``if (r := await idem.replay()) is not None: return r`` … ``idem.store(201, body)``."""

    def __init__(self, session: AsyncSession, request: Request, principal_id: str, body: Any) -> None:
        self.session = session
        self.key = request.headers.get("idempotency-key")
        if self.key is not None and not (0 < len(self.key) <= MAX_KEY):
            raise Invalid.field(("header", "Idempotency-Key"), f"Idempotency-Key phải có từ 1 đến {MAX_KEY} ký tự.")
        self.scope = f"{principal_id}:{request.method}:{request.url.path}"[:300]
        raw = json.dumps(body, sort_keys=True, default=str)  # ASCII escapes: lone surrogates hash too
        self.hash = hashlib.sha256(raw.encode()).hexdigest()

    @property
    def event_id(self) -> str | None:
        """The key doubles as the event id of what the action emits (architecture: one id end to end)."""
        if self.key is None:
            return None
        return hashlib.sha256(f"{self.scope}|{self.key}".encode()).hexdigest()[:32]

    async def replay(self) -> Response | None:
        if self.key is None:
            return None
        # Concurrent requests with the same key wait here for the first one's transaction, then replay its
        # answer, instead of racing it into a conflict.
        await self.session.execute(_LOCK, {"k": f"{self.scope}|{self.key}"})
        row = (await self.session.execute(_STORED, {"scope": self.scope, "key": self.key})).first()
        if row is None:
            return None
        if row.request_hash != self.hash:
            raise Conflict("Idempotency-Key này đã được dùng cho một yêu cầu khác.", slug="idempotency-key-reused")
        return JSONResponse(json.loads(row.body), status_code=row.status, headers={"Idempotent-Replayed": "true"})

    def store(self, status: int, body: Any) -> None:
        self.store_encoded(status, json.dumps(body, ensure_ascii=False, default=str))

    def store_encoded(self, status: int, body: str) -> None:
        """``body`` already encoded as JSON (the answer as sent: encoded once, for the response and the replay)."""
        if self.key is None:
            return
        self.session.add(
            IdempotencyRow(scope=self.scope, key=self.key, request_hash=self.hash, status=status, body=body)
        )


class IdempotentAction:
    """One request's key, bound to its session, request and caller; ``start(body)`` hashes the body and
    replays a stored answer (or waits for a concurrent request with the same key, then replays its answer)."""

    def __init__(self, session: AsyncSession, request: Request, principal: Principal) -> None:
        self.session, self.request, self.principal = session, request, principal
        self._idem: Idempotency | None = None

    async def start(self, body: Any) -> Response | None:
        self._idem = Idempotency(self.session, self.request, self.principal.id, body)
        return await self._idem.replay()

    @property
    def event_id(self) -> str | None:
        return self._started.event_id

    def store(self, status: int, body: Any) -> None:
        self._started.store(status, body)

    def store_encoded(self, status: int, body: str) -> None:
        self._started.store_encoded(status, body)

    @property
    def _started(self) -> Idempotency:
        assert self._idem is not None, "call start(body) first"
        return self._idem


async def _idempotent_action(session: SessionDep, request: Request, principal: CurrentUser) -> IdempotentAction:
    return IdempotentAction(session, request, principal)


IdempotencyDep = Annotated[IdempotentAction, Depends(_idempotent_action)]
