from __future__ import annotations

import asyncio
import json
import logging
import uuid
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.gateway import OfficerSaved, UserRegistered
from gateway.identity.models import User
from gateway.identity.repository import UserRepository
from gateway.identity.schemas import UserCreate, UserRegister
from gateway.identity.tokens import TokenIssuer
from servicekit.auth import OFFICER_ROLES
from servicekit.outbox import add_event
from servicekit.problems import Conflict, Invalid, Unauthorized

log = logging.getLogger(__name__)

_hasher = PasswordHasher()
# Compared against when the user does not exist, so a wrong username costs as much as a wrong password.
_DUMMY_HASH = _hasher.hash("dummy-password-for-timing")

_TAKEN = {
    "username": "Tên đăng nhập đã được sử dụng.",
    "id_number": "Số Căn cước công dân này đã có tài khoản.",
}


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(stored: str, password: str) -> bool:
    def check() -> bool:
        try:
            return _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)


class IdentityService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.users = UserRepository(session)

    async def register(self, body: UserRegister) -> User:
        taken = await self.users.username_or_id_number_taken(body.username, body.id_number)
        if taken:
            raise Conflict(_TAKEN[taken], errors=[{"loc": ["body", taken], "msg": _TAKEN[taken]}])
        user = User(
            username=body.username,
            password_hash=await hash_password(body.password),
            full_name=body.full_name,
            id_number=body.id_number,
            phone=body.phone,
            email=body.email,
            roles=["citizen"],
        )
        self.users.add(user)
        await self.session.flush()
        add_event(
            self.session,
            UserRegistered(
                user_id=str(user.id),
                username=user.username,
                full_name=user.full_name,
                email=user.email,
                phone=user.phone,
            ),
            source="/gateway",
            subject=str(user.id),
        )
        return user

    async def create_user(self, body: UserCreate) -> User:
        officer_roles = set(body.roles) - {"citizen", "admin", "auditor"}
        if officer_roles and not body.agency_code:
            raise Invalid.field(("body", "agency_code"), "Cán bộ phải thuộc một cơ quan: cần mã cơ quan.")
        taken = await self.users.username_or_id_number_taken(body.username, None)
        if taken:
            raise Conflict(_TAKEN[taken], errors=[{"loc": ["body", taken], "msg": _TAKEN[taken]}])
        user = User(
            username=body.username,
            password_hash=await hash_password(body.password),
            full_name=body.full_name,
            roles=body.roles,
            agency_code=body.agency_code,
            department=body.department,
            email=body.email,
            phone=body.phone,
        )
        self.users.add(user)
        await self.session.flush()
        self.officer_saved(user)
        return user

    def officer_saved(self, user: User) -> None:
        """Every creation or change of an officer's account is published (whole), through the outbox."""
        if not set(user.roles) & OFFICER_ROLES:
            return
        user.officer_published_at = datetime.now(UTC)
        add_event(
            self.session,
            OfficerSaved(
                user_id=str(user.id), username=user.username, full_name=user.full_name, roles=list(user.roles),
                agency_code=user.agency_code, department=user.department, active=user.active,
            ),
            source="/gateway",
            subject=str(user.id),
        )

    async def contact(self, user_id: str) -> User | None:
        """The account's own contact data (a client-credentials principal has none)."""
        try:
            return await self.users.by_id(uuid.UUID(user_id))
        except ValueError:
            return None

    async def password_grant(self, issuer: TokenIssuer, username: str, password: str, ttl: int) -> str:
        user = await self.users.by_username(username.strip().lower())
        ok = await verify_password(user.password_hash if user else _DUMMY_HASH, password)
        if user is None or not ok or not user.active:
            raise Unauthorized("Tên đăng nhập hoặc mật khẩu không đúng.", slug="invalid-grant", error="invalid_grant")
        return issuer.issue(
            sub=str(user.id),
            ttl=ttl,
            username=user.username,
            name=user.full_name,
            roles=list(user.roles),
            agency_code=user.agency_code,
            department=user.department,
        )

    async def client_grant(self, issuer: TokenIssuer, client_id: str, secret: str, ttl: int) -> str:
        client = await self.users.client(client_id)
        ok = await verify_password(client.secret_hash if client else _DUMMY_HASH, secret)
        if client is None or not ok or not client.active:
            raise Unauthorized(
                "Thông tin định danh hệ thống không đúng.", slug="invalid-client", error="invalid_client"
            )
        return issuer.issue(
            sub=f"client:{client.client_id}",
            ttl=ttl,
            username=client.system_code,
            name=client.name,
            roles=list(client.roles),
            agency_code=client.agency_code,
            client_id=client.client_id,
        )

    async def bootstrap(self, *, admin_password: str | None, demo: bool) -> list[dict[str, Any]]:
        """First start: create ``admin`` from DVC_ADMIN_PASSWORD; in demo mode, the demo accounts too."""
        created: list[dict[str, Any]] = []
        if not await self.users.any_admin():
            if admin_password:
                await self.create_user(
                    UserCreate(
                        username="admin", password=admin_password, full_name="Quản trị hệ thống", roles=["admin"]
                    )
                )
                created.append({"username": "admin", "password": "(DVC_ADMIN_PASSWORD)", "roles": ["admin"]})
            elif not demo:
                raise RuntimeError("no admin account exists: set DVC_ADMIN_PASSWORD (or run in demo mode)")
        if demo:
            for acc in demo_accounts():
                if await self.users.by_username(acc["username"]) is None:
                    if "citizen" in acc["roles"]:
                        user = User(
                            username=acc["username"],
                            password_hash=await hash_password(acc["password"]),
                            full_name=acc["full_name"],
                            id_number=acc.get("id_number"),
                            phone=acc.get("phone"),
                            email=acc.get("email"),
                            roles=["citizen"],
                        )
                        self.users.add(user)
                        await self.session.flush()
                    else:
                        await self.create_user(UserCreate(**{k: v for k, v in acc.items() if k != "id_number"}))
                    created.append({k: acc[k] for k in ("username", "password", "roles")})
        # accounts made before officers were published (an older database) go out once, so the services that
        # keep a list of officers (workflow) know them all
        for user in await self.users.officers_unpublished(sorted(OFFICER_ROLES)):
            self.officer_saved(user)
        return created


def demo_accounts() -> list[dict[str, Any]]:
    data = resources.files("gateway").joinpath("demo_accounts.json").read_text(encoding="utf-8")
    accounts: list[dict[str, Any]] = json.loads(data)
    return accounts
