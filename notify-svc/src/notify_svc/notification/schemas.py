from __future__ import annotations

import uuid

from pydantic import BaseModel

from servicekit.timefmt import VNDateTime


class NotificationRead(BaseModel):
    id: uuid.UUID
    at: VNDateTime
    title: str
    body: str
    dossier_code: str | None
    read: bool
    kind: str  # the event type that caused it


class DeliveryRead(BaseModel):
    id: uuid.UUID
    event_id: str
    event_type: str
    dossier_code: str | None
    channel: str
    recipient: str
    subject: str
    status: str
    attempts: int
    next_attempt_at: VNDateTime
    last_error: str | None
    provider_answer: str | None
    created_at: VNDateTime
    sent_at: VNDateTime | None
    failed_at: VNDateTime | None
