"""workflow-svc's test kit: helpers its tests share (importable through the pytest ``pythonpath`` setting)."""

from __future__ import annotations

import itertools
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from contracts import EventData
from contracts.intake import DossierAccepted
from devkit import events
from devkit.testing import Stack, Tokens, eventually
from vncalendar import default_calendar
from workflow_svc.settings import Settings

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
LEAD = "000.00.15.H19"
OTHER = "000.00.21.H19"
THIRD = "000.00.32.H19"
_seq = itertools.count(1)


def new_code(agency: str = LEAD) -> str:
    return f"{agency}-261130-{next(_seq):04d}{uuid.uuid4().hex[:4]}"


def accepted(code: str, *, agency: str = LEAD, procedure: str = "1.001612", due_days: float = 5,
             received_at: datetime | None = None, due_at: datetime | None = None,
             interagency: tuple[str, ...] = (OTHER,)) -> DossierAccepted:
    received = received_at or datetime.now(UTC)
    return DossierAccepted(
        code=code, procedure_code=procedure, agency_code=agency, status="accepted", national_status=2,
        at=received, applicant_name="Nguyễn Văn An", procedure_name="Đăng ký kết hôn", received_at=received,
        due_at=due_at or default_calendar().add_working_days(received, due_days), processing_time_value=due_days,
        processing_time_unit="working_days", return_method="counter", level=3, interagency=list(interagency),
        agency_name="UBND huyện Trảng Bom",
    )


@dataclass
class Env:
    client: httpx.AsyncClient
    app: FastAPI
    settings: Settings
    tokens: Tokens
    nc: Any

    def officer(self, role: str, agency: str = LEAD, sub: str | None = None, department: str | None = None,
                name: str | None = None) -> dict[str, str]:
        return self.tokens.header(sub=sub or f"{role}-{agency}", roles=(role,), agency_code=agency,
                                  department=department, name=name or f"Cán bộ {role}")

    async def publish(self, payload: EventData, *, event_id: str | None = None) -> None:
        event = events.event(payload, id=event_id)
        js = self.nc.jetstream()
        await js.publish(event.type, event.model_dump_json().encode(), headers={"Nats-Msg-Id": event.id})

    async def accept(self, code: str | None = None, **kw: Any) -> str:
        code = code or new_code(kw.get("agency", LEAD))
        await self.publish(accepted(code, **kw))
        headers = self.officer("reception", kw.get("agency", LEAD))

        async def exists() -> bool:
            return (await self.client.get(f"/api/v1/workflow/dossiers/{code}", headers=headers)).status_code == 200

        await eventually(exists, timeout=10)
        return code

    async def get(self, code: str, headers: dict[str, str]) -> dict[str, Any]:
        r = await self.client.get(f"/api/v1/workflow/dossiers/{code}", headers=headers)
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    async def wait_step(self, code: str, step: str, headers: dict[str, str]) -> dict[str, Any]:
        async def at_step() -> dict[str, Any] | None:
            r = await self.client.get(f"/api/v1/workflow/dossiers/{code}", headers=headers)
            return r.json() if r.status_code == 200 and r.json()["step"] == step else None

        return await eventually(at_step, timeout=10)  # type: ignore[no-any-return]

    async def act(self, code: str, headers: dict[str, str], key: str | None = None, **body: Any) -> httpx.Response:
        h = {**headers, **({"Idempotency-Key": key} if key else {})}
        return await self.client.post(f"/api/v1/workflow/dossiers/{code}/actions", json=body, headers=h)

    async def events(self, event_type: str, code: str | None = None) -> list[dict[str, Any]]:
        async with self.app.state.sessionmaker() as s:
            rows = (await s.execute(text("SELECT body FROM kit_outbox WHERE subject = :t ORDER BY seq"),
                                    {"t": event_type})).scalars().all()
        out = [json.loads(b) for b in rows]
        return [e for e in out if code is None or e["subject"] == code]


def make_settings(stack: Stack, tokens: Tokens, **kw: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": stack.fresh_database("workflow", MIGRATIONS), "nats_url": stack.nats.url,
        "auth_public_key_file": str(tokens.public_key_file), "auto_forward_after": "300ms",
        "timer_poll_interval": 0.1, "deadline_warning_before": "2s",
        "intake_url": "http://127.0.0.1:9",  # no intake here: a file named in an action cannot be checked
        **kw,
    }
    return Settings(**values)


def later(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)
