"""Events workflow-svc reacts to: intake's accepted / withdrawn dossiers and one-stop status reports."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from contracts import CloudEvent
from contracts.intake import DossierAccepted, DossierSupplemented, DossierSupplementRequested, DossierWithdrawn
from contracts.interop import StatusReported
from servicekit.bus import Subscription
from workflow_svc.dossier.service import DossierService
from workflow_svc.settings import Settings

Handler = Callable[[CloudEvent, AsyncSession], Awaitable[None]]


def subscriptions(settings: Settings) -> list[Subscription]:
    async def on_intake(event: CloudEvent, session: AsyncSession) -> None:
        svc = DossierService(session, settings)
        payload = event.payload()
        if isinstance(payload, DossierAccepted):
            await svc.start(payload, event.id)
        elif isinstance(payload, DossierWithdrawn):
            await svc.withdrawn(payload)
        elif isinstance(payload, DossierSupplementRequested):
            await svc.supplement_requested(payload)
        elif isinstance(payload, DossierSupplemented):
            await svc.supplemented(payload)

    async def on_interop(event: CloudEvent, session: AsyncSession) -> None:
        payload = event.payload()
        if isinstance(payload, StatusReported):
            await DossierService(session, settings).external_status(payload, event.id)

    return [
        Subscription(name="workflow-intake", event_types=[
            DossierAccepted.event_type, DossierWithdrawn.event_type, DossierSupplementRequested.event_type,
            DossierSupplemented.event_type], handler=on_intake),
        Subscription(name="workflow-interop", event_types=[StatusReported.event_type], handler=on_interop),
    ]
