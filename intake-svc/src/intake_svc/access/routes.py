"""What workflow-svc asks before it accepts a file named in an action (a proposal, a result, a hand-off's answer).

Outside the public paths (the gateway routes nothing here): workflow calls it with the acting officer's own
token, so the rules are applied to that officer (access/policy.py, ``attachable``). Nothing changes here.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from intake_svc.access.policy import AccessPolicy
from intake_svc.deps import SessionDep
from servicekit.auth import CurrentUser

router = APIRouter(prefix="/internal/v1", tags=["internal"], include_in_schema=False)


class AttachableQuery(BaseModel):
    file_ids: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(max_length=100)


class AttachableAnswer(BaseModel):
    refused: dict[str, str] = Field(description="each refused file id with the reason")


@router.post("/dossiers/{code}/attachable", response_model=AttachableAnswer)
async def check_attachable(code: Annotated[str, Path(max_length=100)], body: AttachableQuery, user: CurrentUser,
                           session: SessionDep) -> AttachableAnswer:
    return AttachableAnswer(refused=await AccessPolicy(session).attachable_to(user, code, body.file_ids))
