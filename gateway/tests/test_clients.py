"""One-stop systems registered in interop-svc become client-credential clients of the gateway."""

from __future__ import annotations

import httpx
from argon2 import PasswordHasher

from contracts import CloudEvent
from contracts.interop import SystemRegistered, SystemRevoked
from devkit.events import publish
from devkit.testing import eventually
from gateway.settings import Settings


async def test_client_credentials_follow_interop_events(client: httpx.AsyncClient, gateway_settings: Settings) -> None:
    secret = "s3cret-one-stop-system-0001"
    await publish(
        gateway_settings.nats_url,
        CloudEvent.of(
            SystemRegistered(
                system_code="motcua-stp",
                name="Một cửa Sở Tư pháp",
                agency_code="000.00.15.H19",
                client_id="cl-stp",
                secret_hash=PasswordHasher().hash(secret),
            ),
            source="/interop",
        ),
    )

    async def token() -> httpx.Response:
        return await client.post(
            "/api/v1/auth/token",
            data={"grant_type": "client_credentials", "client_id": "cl-stp", "client_secret": secret},
        )

    async def ok() -> bool:
        return (await token()).status_code == 200

    await eventually(ok, timeout=15, interval=0.2)
    access = (await token()).json()["access_token"]
    me = (await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {access}"})).json()
    assert me["roles"] == ["onestop"] and me["agency_code"] == "000.00.15.H19"
    wrong = await client.post(
        "/api/v1/auth/token", data={"grant_type": "client_credentials", "client_id": "cl-stp", "client_secret": "nope"}
    )
    assert wrong.status_code == 401

    await publish(
        gateway_settings.nats_url,
        CloudEvent.of(SystemRevoked(system_code="motcua-stp", client_id="cl-stp"), source="/interop"),
    )

    async def refused() -> bool:
        return (await token()).status_code == 401

    await eventually(refused, timeout=15, interval=0.2)
