from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from servicekit.auth import CurrentUser, Principal, require_roles
from workflow_svc.definition.schemas import DefinitionBody, DefinitionRead
from workflow_svc.definition.service import DefinitionService
from workflow_svc.deps import SessionDep
from workflow_svc.errors import Forbidden

router = APIRouter(prefix="/api/v1/workflow/definitions", tags=["definitions"])

ProcedureCode = Annotated[str, Path(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9._-]+$")]


@router.get("/{procedure_code}", response_model=DefinitionRead)
async def get_definition(procedure_code: ProcedureCode, session: SessionDep, user: CurrentUser) -> DefinitionRead:
    if not user.is_officer:
        raise Forbidden("Chức năng này dành cho cán bộ.")
    return await DefinitionService(session).read(procedure_code)


@router.put("/{procedure_code}", response_model=DefinitionRead)
async def put_definition(
    procedure_code: ProcedureCode, body: DefinitionBody, session: SessionDep,
    user: Principal = require_roles("admin"),
) -> DefinitionRead:
    return await DefinitionService(session).save(procedure_code, body, user)
