from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from interop_svc.system.models import System, SystemCertificate


class SystemRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_code(self, code: str, *, for_update: bool = False) -> System | None:
        query = select(System).where(System.code == code).options(selectinload(System.certificates))
        if for_update:
            query = query.with_for_update()
        return (await self.session.scalars(query)).one_or_none()

    async def by_client_id(self, client_id: str) -> System | None:
        query = select(System).where(System.client_id == client_id).options(selectinload(System.certificates))
        return (await self.session.scalars(query)).one_or_none()

    async def list(self) -> list[System]:
        query = select(System).options(selectinload(System.certificates)).order_by(System.code)
        return list((await self.session.scalars(query)).all())

    async def add(self, system: System, certificate: SystemCertificate) -> None:
        self.session.add(system)
        await self.session.flush()
        certificate.system_id = system.id
        self.session.add(certificate)
        await self.session.flush()

    async def add_certificate(self, certificate: SystemCertificate) -> None:
        self.session.add(certificate)
        await self.session.flush()

    async def refresh(self, system: System) -> System:
        await self.session.flush()
        await self.session.refresh(system, attribute_names=["certificates"])
        return system
