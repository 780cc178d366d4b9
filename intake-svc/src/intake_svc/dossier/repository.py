from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from intake_svc.dossier.models import Dossier, DossierAction, DossierDocument
from intake_svc.file.models import StoredFile

# plain SQL: SQLAlchemy's PostgreSQL ``insert … on_conflict`` has no cache key and is compiled again on every call
NEXT_NUMBER = text(
    "INSERT INTO dossier_counters (agency_code, day, n) VALUES (:agency_code, :day, 1) "
    "ON CONFLICT (agency_code, day) DO UPDATE SET n = dossier_counters.n + 1 RETURNING n"
)


class DossierRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def next_number(self, agency_code: str, day: date) -> int:
        """The next number of that agency's day. The counter row stays locked until our transaction ends:
        a concurrent submission waits here, and if we roll back the increment rolls back with us, so
        numbers never repeat and never skip. Callers take it as late as possible to keep the wait short."""
        return int((await self.session.execute(NEXT_NUMBER, {"agency_code": agency_code, "day": day})).scalar_one())

    def add(self, obj: Any) -> None:
        self.session.add(obj)

    async def flush(self) -> None:
        await self.session.flush()

    async def by_code(self, code: str) -> Dossier | None:
        return await self.session.scalar(select(Dossier).where(Dossier.code == code))

    async def documents(self, dossier_id: uuid.UUID) -> list[DossierDocument]:
        rows = await self.session.scalars(
            select(DossierDocument).where(DossierDocument.dossier_id == dossier_id)
            .order_by(DossierDocument.round, DossierDocument.id)
        )
        return list(rows)

    async def file_types(self, file_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[str, int]]:
        """Each file's media type and size, for clients that show a document inline or offer it to download."""
        if not file_ids:
            return {}
        rows = await self.session.execute(
            select(StoredFile.id, StoredFile.media_type, StoredFile.size).where(StoredFile.id.in_(file_ids)))
        return {r.id: (r.media_type, int(r.size)) for r in rows}

    async def actions(self, dossier_id: uuid.UUID) -> list[DossierAction]:
        rows = await self.session.scalars(
            select(DossierAction).where(DossierAction.dossier_id == dossier_id).order_by(DossierAction.id)
        )
        return list(rows)

    async def has_event(self, dossier_id: uuid.UUID, event_id: str) -> bool:
        """Whether the log already holds a row written for that event (events may arrive twice)."""
        return bool(await self.session.scalar(
            select(DossierAction.id).where(DossierAction.dossier_id == dossier_id, DossierAction.event_id == event_id)
            .limit(1)))

    async def has_transition(self, dossier_id: uuid.UUID, transition: str) -> bool:
        return bool(await self.session.scalar(
            select(DossierAction.id).where(DossierAction.dossier_id == dossier_id,
                                           DossierAction.data["transition"].astext == transition).limit(1)))

    async def save_transition(self, dossier: Dossier, expected_version: int, values: dict[str, Any]) -> bool:
        """Optimistic concurrency: applies only if nobody changed the dossier since ``expected_version``."""
        result = await self.session.execute(
            update(Dossier)
            .where(Dossier.id == dossier.id, Dossier.version == expected_version)
            .values(**values, version=expected_version + 1)
            .returning(Dossier.version)
            .execution_options(synchronize_session=False)
        )
        new_version = result.scalar_one_or_none()
        if new_version is None:
            return False
        # the row is already written: update the loaded object without marking it dirty
        for k, v in values.items():
            set_committed_value(dossier, k, v)
        set_committed_value(dossier, "version", new_version)
        return True
