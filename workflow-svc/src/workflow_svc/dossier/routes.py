from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from servicekit.idempotency import IdempotencyDep
from servicekit.openapi import errors
from workflow_svc.deps import CurrentUser, SessionDep
from workflow_svc.dossier.schemas import ActionRequest, ActionResult, ControlSheet, DossierRead, TaskPage
from workflow_svc.dossier.service import DossierService
from workflow_svc.dossier.views import DossierViews

router = APIRouter(prefix="/api/v1/workflow", tags=["processing"])

DossierCode = Annotated[str, Path(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9._-]+$")]


def _service(request: Request, session: Any) -> DossierService:
    return DossierService(session, request.app.state.settings)


def _views(request: Request, session: Any) -> DossierViews:
    return DossierViews(session, request.app.state.settings)


@router.get("/tasks", response_model=TaskPage)
async def list_tasks(
    request: Request, session: SessionDep, user: CurrentUser,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1, size: Annotated[int, Query(ge=1, le=200)] = 20,
    assigned: Annotated[Literal["me", "none"] | None, Query(
        description="me: the tasks the caller has claimed; none: those nobody has claimed yet; default both")] = None,
) -> TaskPage:
    return await _views(request, session).tasks(user, page, size, assigned)


@router.get("/dossiers/{code}", response_model=DossierRead)
async def get_dossier(code: DossierCode, request: Request, session: SessionDep, user: CurrentUser) -> DossierRead:
    return await _views(request, session).read(code, user)


@router.post("/dossiers/{code}/actions", response_model=ActionResult,
             responses=errors(409, 503))  # 503: intake cannot say whose a named file is
async def act_on_dossier(idem: IdempotencyDep,
    code: DossierCode, body: ActionRequest, request: Request, session: SessionDep, user: CurrentUser,
) -> Response:
    if (replayed := await idem.start(body.model_dump(mode="json"))) is not None:
        return replayed
    intake = request.app.state.intake
    authorization = request.headers.get("authorization", "")

    async def refused_files(file_ids: list[str]) -> dict[str, str]:
        return await intake.refused_files(code, file_ids, authorization)

    result = await _service(request, session).act(code, user, body, idem.event_id, refused_files=refused_files)
    payload = result.model_dump(mode="json")
    idem.store(200, payload)
    return JSONResponse(payload)


@router.get("/dossiers/{code}/control-sheet", response_model=ControlSheet)
async def get_control_sheet(
    code: DossierCode, request: Request, session: SessionDep, user: CurrentUser,
) -> ControlSheet:
    return await _views(request, session).control_sheet(code, user)


@router.get("/dossiers/{code}/apology", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}, "description": "form 04 (PDF)"}})
async def get_apology(code: DossierCode, request: Request, session: SessionDep, user: CurrentUser) -> Response:
    """Form 04: Phiếu xin lỗi và hẹn lại ngày trả kết quả of the dossier's latest extension."""
    pdf = await _views(request, session).apology(code, user)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="mau-04-{code}.pdf"'})


@router.get("/dossiers/{code}/forms/{form}", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}, "description": "form 04 or 05 (PDF)"}})
async def get_form(
    code: DossierCode, form: Annotated[str, Path(pattern=r"^[0-9]{2}$")], request: Request, session: SessionDep,
    user: CurrentUser,
) -> Response:
    """Form 04 (apology, new appointment: officers of the lead agency and the dossier's owner) or form 05
    (process control sheet: officers) as a PDF; 404 when that form does not exist for the dossier."""
    pdf = await _views(request, session).form(code, form, user)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="mau-{form}-{code}.pdf"'})
