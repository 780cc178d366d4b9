from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.auth import Principal
from workflow_svc.definition.defaults import DEFAULT_CODE, DEFAULT_DEFINITION
from workflow_svc.definition.models import ProcessDefinition
from workflow_svc.definition.repository import DefinitionRepository
from workflow_svc.definition.schemas import DefinitionBody, DefinitionRead
from workflow_svc.definition.validation import validate_definition
from workflow_svc.errors import Conflict


@dataclass(frozen=True)
class Resolved:
    """The definition a procedure uses now: its own, the saved default, or the built-in default."""

    code: str  # the procedure code it was saved under, or "default"
    version: int
    body: DefinitionBody
    updated_at: datetime | None = None
    updated_by: str | None = None


class DefinitionService:
    def __init__(self, session: AsyncSession) -> None:
        self.repo = DefinitionRepository(session)
        self.session = session

    async def resolve(self, procedure_code: str) -> Resolved:
        for code in dict.fromkeys((procedure_code, DEFAULT_CODE)):
            row = await self.repo.latest(code)
            if row is not None:
                return Resolved(code, row.version, DefinitionBody.model_validate(row.body), row.created_at,
                                row.created_by)
        return Resolved(DEFAULT_CODE, 0, DEFAULT_DEFINITION)

    async def read(self, procedure_code: str) -> DefinitionRead:
        r = await self.resolve(procedure_code)
        return DefinitionRead(procedure_code=procedure_code, version=r.version,
                              is_default=r.code != procedure_code or procedure_code == DEFAULT_CODE,
                              updated_at=r.updated_at, updated_by=r.updated_by, **r.body.model_dump())

    async def save(self, procedure_code: str, body: DefinitionBody, principal: Principal) -> DefinitionRead:
        body = validate_definition(body)
        version = await self.repo.next_version(procedure_code)
        row = ProcessDefinition(procedure_code=procedure_code, version=version, body=body.model_dump(mode="json"),
                                created_by=principal.full_name or principal.username or principal.id)
        try:
            async with self.session.begin_nested():
                await self.repo.add(row)
        except IntegrityError:
            raise Conflict("Quy trình vừa được người khác cập nhật, vui lòng thử lại.") from None
        return DefinitionRead(procedure_code=procedure_code, version=version, is_default=procedure_code == DEFAULT_CODE,
                              updated_at=row.created_at, updated_by=row.created_by, **body.model_dump())
