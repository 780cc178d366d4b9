"""Agencies: the list, an admin adding one under an existing parent, and editing one (name, parent, contact
details; announced as ``catalog.agency.updated.v1`` so every replica's cached answers naming it are dropped)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from catalog_svc.agency.models import Agency
from catalog_svc.agency.repository import AgencyRepository
from catalog_svc.agency.schemas import AgencyCreate, AgencyUpdate
from catalog_svc.errors import Conflict, Invalid, NotFound
from contracts.catalog import AgencyUpdated
from servicekit.outbox import add_event

SOURCE = "/catalog-svc"


class AgencyService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repo = AgencyRepository(session)

    async def get(self, code: str) -> Agency:
        agency = await self.repo.get(code)
        if agency is None:
            raise NotFound(f"Không có cơ quan mã {code}.")
        return agency

    async def all(self, parent: str | None) -> Sequence[Agency]:
        return await self.repo.all(parent)

    async def create(self, body: AgencyCreate) -> Agency:
        if await self.repo.get(body.code) is not None:
            raise Conflict(f"Cơ quan có mã {body.code} đã tồn tại.")
        if body.parent_code is not None and await self.repo.get(body.parent_code) is None:
            raise Invalid.field(("body", "parent_code"), f"Không có cơ quan cấp trên mã {body.parent_code}.")
        agency = Agency(code=body.code, name=body.name, parent_code=body.parent_code)
        self.repo.add(agency)
        return agency

    async def update(self, code: str, body: AgencyUpdate, *, event_id: str | None = None) -> Agency:
        agency = await self.get(code)
        given = body.model_fields_set
        if "parent_code" in given and body.parent_code is not None:
            await self._check_parent(agency, body.parent_code)
        wanted: dict[str, str | None] = {}
        if "name" in given and body.name is not None:
            wanted["name"] = body.name
        if "parent_code" in given:
            wanted["parent_code"] = body.parent_code
        for field in ("address", "phone", "email"):
            if field in given:
                wanted[field] = getattr(body, field) or None
        changed = [field for field, value in wanted.items() if getattr(agency, field) != value]
        for field in changed:
            setattr(agency, field, wanted[field])
        if changed:
            await self.session.flush()
            add_event(self.session, AgencyUpdated(code=agency.code, name=agency.name, parent_code=agency.parent_code,
                                                  changed_fields=changed),
                      source=SOURCE, subject=agency.code, event_id=event_id)
        return agency

    async def _check_parent(self, agency: Agency, parent_code: str) -> None:
        """The parent exists and is neither the agency itself nor one of the agencies under it."""
        field = ("body", "parent_code")
        if parent_code == agency.code:
            raise Invalid.field(field, "Cơ quan cấp trên không thể là chính cơ quan này.")
        seen: set[str] = set()
        current: str | None = parent_code
        while current is not None and current not in seen:
            seen.add(current)
            row = await self.repo.get(current)
            if row is None:
                raise Invalid.field(field, f"Không có cơ quan cấp trên mã {current}.")
            if row.parent_code == agency.code:
                raise Invalid.field(field, "Cơ quan cấp trên không thể là một cơ quan trực thuộc cơ quan này.")
            current = row.parent_code
