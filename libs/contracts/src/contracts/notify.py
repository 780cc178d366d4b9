"""Events published by notify-svc. Owned by notify-svc."""

from __future__ import annotations

from contracts.envelope import EventData


class DeliveryFailed(EventData):
    event_type = "notify.delivery.failed.v1"
    description = "A message could not be delivered after the bounded retries (visible to operators)."
    delivery_id: str
    event_id: str
    channel: str
    recipient: str
    error: str
