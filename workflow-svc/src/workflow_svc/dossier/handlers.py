"""Events workflow-svc reacts to: intake's accepted / withdrawn dossiers and one-stop status reports."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from contracts import CloudEvent
from contracts.intake import DossierAccepted, DossierSupplemented, DossierSupplementRequested, DossierWithdrawn
from contracts.interop import StatusReported, SystemRegistered, SystemRevoked
from servicekit.bus import Subscription
from workflow_svc.dossier.handoff import HandoffService
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
            await svc.supplemented(payload, event.id)

    async def on_interop(event: CloudEvent, session: AsyncSession) -> None:
        payload = event.payload()
        svc = HandoffService(session, settings)
        if isinstance(payload, StatusReported):
            await svc.external_status(payload, event.id)
        elif isinstance(payload, SystemRegistered):
            await svc.system_registered(payload)
        elif isinstance(payload, SystemRevoked):
            await svc.system_revoked(payload)

    return [
        Subscription(name="workflow-intake", event_types=[
            DossierAccepted.event_type, DossierWithdrawn.event_type, DossierSupplementRequested.event_type,
            DossierSupplemented.event_type], handler=on_intake),
        Subscription(name="workflow-interop", event_types=[StatusReported.event_type], handler=on_interop),
        # a consumer of its own: the existing durable "workflow-interop" keeps its filter
        Subscription(name="workflow-systems", event_types=[SystemRegistered.event_type, SystemRevoked.event_type],
                     handler=on_interop),
    ]
