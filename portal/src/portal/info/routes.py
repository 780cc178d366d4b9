"""Static information pages: the accessibility statement."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from portal.deps import VisitorDep
from portal.web.render import render
from portal.web.security import check_csrf

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)


@router.get("/kha-nang-tiep-can")
async def accessibility(request: Request, visitor: VisitorDep) -> Response:
    return render(request, "pages/accessibility.html", title="Tuyên bố về khả năng tiếp cận")
