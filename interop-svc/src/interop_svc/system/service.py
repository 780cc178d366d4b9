"""Registration, certificate rotation and revocation of one-stop systems."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from cryptography import x509
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.interop import SystemRegistered, SystemRevoked
from interop_svc.catalog.client import AgencyDirectory
from interop_svc.errors import Conflict, Forbidden, Invalid, NotFound
from interop_svc.system.certificates import certificate_object, validate_certificate_pem
from interop_svc.system.models import System, SystemCertificate
from interop_svc.system.repository import SystemRepository
from interop_svc.system.schemas import CertificateRotate, SystemCreate
from servicekit.auth import Principal
from servicekit.outbox import add_event

SOURCE = "/interop-svc"
_HASHER = PasswordHasher()


@dataclass(frozen=True, slots=True)
class Registration:
    system: System
    client_secret: str


def trusted_certificates(system: System, now: datetime | None = None) -> list[x509.Certificate]:
    """The certificates a message of this system may be signed with right now (several during a rotation)."""
    now = now or datetime.now(UTC)
    return [certificate_object(c.fingerprint, c.pem) for c in system.certificates if c.trusted_at(now)]


class SystemService:
    def __init__(self, session: AsyncSession, *, overlap_hours: int = 72, agencies: AgencyDirectory | None = None):
        self.session = session
        self.repo = SystemRepository(session)
        self.overlap = timedelta(hours=overlap_hours)
        self.agencies = agencies

    async def register(self, data: SystemCreate, actor: Principal) -> Registration:
        info = validate_certificate_pem(data.certificate)
        if await self.repo.by_code(data.code) is not None:
            raise Conflict(f"Mã hệ thống {data.code} đã được đăng ký.", slug="system-exists")
        # The agency must exist in the catalog (503 if the catalog cannot say; nothing is written before).
        if self.agencies is not None and await self.agencies.agency_name(data.agency_code) is None:
            raise Invalid.field(("body", "agency_code"),
                                f"Không có cơ quan mã {data.agency_code} trong danh mục cơ quan.")
        secret = secrets.token_urlsafe(32)
        # argon2 is deliberately slow: keep it off the event loop.
        secret_hash = await asyncio.to_thread(_HASHER.hash, secret)
        now = datetime.now(UTC)
        system = System(
            code=data.code, name=data.name.strip(), agency_code=data.agency_code,
            client_id=f"onestop-{secrets.token_hex(8)}", push_url=data.push_url, status="active",
            created_at=now, created_by=actor.id,
        )
        certificate = SystemCertificate(
            pem=info.pem, fingerprint=info.fingerprint, subject=info.subject, key_type=info.key_type,
            not_before=info.not_before, not_after=info.not_after, added_at=now,
        )
        try:
            async with self.session.begin_nested():
                await self.repo.add(system, certificate)
        except IntegrityError:
            raise Conflict(f"Mã hệ thống {data.code} đã được đăng ký.", slug="system-exists") from None
        add_event(
            self.session,
            SystemRegistered(system_code=system.code, name=system.name, agency_code=system.agency_code,
                             client_id=system.client_id, secret_hash=secret_hash),
            source=SOURCE, subject=system.code,
        )
        return Registration(await self.repo.refresh(system), secret)

    async def get(self, code: str) -> System:
        system = await self.repo.by_code(code)
        if system is None:
            raise NotFound(f"Không tìm thấy hệ thống một cửa {code}.")
        return system

    async def list(self) -> list[System]:
        return await self.repo.list()

    async def _for_change(self, code: str) -> System:
        system = await self.repo.by_code(code, for_update=True)
        if system is None:
            raise NotFound(f"Không tìm thấy hệ thống một cửa {code}.")
        if system.status != "active":
            raise Conflict(f"Hệ thống {code} đã bị thu hồi.", slug="system-revoked")
        return system

    async def rotate_certificate(self, code: str, data: CertificateRotate) -> System:
        info = validate_certificate_pem(data.certificate)
        system = await self._for_change(code)
        if any(c.fingerprint == info.fingerprint for c in system.certificates):
            raise Conflict("Chứng thư số này đã được đăng ký cho hệ thống.", slug="certificate-exists")
        now = datetime.now(UTC)
        overlap = timedelta(hours=data.overlap_hours) if data.overlap_hours is not None else self.overlap
        for old in system.certificates:
            if old.revoked_at is None and (old.valid_until is None or old.valid_until > now + overlap):
                old.valid_until = now + overlap
        await self.repo.add_certificate(SystemCertificate(
            system_id=system.id, pem=info.pem, fingerprint=info.fingerprint, subject=info.subject,
            key_type=info.key_type, not_before=info.not_before, not_after=info.not_after, added_at=now,
        ))
        return await self.repo.refresh(system)

    async def revoke_certificate(self, code: str, fingerprint: str) -> System:
        """Ends a rotated-out certificate's overlap early; the current one is replaced by rotation instead."""
        system = await self._for_change(code)
        found = next((c for c in system.certificates if c.fingerprint == fingerprint.lower()), None)
        if found is None:
            raise NotFound("Không tìm thấy chứng thư số này của hệ thống.")
        current = max(system.certificates, key=lambda c: c.id)
        if found is current:
            raise Conflict(
                "Không thể thu hồi chứng thư số hiện hành: hãy thay chứng thư mới (PUT .../certificate) "
                "hoặc thu hồi cả hệ thống.", slug="current-certificate",
            )
        if found.revoked_at is None:
            found.revoked_at = datetime.now(UTC)
        return await self.repo.refresh(system)

    async def revoke(self, code: str, reason: str | None) -> System:
        system = await self.repo.by_code(code, for_update=True)
        if system is None:
            raise NotFound(f"Không tìm thấy hệ thống một cửa {code}.")
        if system.status == "revoked":
            return system  # revoking twice changes nothing and emits nothing
        now = datetime.now(UTC)
        system.status, system.revoked_at, system.revoke_reason = "revoked", now, reason
        for certificate in system.certificates:
            if certificate.revoked_at is None:
                certificate.revoked_at = now
        add_event(self.session, SystemRevoked(system_code=system.code, client_id=system.client_id),
                  source=SOURCE, subject=system.code)
        return await self.repo.refresh(system)


async def current_system(session: AsyncSession, principal: Principal) -> System:
    """The registered, active one-stop system behind a client-credentials token (checked on every call,
    so a revocation takes effect before the token expires)."""
    if not principal.has("onestop") or not principal.client_id:
        raise Forbidden("Chức năng này dành cho phần mềm một cửa điện tử đã đăng ký.")
    system = await SystemRepository(session).by_client_id(principal.client_id)
    if system is None:
        raise Forbidden("Hệ thống một cửa chưa được đăng ký.")
    if system.status != "active":
        raise Forbidden("Hệ thống một cửa đã bị thu hồi quyền kết nối.", slug="system-revoked")
    if principal.agency_code != system.agency_code:
        raise Forbidden("Mã cơ quan trong mã thông báo không khớp với hệ thống đã đăng ký.")
    return system
