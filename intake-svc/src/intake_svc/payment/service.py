"""Fees and payments: online through the provider (VNPAY protocol), at the counter, and expiry.

Nothing is recorded from the provider until its notification (IPN) is verified: signature, merchant,
order reference, amount (× 100) and currency. The IPN is answered with the protocol's RspCode and is
idempotent: a payment leaves ``pending`` once, so the same notification again is "already confirmed".
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.intake import PaymentExpired, PaymentPaid, PaymentRequested
from intake_svc.dossier.models import Dossier
from intake_svc.dossier.service import Actor, DossierService
from intake_svc.dossier.status import TRANSITIONS, Status
from intake_svc.errors import Conflict, Invalid, NotFound, Problem
from intake_svc.metrics import PAYMENTS
from intake_svc.payment import vnpay
from intake_svc.payment.models import Payment, PaymentNotification
from intake_svc.payment.repository import PaymentRepository
from intake_svc.payment.schemas import CounterPaymentCreate
from intake_svc.result.service import ResultService
from servicekit.auth import Principal
from vncalendar import WorkCalendar

log = logging.getLogger(__name__)

PROVIDER = Actor(None, "Cổng thanh toán trực tuyến", "payment_provider")
SYSTEM = Actor(None, "Cổng Dịch vụ công tỉnh Đồng Nai", "system")
PAYABLE = TRANSITIONS["payment_requested"][0]
STATUS_VI = {"pending": "Chờ thanh toán", "paid": "Đã thanh toán", "failed": "Thanh toán không thành công",
             "expired": "Hết thời gian thanh toán"}


@dataclass(frozen=True)
class IpnAnswer:
    code: str
    message: str

    def json(self) -> dict[str, str]:
        return {"RspCode": self.code, "Message": self.message}


class PaymentService:
    def __init__(self, session: AsyncSession, *, calendar: WorkCalendar, now: datetime | None = None,
                 gateway: vnpay.Gateway | None = None, ttl: float = 900.0, results: ResultService | None = None
                 ) -> None:
        self.session = session
        self.dossiers = DossierService(session, calendar=calendar, now=now)
        self.now = self.dossiers.now
        self.repo = PaymentRepository(session)
        self.gateway = gateway
        self.ttl = timedelta(seconds=ttl)
        self.results = results or ResultService(session, calendar=calendar, now=self.now)

    # reads ---------------------------------------------------------------------------------------------
    async def payments(self, principal: Principal, code: str) -> tuple[Dossier, list[Payment]]:
        dossier = await self.dossiers.visible(principal, code)
        return dossier, await self.repo.of_dossier(dossier.id)

    async def payment(self, principal: Principal, code: str, payment_id: uuid.UUID) -> tuple[Dossier, Payment]:
        """One payment of a dossier the caller may see (the portal's return page asks for it by vnp_TxnRef)."""
        dossier = await self.dossiers.visible(principal, code)
        payment = next((p for p in await self.repo.of_dossier(dossier.id) if p.id == payment_id), None)
        if payment is None:
            raise NotFound("Không tìm thấy giao dịch thanh toán.")
        return dossier, payment

    # the applicant asks to pay online ------------------------------------------------------------------
    async def request_online(self, principal: Principal, code: str, *, client_ip: str,
                             event_id: str | None) -> Payment:
        dossier = await self.dossiers.owned(principal, code)
        if dossier.level < 4:
            raise Invalid.field(("path", "code"),
                                f"Dịch vụ mức độ {dossier.level} không hỗ trợ thanh toán trực tuyến")
        if self.gateway is None:
            raise Problem("Cổng thanh toán trực tuyến chưa được cấu hình; vui lòng thử lại sau.", status=503,
                          slug="payment-unavailable")
        if Status(dossier.status) not in PAYABLE:
            raise Conflict("Hồ sơ ở trạng thái này không thể thanh toán phí, lệ phí.", slug="invalid-transition",
                           status_now=dossier.status)
        if dossier.fees_due is None:
            raise Conflict("Phí, lệ phí của hồ sơ chưa được xác định (được tính khi tiếp nhận hồ sơ).",
                           slug="fees-not-assessed")
        remaining = dossier.fees_due - (dossier.fees_paid or 0)
        if remaining <= 0:
            raise Conflict("Hồ sơ không còn phí, lệ phí phải nộp.", slug="nothing-due")
        for pending in await self.repo.pending_of(dossier.id):
            if pending.expires_at is not None and pending.expires_at <= self.now:
                await self._expire(pending, dossier)
            else:
                raise Conflict("Hồ sơ đang có một yêu cầu thanh toán chưa hoàn tất.", slug="payment-pending",
                               payment_id=str(pending.id), pay_url=pending.pay_url)
        payment_id = uuid.uuid4()
        expires_at = self.now + self.ttl
        pay_url = self.gateway.payment_url(
            txn_ref=payment_id.hex, amount=remaining, order_info=f"Thanh toan phi, le phi ho so {dossier.code}",
            created_at=self.now, expires_at=expires_at, client_ip=client_ip,
            return_url=self.gateway.return_url_for(dossier.code, payment_id.hex))
        payment = Payment(id=payment_id, dossier_id=dossier.id, txn_ref=payment_id.hex, method="online",
                          amount=remaining, status="pending", created_at=self.now, created_by=principal.id,
                          expires_at=expires_at, pay_url=pay_url)
        self.repo.add(payment)
        await self.session.flush()
        PAYMENTS.add(1, {"method": "online", "outcome": "requested"})
        await self.dossiers._transition(
            dossier, "payment_requested", Actor.of(principal, "citizen"), event_id=event_id,
            values={"payment_pending": True},
            data={"payment_id": str(payment_id), "amount": remaining, "expires_at": expires_at.isoformat()})
        self.dossiers._emit(dossier, PaymentRequested, principal.id, event_id, payment_id=str(payment_id),
                            amount=remaining, expires_at=expires_at)
        return payment

    # the provider's server-to-server notification -------------------------------------------------------
    async def notify(self, params: Mapping[str, str], *, remote: str | None) -> IpnAnswer:
        payment_id: uuid.UUID | None = None
        try:
            async with self.session.begin_nested():
                answer, payment_id = await self._notify(params)
        except Exception:
            log.exception("payment notification failed: %s", params.get("vnp_TxnRef"))
            answer = IpnAnswer(*vnpay.UNKNOWN_ERROR)
        if answer.code not in ("00", "02"):
            log.warning("payment notification refused (%s %s): ref=%s amount=%s from %s", answer.code,
                        answer.message, params.get("vnp_TxnRef"), params.get("vnp_Amount"), remote)
        self._record("ipn", params, answer, payment_id if answer.code != "01" else None, remote)
        return answer

    async def _notify(self, params: Mapping[str, str]) -> tuple[IpnAnswer, uuid.UUID | None]:
        assert self.gateway is not None
        if not vnpay.verify(params, self.gateway.secret) or params.get("vnp_TmnCode") != self.gateway.tmn_code:
            return IpnAnswer(*vnpay.INVALID_SIGNATURE), None
        payment = await self.repo.by_ref_for_update(params.get("vnp_TxnRef") or "")
        if payment is None or payment.method != "online":
            return IpnAnswer(*vnpay.ORDER_NOT_FOUND), None
        amount = params.get("vnp_Amount") or ""
        if not amount.isdigit() or int(amount) != payment.amount * 100 or params.get("vnp_CurrCode", "VND") != "VND":
            return IpnAnswer(*vnpay.INVALID_AMOUNT), payment.id
        if payment.status != "pending":
            if payment.status == "expired" and params.get("vnp_ResponseCode") == "00":
                log.error("payment %s confirmed by the provider after it expired: to reconcile", payment.id)
            return IpnAnswer(*vnpay.ALREADY_CONFIRMED), payment.id
        dossier = await self.repo.dossier(payment.dossier_id)
        assert dossier is not None
        payment.provider_txn_no = (params.get("vnp_TransactionNo") or "")[:40] or None
        payment.bank_code = (params.get("vnp_BankCode") or "")[:20] or None
        payment.response_code = (params.get("vnp_ResponseCode") or "")[:4] or None
        payment.closed_at = self.now
        others = [p for p in await self.repo.pending_of(dossier.id) if p.id != payment.id]
        succeeded = params.get("vnp_ResponseCode") == "00" and params.get("vnp_TransactionStatus", "00") == "00"
        data = {"payment_id": str(payment.id), "amount": payment.amount, "provider_txn_no": payment.provider_txn_no,
                "bank_code": payment.bank_code, "response_code": payment.response_code}
        if succeeded:
            payment.status, payment.paid_at = "paid", self.now
            await self.session.flush()
            PAYMENTS.add(1, {"method": "online", "outcome": "paid"})
            await self.dossiers._transition(
                dossier, "payment_paid", PROVIDER, note="Đã thanh toán trực tuyến",
                values={"fees_paid": (dossier.fees_paid or 0) + payment.amount, "payment_pending": bool(others)},
                data=data)
            self.dossiers._emit(dossier, PaymentPaid, None, None, payment_id=str(payment.id), amount=payment.amount,
                                method="online")
            await self.results.release_if_ready(dossier)
        else:
            payment.status = "failed"
            await self.session.flush()
            PAYMENTS.add(1, {"method": "online", "outcome": "failed"})
            await self.dossiers._transition(
                dossier, "payment_failed", PROVIDER, note=f"Giao dịch không thành công (mã {payment.response_code})",
                values={"payment_pending": bool(others)}, data=data)
        return IpnAnswer(*vnpay.CONFIRMED), payment.id

    def _record(self, channel: str, params: Mapping[str, str], answer: IpnAnswer, payment_id: uuid.UUID | None,
                remote: str | None) -> None:
        self.repo.add(PaymentNotification(
            received_at=self.now, channel=channel, txn_ref=(params.get("vnp_TxnRef") or "")[:100] or None,
            payment_id=payment_id, params={str(k)[:100]: str(v)[:1000] for k, v in list(params.items())[:60]},
            rsp_code=answer.code, message=answer.message, remote=(remote or "")[:100] or None))

    # the browser back from the provider (state changes only through the IPN) ---------------------------
    async def returned(self, params: Mapping[str, str], *, remote: str | None) -> tuple[Payment, Dossier]:
        if self.gateway is None or not vnpay.verify(params, self.gateway.secret):
            self._record("return", params, IpnAnswer(*vnpay.INVALID_SIGNATURE), None, remote)
            raise Invalid.field(("query", "vnp_SecureHash"), "Chữ ký của cổng thanh toán không hợp lệ.")
        payment = await self.repo.by_ref(params.get("vnp_TxnRef") or "")
        dossier = await self.repo.dossier(payment.dossier_id) if payment else None
        if payment is None or dossier is None:
            raise NotFound("Không tìm thấy giao dịch thanh toán.")
        return payment, dossier

    # expiry ----------------------------------------------------------------------------------------------
    async def expire_due(self, limit: int = 100) -> int:
        batch = await self.repo.expired_batch(self.now, limit)
        for payment in batch:
            dossier = await self.repo.dossier(payment.dossier_id)
            assert dossier is not None
            await self._expire(payment, dossier)
        return len(batch)

    async def _expire(self, payment: Payment, dossier: Dossier) -> None:
        payment.status, payment.closed_at = "expired", self.now
        PAYMENTS.add(1, {"method": payment.method, "outcome": "expired"})
        await self.session.flush()
        others = [p for p in await self.repo.pending_of(dossier.id) if p.id != payment.id]
        await self.dossiers._transition(
            dossier, "payment_expired", SYSTEM, note="Yêu cầu thanh toán đã hết hạn",
            values={"payment_pending": bool(others)}, data={"payment_id": str(payment.id), "amount": payment.amount})
        self.dossiers._emit(dossier, PaymentExpired, None, None, payment_id=str(payment.id))

    # fees collected at the counter (R-WF-7) ------------------------------------------------------------
    async def counter(self, principal: Principal, code: str, body: CounterPaymentCreate, *,
                      event_id: str | None) -> Payment:
        dossier = await self.dossiers.for_reception(principal, code)
        if dossier.fees_due is None:
            raise Conflict("Phí, lệ phí của hồ sơ chưa được xác định (được tính khi tiếp nhận hồ sơ).",
                           slug="fees-not-assessed")
        remaining = dossier.fees_due - (dossier.fees_paid or 0)
        if remaining <= 0:
            raise Conflict("Hồ sơ không còn phí, lệ phí phải nộp.", slug="nothing-due")
        if any(p.expires_at is None or p.expires_at > self.now for p in await self.repo.pending_of(dossier.id)):
            raise Conflict("Hồ sơ đang chờ kết quả thanh toán trực tuyến; vui lòng thử lại sau khi giao dịch kết thúc.",
                           slug="payment-pending")
        amount = body.amount or remaining
        if amount > remaining:
            raise Invalid.field(("body", "amount"), f"Số tiền vượt quá số phí, lệ phí còn phải nộp ({remaining} đồng).")
        payment_id = uuid.uuid4()
        payment = Payment(id=payment_id, dossier_id=dossier.id, txn_ref=payment_id.hex, method="counter",
                          amount=amount, status="paid", created_at=self.now, created_by=principal.id,
                          paid_at=self.now, closed_at=self.now, receipt_no=body.receipt_no, note=body.note)
        self.repo.add(payment)
        PAYMENTS.add(1, {"method": "counter", "outcome": "paid"})
        await self.session.flush()
        await self.dossiers._transition(
            dossier, "counter_payment", Actor.of(principal, "reception"), note=body.note, event_id=event_id,
            values={"fees_paid": (dossier.fees_paid or 0) + amount},
            data={"payment_id": str(payment_id), "amount": amount, "receipt_no": body.receipt_no})
        self.dossiers._emit(dossier, PaymentPaid, principal.id, event_id, payment_id=str(payment_id), amount=amount,
                            method="counter")
        await self.results.release_if_ready(dossier)
        return payment
