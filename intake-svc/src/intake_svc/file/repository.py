from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import cast

from sqlalchemy import Table, bindparam, exists, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from intake_svc.dossier.models import Dossier, DossierDocument
from intake_svc.file.models import StoredFile

FILES = cast(Table, StoredFile.__table__)
# the upload's and the submission's statements, made once: SQLAlchemy computes a new statement's cache key on every
# execution; the values are bound per execution
_INSERT = insert(FILES)
_OWNED = select(StoredFile).where(StoredFile.id.in_(bindparam("ids", expanding=True)),
                                  StoredFile.owner_id == bindparam("owner"))


class FileRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, f: StoredFile) -> None:
        self.session.add(f)

    async def insert(self, f: StoredFile) -> None:
        """Writes a new upload's row at once, as a Core insert: ``f`` stays out of the session (nothing to track;
        an upload is never changed afterwards), a fraction of the ORM flush's cost."""
        await self.session.execute(_INSERT, {"id": f.id, "owner_id": f.owner_id, "name": f.name, "size": f.size,
                                             "sha256": f.sha256, "media_type": f.media_type})

    async def get(self, file_id: uuid.UUID) -> StoredFile | None:
        return await self.session.get(StoredFile, file_id)

    async def owned(self, owner_id: str, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, StoredFile]:
        if not ids:
            return {}
        rows = await self.session.scalars(_OWNED, {"ids": list(ids), "owner": owner_id})
        return {f.id: f for f in rows}

    async def attached_to_agency(self, file_id: uuid.UUID, agency_code: str) -> bool:
        """True when the file belongs to a dossier of that agency (its officers may read it)."""
        stmt = select(
            exists().where(
                DossierDocument.file_id == file_id,
                DossierDocument.dossier_id == Dossier.id,
                Dossier.agency_code == agency_code,
            )
        )
        return bool(await self.session.scalar(stmt))
