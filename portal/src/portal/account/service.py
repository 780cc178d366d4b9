"""Browser sessions: an opaque random id in an HttpOnly cookie; the API token stays in the portal's database."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from portal.account.models import WebSession
from portal.account.repository import SessionRepository


def hash_id(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass
class Visitor:
    """Who is looking at the page: anonymous (no user) or a logged-in person with their API token."""

    id_hash: str
    csrf: str
    user_id: str | None = None
    username: str | None = None
    profile: dict[str, Any] = field(default_factory=dict)
    token: str | None = None
    token_expires_at: datetime | None = None
    refresh_token: str | None = None

    @property
    def logged_in(self) -> bool:
        return bool(self.user_id and self.token)

    @property
    def full_name(self) -> str:
        return str(self.profile.get("full_name") or self.username or "")

    @classmethod
    def of(cls, row: WebSession) -> Visitor:
        return cls(id_hash=row.id_hash, csrf=row.csrf, user_id=row.user_id, username=row.username,
                   profile=dict(row.profile or {}), token=row.access_token, token_expires_at=row.token_expires_at,
                   refresh_token=row.refresh_token)


class SessionService:
    def __init__(self, session: AsyncSession, *, days: int) -> None:
        self.repo = SessionRepository(session)
        self.days = days

    async def find(self, raw_id: str | None) -> Visitor | None:
        if not raw_id or len(raw_id) > 100:
            return None
        row = await self.repo.get(hash_id(raw_id), datetime.now(UTC))
        if row is None:
            return None
        visitor = Visitor.of(row)
        if visitor.token_expires_at is not None and visitor.token_expires_at <= datetime.now(UTC):
            # the API token has expired: the person is logged out (unless ``renew`` gets a new one with the
            # refresh token); the session (and its CSRF token) stays
            visitor.token = None
            if not visitor.refresh_token:
                visitor.user_id = None
        return visitor

    async def renew(self, visitor: Visitor, grant: Callable[[str], Awaitable[dict[str, Any] | None]]) -> None:
        """A new access token from the refresh token (``grant`` asks the gateway; None: refused, the person is
        logged out). The row is locked first: of two requests of one browser, the second uses what the first
        got instead of presenting the used-up refresh token again (which would end the session)."""
        now = datetime.now(UTC)
        row = await self.repo.get(visitor.id_hash, now, lock=True)
        if row is None:
            return
        if row.access_token and row.token_expires_at is not None and row.token_expires_at > now:
            visitor.token, visitor.token_expires_at = row.access_token, row.token_expires_at
            visitor.refresh_token = row.refresh_token
            return
        token = await grant(row.refresh_token) if row.refresh_token else None
        if token is None:
            row.access_token = row.refresh_token = row.token_expires_at = None
            visitor.token = visitor.refresh_token = visitor.user_id = None
            return
        row.access_token = visitor.token = str(token["access_token"])
        row.refresh_token = visitor.refresh_token = token.get("refresh_token") or row.refresh_token
        row.token_expires_at = visitor.token_expires_at = datetime.now(UTC) + timedelta(
            seconds=max(0, int(token.get("expires_in", 300)) - 30))

    async def start(self, *, user: dict[str, Any] | None = None, token: str | None = None,
                    expires_in: int | None = None, replaces: str | None = None,
                    refresh_token: str | None = None) -> tuple[str, Visitor]:
        """A new session id (always new at login: a cookie set before logging in is never promoted)."""
        if replaces:
            await self.repo.delete(replaces)
        raw = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        row = WebSession(
            id_hash=hash_id(raw),
            csrf=secrets.token_urlsafe(32),
            user_id=str(user["id"]) if user else None,
            username=str(user["username"]) if user else None,
            profile=dict(user or {}),
            access_token=token,
            token_expires_at=now + timedelta(seconds=max(0, (expires_in or 0) - 30)) if token else None,
            refresh_token=refresh_token if token else None,
            expires_at=now + timedelta(days=self.days),
        )
        await self.repo.add(row)
        return raw, Visitor.of(row)

    async def end(self, id_hash: str) -> None:
        await self.repo.delete(id_hash)
