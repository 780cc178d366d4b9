"""Annotated dependency aliases of the portal: the database session, the visitor, the API client."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from portal.account.service import Visitor
from portal.api import Api
from portal.web.security import current_visitor, logged_in_visitor, visitor_with_session
from servicekit.db import SessionDep


async def get_api(request: Request) -> Api:
    api: Api = request.app.state.api
    return api


ApiDep = Annotated[Api, Depends(get_api)]
VisitorDep = Annotated[Visitor | None, Depends(current_visitor)]
# a page with a POST form needs a session (for its CSRF token) even for an anonymous visitor
FormVisitorDep = Annotated[Visitor, Depends(visitor_with_session)]
CitizenDep = Annotated[Visitor, Depends(logged_in_visitor)]

__all__ = ["ApiDep", "CitizenDep", "FormVisitorDep", "SessionDep", "VisitorDep"]
