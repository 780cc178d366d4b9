"""Helpers of interop-svc's service tests: a running app, registered systems, signed messages, seeded dossiers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from interop_svc.dossier.service import DossierFacts, DossierService
from interop_svc.message.models import InboundMessage
from interop_svc.settings import Settings
from interop_svc.xml import (
    VN_TZ,
    CounterDossier,
    EnvelopeHeader,
    Signer,
    SigningIdentity,
    StatusUpdate,
    build_counter_dossier,
    build_status_update,
    certificate_pem,
)
from servicekit.db import OutboxRow

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
PLATFORM = "000.00.00.H19"
AGENCY = "000.00.15.H19"
OTHER_AGENCY = "000.00.16.H19"
T0 = datetime(2026, 11, 27, 8, 0, tzinfo=VN_TZ)


def interop_settings(stack: Any, tokens: Any, **kw: Any) -> Settings:
    return Settings(database_url=stack.fresh_database("interop", MIGRATIONS), nats_url=stack.nats.url,
                    auth_public_key_file=str(tokens.public_key_file), **kw)


@dataclass
class Registered:
    code: str
    agency_code: str
    client_id: str
    client_secret: str
    identity: SigningIdentity
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Env:
    client: httpx.AsyncClient
    app: FastAPI
    tokens: Any
    platform: SigningIdentity

    @property
    def admin(self) -> dict[str, str]:
        return self.tokens.header(sub="admin-1", roles=("admin",), agency_code=PLATFORM)

    def system_headers(self, client_id: str, agency_code: str) -> dict[str, str]:
        return self.tokens.header(sub=f"client:{client_id}", roles=("onestop",), agency_code=agency_code,
                                  client_id=client_id)

    async def register(self, code: str, agency_code: str, identity: SigningIdentity) -> Registered:
        response = await self.client.post("/api/v1/interop/systems", headers=self.admin, json={
            "code": code, "name": f"Phần mềm một cửa {code}", "agency_code": agency_code,
            "certificate": certificate_pem(identity.certificate).decode(),
        })
        assert response.status_code == 201, response.text
        body = response.json()
        return Registered(code, agency_code, body["client_id"], body["client_secret"], identity,
                          self.system_headers(body["client_id"], agency_code))

    async def apply(self, facts: DossierFacts) -> int | None:
        async with self.app.state.sessionmaker() as session, session.begin():
            change = await DossierService(session).apply(facts, event_id=str(uuid.uuid4()))
            return change.seq if change else None

    async def count(self, model: Any, *where: Any) -> int:
        async with self.app.state.sessionmaker() as session:
            return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    async def messages(self) -> int:
        return await self.count(InboundMessage)

    async def outbox(self, subject: str) -> list[dict[str, Any]]:
        import json

        async with self.app.state.sessionmaker() as session:
            rows = (await session.scalars(select(OutboxRow).where(OutboxRow.subject == subject))).all()
            return [json.loads(r.body) for r in rows]


def dossier_code(n: int, agency_code: str = AGENCY) -> str:
    return f"{agency_code}-261127-{n:04d}"


def accepted(code: str, agency_code: str = AGENCY, minutes: int = 0) -> DossierFacts:
    at = T0 + timedelta(minutes=minutes)
    return DossierFacts(
        code=code, agency_code=agency_code, procedure_code="1.001612.000.00.00.H19", at=at,
        kind="intake.dossier.accepted.v1", action_vi="Tiếp nhận hồ sơ", status="accepted", national_status=2,
        values={"procedure_name": "Đăng ký kết hôn", "received_at": at, "due_at": at + timedelta(days=5),
                "applicant_name": "Nguyễn Thị Bình", "applicant_phone": "0912345678", "channel": "online"},
    )


def processing(code: str, agency_code: str = AGENCY, minutes: int = 1) -> DossierFacts:
    return DossierFacts(
        code=code, agency_code=agency_code, procedure_code="1.001612.000.00.00.H19",
        at=T0 + timedelta(minutes=minutes), kind="workflow.dossier.processing_started.v1",
        action_vi="Bắt đầu xử lý", status="processing", national_status=4, officer="Trần Văn Cường",
    )


def submitted(code: str, agency_code: str = AGENCY) -> DossierFacts:
    return DossierFacts(
        code=code, agency_code=agency_code, procedure_code="1.001612.000.00.00.H19", at=T0,
        kind="intake.dossier.submitted.v1", action_vi="Nộp hồ sơ trực tuyến", status="submitted", national_status=1,
        values={"procedure_name": "Đăng ký kết hôn", "submitted_at": T0, "applicant_name": "Lê Văn Dũng"},
    )


def status_update(
    identity: SigningIdentity, code: str, *, sender: str = AGENCY, message_id: str | None = None, status: int = 9
) -> bytes:
    header = EnvelopeHeader(message_id=message_id or str(uuid.uuid4()), from_organ_id=sender, to_organ_id=PLATFORM,
                            sent_at=datetime(2026, 11, 30, 9, 15, tzinfo=VN_TZ))
    update = StatusUpdate(dossier_code=code, status_code=status, at=datetime(2026, 11, 30, 9, 10, tzinfo=VN_TZ),
                          officer="Nguyễn Văn An", note="Đã xử lý xong")
    return Signer.from_identity(identity).sign_to_bytes(build_status_update(header, update))


def counter_dossier(identity: SigningIdentity, code: str, *, sender: str = AGENCY) -> bytes:
    header = EnvelopeHeader.new(sender, PLATFORM)
    dossier = CounterDossier(dossier_code=code, procedure_code="1.001612", applicant_name="Phạm Thị Em",
                             received_at=T0, due_at=T0 + timedelta(days=3))
    return Signer.from_identity(identity).sign_to_bytes(build_counter_dossier(header, dossier))
