"""Events the gateway reacts to: one-stop systems registered or revoked in interop-svc become
(or stop being) OAuth2 clients here, since the gateway is the only token issuer."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import CloudEvent
from contracts.interop import SystemRegistered, SystemRevoked
from gateway.identity.models import Client
from servicekit.bus import Subscription


async def on_system_registered(event: CloudEvent, session: AsyncSession) -> None:
    data = SystemRegistered.model_validate(event.data)
    values = {
        "client_id": data.client_id,
        "secret_hash": data.secret_hash,
        "name": data.name,
        "system_code": data.system_code,
        "agency_code": data.agency_code,
        "roles": ["onestop"],
        "active": True,
    }
    await session.execute(
        insert(Client).values(**values).on_conflict_do_update(index_elements=[Client.client_id], set_=values)
    )


async def on_system_revoked(event: CloudEvent, session: AsyncSession) -> None:
    data = SystemRevoked.model_validate(event.data)
    await session.execute(update(Client).where(Client.client_id == data.client_id).values(active=False))


SUBSCRIPTIONS = [
    Subscription(
        name="gateway-system-registered", event_types=[SystemRegistered.event_type], handler=on_system_registered
    ),
    Subscription(name="gateway-system-revoked", event_types=[SystemRevoked.event_type], handler=on_system_revoked),
]
