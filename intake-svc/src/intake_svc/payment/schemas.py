from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from servicekit.timefmt import VNDateTime


class PaymentCreated(BaseModel):
    payment_id: uuid.UUID
    amount: int = Field(description="whole VND")
    pay_url: str
    expires_at: VNDateTime


class PaymentRead(BaseModel):
    payment_id: uuid.UUID
    method: str
    amount: int
    status: str
    status_label: str
    created_at: VNDateTime
    expires_at: VNDateTime | None
    paid_at: VNDateTime | None
    pay_url: str | None = Field(description="while pending: where to pay")
    provider_txn_no: str | None
    bank_code: str | None
    receipt_no: str | None


class PaymentStateRead(PaymentRead):
    """A payment with where the dossier's fees stand after it."""

    dossier_code: str
    fees_due: int | None = Field(description="whole VND; null until assessed")
    fees_paid: int
    payment_pending: bool = Field(description="an online payment of the dossier (this one or another) is open")


class PaymentList(BaseModel):
    fees_due: int | None
    fees_paid: int
    fee_lines: list[dict[str, object]]
    items: list[PaymentRead]


class CounterPaymentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: int | None = Field(default=None, gt=0, description="whole VND; default: what remains due")
    receipt_no: str | None = Field(default=None, max_length=60, description="number of the fee receipt (biên lai)")
    note: str | None = Field(default=None, max_length=2000)


class PaymentReturnRead(BaseModel):
    """What the browser sees when the provider sends it back (state changes only through the IPN)."""

    valid: bool
    payment_id: uuid.UUID | None
    dossier_code: str | None
    status: str | None
    response_code: str | None
    message: str
