"""Revoked access tokens, known to every gateway replica within ``poll`` seconds.

Services verify access tokens by themselves (JWKS) and cannot ask whether one was revoked; every request
reaches them through the gateway, which refuses a token whose session (``sid``) was revoked (logout,
password change or reset, a reused refresh token) or whose user was disabled, before proxying it. The list
lives in PostgreSQL (``sessions.revoked_at``, ``users.disabled_at``) and each replica reloads the recent part
of it (revoked less than one access-token lifetime ago: older tokens have expired anyway) every ``poll``
seconds, so a check costs one unverified decode of the token's claims and two set look-ups.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)


class Revocations:
    def __init__(self, engine: AsyncEngine | None, *, horizon: float, poll: float = 2.0) -> None:
        self.engine = engine
        self.horizon = horizon
        self.poll = poll
        self.sessions: frozenset[str] = frozenset()
        self.users: frozenset[str] = frozenset()
        self.loaded = False
        # a token's (sub, sid), decoded once: the same token comes back with each request of its holder
        self._ids: dict[str, tuple[str, str]] = {}

    async def load(self) -> None:
        assert self.engine is not None, "the engine is given at start"
        async with self.engine.connect() as conn:
            sessions = (
                await conn.execute(
                    text("SELECT id::text FROM sessions WHERE revoked_at > now() - make_interval(secs => :h)"),
                    {"h": self.horizon},
                )
            ).scalars().all()
            users = (
                await conn.execute(
                    text("SELECT id::text FROM users WHERE NOT active "
                         "AND disabled_at > now() - make_interval(secs => :h)"),
                    {"h": self.horizon},
                )
            ).scalars().all()
        self.sessions, self.users, self.loaded = frozenset(sessions), frozenset(users), True

    def revoke_session(self, sid: str) -> None:
        """Known here at once; the other replicas learn it at their next reload."""
        self.sessions = self.sessions | {sid}

    def disable_user(self, user_id: str) -> None:
        self.users = self.users | {user_id}

    def enable_user(self, user_id: str) -> None:
        self.users = self.users - {user_id}

    def refused(self, claims: dict[str, Any]) -> bool:
        return str(claims.get("sid", "")) in self.sessions or str(claims.get("sub", "")) in self.users

    def refused_token(self, token: str) -> bool:
        """From the raw bearer token, without verifying it (the service behind verifies; a forged token can
        only be refused here, never let through)."""
        if not self.sessions and not self.users:
            return False
        ids = self._ids.get(token)
        if ids is None:
            claims = unverified_claims(token)
            if claims is None:
                return False
            ids = (str(claims.get("sub", "")), str(claims.get("sid", "")))
            if len(self._ids) >= 50_000:
                self._ids.clear()
            self._ids[token] = ids
        return ids[1] in self.sessions or ids[0] in self.users

    async def run(self, *, also: Callable[[], Awaitable[Any]] | None = None, also_every: int = 300) -> None:
        """Reloads forever (PostgreSQL away: the last list is kept and the error logged once a round)."""
        rounds = 0
        while True:
            await asyncio.sleep(self.poll)
            rounds += 1
            try:
                await self.load()
                if also is not None and rounds % also_every == 0:
                    await also()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # keep serving with the last list
                log.warning("revocation list not reloaded: %s", exc)


def unverified_claims(token: str) -> dict[str, Any] | None:
    with contextlib.suppress(ValueError, IndexError, TypeError):
        payload = token.split(".")[1]
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return data if isinstance(data, dict) else None
    return None
