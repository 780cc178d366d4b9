from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from intake_svc.deps import CalendarDep, CurrentUser, GatewayDep, NowDep, SessionDep, SettingsDep
from intake_svc.payment.models import Payment
from intake_svc.payment.schemas import (
    CounterPaymentCreate,
    PaymentCreated,
    PaymentList,
    PaymentRead,
    PaymentReturnRead,
    PaymentStateRead,
)
from intake_svc.payment.service import STATUS_VI, PaymentService
from servicekit.auth import Principal, require_roles
from servicekit.idempotency import IdempotencyDep
from servicekit.openapi import errors

router = APIRouter(prefix="/api/v1", tags=["payments"])

Citizen = Annotated[Principal, require_roles("citizen")]
Reception = Annotated[Principal, require_roles("reception")]


def _client_ip(request: Request) -> str:
    forwarded = request.headers.get("x-forwarded-for", "").split(",")[0].strip()
    if forwarded == "unknown":
        forwarded = ""
    return (forwarded or (request.client.host if request.client else "") or "127.0.0.1")[:45]


def _read(p: Payment) -> PaymentRead:
    return PaymentRead(payment_id=p.id, method=p.method, amount=p.amount, status=p.status,
                       status_label=STATUS_VI.get(p.status, p.status), created_at=p.created_at,
                       expires_at=p.expires_at, paid_at=p.paid_at,
                       pay_url=p.pay_url if p.status == "pending" else None, provider_txn_no=p.provider_txn_no,
                       bank_code=p.bank_code, receipt_no=p.receipt_no)


@router.post("/dossiers/{code}/payments", status_code=201, response_model=PaymentCreated)
async def request_payment(idem: IdempotencyDep, code: str, request: Request, principal: Citizen, session: SessionDep,
                          calendar: CalendarDep, now: NowDep, gateway: GatewayDep, settings: SettingsDep) -> Response:
    if (replayed := await idem.start({"code": code})) is not None:
        return replayed
    service = PaymentService(session, calendar=calendar, now=now, gateway=gateway, ttl=settings.payment_ttl)
    payment = await service.request_online(principal, code, client_ip=_client_ip(request), event_id=idem.event_id)
    assert payment.pay_url is not None and payment.expires_at is not None
    body = jsonable_encoder(PaymentCreated(payment_id=payment.id, amount=payment.amount, pay_url=payment.pay_url,
                                           expires_at=payment.expires_at))
    idem.store(201, body)
    return JSONResponse(body, status_code=201)


@router.get("/dossiers/{code}/payments", response_model=PaymentList)
async def list_payments(code: str, principal: CurrentUser, session: SessionDep, calendar: CalendarDep) -> PaymentList:
    dossier, payments = await PaymentService(session, calendar=calendar).payments(principal, code)
    return PaymentList(fees_due=dossier.fees_due, fees_paid=dossier.fees_paid or 0, fee_lines=dossier.fee_lines or [],
                       items=[_read(p) for p in payments])


@router.get("/dossiers/{code}/payments/{payment_id}", response_model=PaymentStateRead)
async def read_payment(code: str, payment_id: uuid.UUID, principal: CurrentUser, session: SessionDep,
                       calendar: CalendarDep) -> PaymentStateRead:
    """One payment and where the dossier's fees stand: what the portal's return page shows. ``payment_id`` in
    either form, the UUID or its 32 hex digits (``vnp_TxnRef`` of the provider's return)."""
    dossier, payment = await PaymentService(session, calendar=calendar).payment(principal, code, payment_id)
    return PaymentStateRead(**_read(payment).model_dump(), dossier_code=dossier.code,
                            fees_due=dossier.fees_due, fees_paid=dossier.fees_paid or 0,
                            payment_pending=dossier.payment_pending)


@router.post("/dossiers/{code}/payments/counter", status_code=201, response_model=PaymentRead)
async def record_counter_payment(idem: IdempotencyDep,
                                 code: str, body: CounterPaymentCreate, request: Request, principal: Reception,
                                 session: SessionDep, calendar: CalendarDep, now: NowDep) -> Response:
    if (replayed := await idem.start(body.model_dump(mode="json"))) is not None:
        return replayed
    payment = await PaymentService(session, calendar=calendar, now=now).counter(
        principal, code, body, event_id=idem.event_id)
    answer = jsonable_encoder(_read(payment))
    idem.store(201, answer)
    return JSONResponse(answer, status_code=201)


@router.get("/payments/ipn", tags=["payments"], responses={200: {"content": {"application/json": {"example": {
    "RspCode": "00", "Message": "Confirm Success"}}}}})
async def payment_ipn(request: Request, session: SessionDep, calendar: CalendarDep, now: NowDep,
                      gateway: GatewayDep) -> JSONResponse:
    """The provider's server-to-server notification (no token: its HMAC-SHA512 signature is verified)."""
    params = {k: v for k, v in request.query_params.items()}
    if gateway is None:
        return JSONResponse({"RspCode": "99", "Message": "Unknown error"})
    service = PaymentService(session, calendar=calendar, now=now, gateway=gateway)
    answer = await service.notify(params, remote=request.client.host if request.client else None)
    return JSONResponse(answer.json())


@router.get("/payments/return", response_model=PaymentReturnRead, responses=errors(404, 422, 503))
async def payment_return(request: Request, session: SessionDep, calendar: CalendarDep, now: NowDep,
                         gateway: GatewayDep) -> PaymentReturnRead:
    params = {k: v for k, v in request.query_params.items()}
    payment, dossier = await PaymentService(session, calendar=calendar, now=now, gateway=gateway).returned(
        params, remote=request.client.host if request.client else None)
    ok = params.get("vnp_ResponseCode") == "00"
    if payment.status == "paid":
        message = "Thanh toán thành công."
    elif ok:
        message = "Giao dịch thành công; hệ thống đang chờ xác nhận từ cổng thanh toán."
    else:
        message = "Giao dịch không thành công hoặc đã bị hủy."
    return PaymentReturnRead(valid=True, payment_id=payment.id, dossier_code=dossier.code, status=payment.status,
                             response_code=params.get("vnp_ResponseCode"), message=message)
