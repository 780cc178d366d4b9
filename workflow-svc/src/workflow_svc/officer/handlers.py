"""The gateway's officer accounts, kept as workflow's own list."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from contracts import CloudEvent
from contracts.gateway import OfficerSaved
from servicekit.bus import Subscription
from workflow_svc.officer.service import OfficerService


async def on_officer_saved(event: CloudEvent, session: AsyncSession) -> None:
    await OfficerService(session).saved(OfficerSaved.model_validate(event.data))


def subscriptions() -> list[Subscription]:
    return [Subscription(name="workflow-officers", event_types=[OfficerSaved.event_type], handler=on_officer_saved)]
