from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from workflow_svc.deps import CurrentUser, SessionDep
from workflow_svc.officer.schemas import OfficerRead
from workflow_svc.officer.service import OfficerService

router = APIRouter(prefix="/api/v1/workflow", tags=["processing"])


@router.get("/officers", response_model=list[OfficerRead])
async def list_officers(
    session: SessionDep, user: CurrentUser,
    role: Annotated[Literal["reception", "specialist", "leader"] | None, Query()] = None,
) -> list[OfficerRead]:
    """The caller's agency's active officers (of one role, if given): whom a task can be reassigned to."""
    return await OfficerService(session).of_agency(user, role)
