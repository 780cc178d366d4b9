"""The life of an account after registration: login sessions with rotating refresh tokens, one-time codes
(password reset, email and phone verification), the TOTP second factor, and what an admin changes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp
from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.gateway import CodeIssued
from gateway.identity.models import LoginSession, OneTimeCode, RefreshToken, User
from gateway.identity.tokens import TokenIssuer
from servicekit.auth import OFFICER_ROLES
from servicekit.outbox import add_event
from servicekit.problems import Unauthorized

CODE_TTL = timedelta(minutes=15)
CODE_ATTEMPTS = 5
MFA_ROLES = frozenset(OFFICER_ROLES)  # every role but citizen: officers, admin, auditor, catalog editors
TOTP_ISSUER = "Dịch vụ công Đồng Nai"


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class Issued:
    access_token: str
    expires_in: int
    refresh_token: str | None
    refresh_expires_in: int | None
    mfa_setup_required: bool = False


def claims_of(user: User) -> dict[str, object]:
    return {
        "username": user.username,
        "name": user.full_name,
        "roles": list(user.roles),
        "agency_code": user.agency_code,
        "department": user.department,
    }


def needs_mfa(user: User) -> bool:
    return bool(set(user.roles) & MFA_ROLES)


class Sessions:
    def __init__(self, session: AsyncSession, issuer: TokenIssuer, *, access_ttl: int, refresh_ttl: int) -> None:
        self.session = session
        self.issuer = issuer
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl

    async def start(self, user: User, *, mfa_setup_only: bool = False) -> Issued:
        """A new login session: an access token carrying its ``sid`` and a first refresh token. An account that
        must set up its second factor first gets a token without roles and no refresh token."""
        login = LoginSession(
            id=uuid.uuid4(), user_id=user.id, expires_at=datetime.now(UTC) + timedelta(seconds=self.refresh_ttl)
        )
        self.session.add(login)
        await self.session.flush()
        if mfa_setup_only:
            claims = {**claims_of(user), "roles": [], "mfa_setup_required": True}
            token = self.issuer.issue(sub=str(user.id), ttl=self.access_ttl, sid=str(login.id), **claims)
            return Issued(token, self.access_ttl, None, None, mfa_setup_required=True)
        return await self._tokens(user, login)

    async def _tokens(self, user: User, login: LoginSession) -> Issued:
        raw = secrets.token_urlsafe(32)
        self.session.add(RefreshToken(token_hash=sha256(raw), session_id=login.id))
        await self.session.flush()
        token = self.issuer.issue(sub=str(user.id), ttl=self.access_ttl, sid=str(login.id), **claims_of(user))
        left = int((login.expires_at - datetime.now(UTC)).total_seconds())
        return Issued(token, self.access_ttl, raw, max(left, 0))

    async def refresh(self, raw: str) -> tuple[Issued | None, str | None]:
        """Rotation: the token presented is used up and a new one issued in the same session. A token used
        twice means it was copied: the whole session is revoked (returned as the second value)."""
        row = await self.session.scalar(
            select(RefreshToken).where(RefreshToken.token_hash == sha256(raw)).with_for_update()
        )
        if row is None:
            return None, None
        login = await self.session.get(LoginSession, row.session_id, with_for_update=True)
        if login is None:
            return None, None
        now = datetime.now(UTC)
        if row.used_at is not None:
            if login.revoked_at is None:
                login.revoked_at, login.revoked_reason = now, "refresh_reused"
                return None, str(login.id)
            return None, None
        user = await self.session.get(User, login.user_id)
        if login.revoked_at is not None or login.expires_at <= now or user is None or not user.active:
            return None, None
        row.used_at = now
        return await self._tokens(user, login), None

    async def revoke(self, sid: str, reason: str) -> bool:
        try:
            key = uuid.UUID(sid)
        except ValueError:
            return False
        result = await self.session.execute(
            update(LoginSession)
            .where(LoginSession.id == key, LoginSession.revoked_at.is_(None))
            .values(revoked_at=func.now(), revoked_reason=reason)
        )
        return bool(getattr(result, "rowcount", 0))

    async def revoke_all(self, user_id: uuid.UUID, reason: str) -> list[str]:
        """Every open session of the user; their ids, for the local revocation list."""
        rows = await self.session.scalars(
            update(LoginSession)
            .where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
            .values(revoked_at=func.now(), revoked_reason=reason)
            .returning(LoginSession.id)
        )
        return [str(r) for r in rows]


class Codes:
    """Six-digit one-time codes: only a keyed hash is stored, valid 15 minutes, five tries, used once."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def _hash(user: User, purpose: str, code: str) -> str:
        return hmac.new(str(user.id).encode(), f"{purpose}:{code}".encode(), hashlib.sha256).hexdigest()

    async def issue(self, user: User, purpose: str, channel: str) -> None:
        code = f"{secrets.randbelow(1_000_000):06d}"
        expires = datetime.now(UTC) + CODE_TTL
        existing = await self.session.get(OneTimeCode, (user.id, purpose))
        if existing is not None:
            await self.session.delete(existing)
            await self.session.flush()
        self.session.add(OneTimeCode(user_id=user.id, purpose=purpose, code_hash=self._hash(user, purpose, code),
                                     expires_at=expires, attempts=0))
        add_event(
            self.session,
            CodeIssued(
                user_id=str(user.id), username=user.username, full_name=user.full_name, purpose=purpose,
                channel=channel, email=user.email if channel == "email" else None,
                phone=user.phone if channel == "sms" else None, code=code, expires_at=expires.isoformat(),
            ),
            source="/gateway",
            subject=str(user.id),
        )

    async def use(self, user: User, purpose: str, code: str) -> bool:
        """True once for the right code in time; a wrong one uses up a try (the caller commits either way)."""
        row = await self.session.get(OneTimeCode, (user.id, purpose), with_for_update=True)
        if row is None:
            return False
        if row.expires_at <= datetime.now(UTC) or row.attempts >= CODE_ATTEMPTS:
            await self.session.delete(row)
            return False
        if not hmac.compare_digest(row.code_hash, self._hash(user, purpose, code)):
            row.attempts += 1
            return False
        await self.session.delete(row)
        return True


class Totp:
    @staticmethod
    def new_secret() -> str:
        return pyotp.random_base32()

    @staticmethod
    def uri(user: User, secret: str) -> str:
        return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=TOTP_ISSUER)

    @staticmethod
    def check(user: User, otp: str | None) -> bool:
        """The current code (or the one before or after, for clocks apart), each time step accepted once."""
        if not user.mfa_secret or not otp or not otp.isdigit() or len(otp) != 6:
            return False
        totp = pyotp.TOTP(user.mfa_secret)
        now = time.time()
        for drift in (0, -1, 1):
            step = int(now // totp.interval) + drift
            if step <= (user.mfa_last_step or -1):
                continue
            if hmac.compare_digest(totp.at(step * totp.interval), otp):
                user.mfa_last_step = step
                return True
        return False


def invalid_grant() -> Unauthorized:
    return Unauthorized("Tên đăng nhập hoặc mật khẩu không đúng.", slug="invalid-grant", error="invalid_grant")


def user_filter(q: str | None, role: str | None, agency: str | None) -> list[object]:
    conditions: list[object] = []
    if q:
        escaped = q.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        conditions.append(
            or_(
                func.lower(User.username).like(like),
                func.lower(User.full_name).like(like),
                func.lower(func.coalesce(User.email, "")).like(like),
                User.phone.like(like),
                User.id_number.like(like),
            )
        )
    if role:
        conditions.append(User.roles.contains([role]))
    if agency:
        conditions.append(User.agency_code == agency)
    return conditions
