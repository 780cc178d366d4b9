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
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.gateway import OfficerSaved, UserRegistered
from gateway.identity.lifecycle import user_filter
from gateway.identity.models import User
from gateway.identity.repository import UserRepository
from gateway.identity.schemas import UserCreate, UserPatch, UserRegister
from gateway.identity.tokens import TokenIssuer
from servicekit.auth import OFFICER_ROLES
from servicekit.outbox import add_event
from servicekit.problems import Conflict, Invalid, NotFound, Unauthorized

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

    def officer_saved(self, user: User, *, was_officer: bool = False) -> None:
        """Every creation or change of an officer's account is published (whole), through the outbox; so is
        the change that makes an officer no longer one (the projections drop them from their lists)."""
        if not set(user.roles) & OFFICER_ROLES and not was_officer:
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

    async def authenticate(self, username: str, password: str) -> User | None:
        """The account when the password is right and the account active; the same cost either way."""
        user = await self.users.by_username(username.strip().lower())
        # the hash takes a while: the connection goes back to the pool meanwhile (a crowd logging in at once
        # would otherwise hold every connection while waiting for the CPU)
        await self.session.commit()
        ok = await verify_password(user.password_hash if user else _DUMMY_HASH, password)
        if user is None or not ok or not user.active:
            return None
        return user

    async def list_users(
        self, *, q: str | None, role: str | None, agency: str | None, page: int, size: int
    ) -> tuple[list[User], int]:
        conditions = user_filter(q, role, agency)
        total = await self.session.scalar(select(func.count()).select_from(User).where(*conditions))  # type: ignore[arg-type]
        rows = await self.session.scalars(
            select(User).where(*conditions).order_by(User.username).offset((page - 1) * size).limit(size)  # type: ignore[arg-type]
        )
        return list(rows), int(total or 0)

    async def patch_user(self, admin_id: str, username: str, body: UserPatch) -> tuple[User, bool | None]:
        """Applies an admin's change; returns the account and whether it was just disabled (True) or
        re-enabled (False), None when ``active`` did not change."""
        user = await self.users.by_username(username.strip().lower())
        if user is None:
            raise NotFound("Không tìm thấy tài khoản.")
        was_officer = bool(set(user.roles) & OFFICER_ROLES)
        fields = body.model_fields_set
        if ("active" in fields and body.active is None) or ("roles" in fields and body.roles is None):
            raise Invalid.field(("body", "active" if body.active is None and "active" in fields else "roles"),
                                "Giá trị không được để trống.")
        if "full_name" in fields and body.full_name is None:
            raise Invalid.field(("body", "full_name"), "Họ và tên không được để trống.")
        roles = body.roles if body.roles is not None else user.roles
        agency = body.agency_code if "agency_code" in fields else user.agency_code
        if set(roles) - {"citizen", "admin", "auditor"} and not agency:
            raise Invalid.field(("body", "agency_code"), "Cán bộ phải thuộc một cơ quan: cần mã cơ quan.")
        drops_admin = body.roles is not None and "admin" not in body.roles
        if str(user.id) == admin_id and (body.active is False or drops_admin):
            raise Conflict("Quản trị viên không thể tự khóa tài khoản hoặc tự bỏ vai trò quản trị của mình.")
        changed: bool | None = None
        if body.active is not None and body.active != user.active:
            user.active = body.active
            changed = not body.active
            if not body.active:
                user.disabled_at = datetime.now(UTC)
        user.roles = list(roles)
        user.agency_code = agency
        if body.full_name is not None:
            user.full_name = body.full_name
        await self.session.flush()
        self.officer_saved(user, was_officer=was_officer)
        return user, changed

    async def set_password(self, user: User, new_password: str) -> None:
        user.password_hash = await hash_password(new_password)
        user.password_changed_at = datetime.now(UTC)

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
