from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from contracts import CloudEvent
from contracts import intake as i
from devkit.events import event
from devkit.testing import Stack, Tokens
from notify_svc.settings import Settings
from servicekit.retry import Backoff

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
AGENCY = "000.00.15.H19"


@dataclass
class Env:
    client: httpx.AsyncClient
    app: FastAPI
    stack: Stack
    tokens: Tokens
    settings: Settings


@dataclass
class Applicant:
    user_id: str
    email: str
    phone: str | None
    name: str = "Nguyễn Thị Lan"


def new_applicant(phone: bool = True) -> Applicant:
    tag = uuid.uuid4().hex[:8]
    return Applicant(
        user_id=str(uuid.uuid4()),
        email=f"lan.{tag}@example.vn",
        phone=f"09{random.randint(10_000_000, 99_999_999)}" if phone else None,
    )


def new_code() -> str:
    return f"{AGENCY}-261130-{random.randint(1, 9999):04d}{uuid.uuid4().hex[:4]}"


def common(code: str, a: Applicant, status: str, national: int, at: datetime) -> dict[str, Any]:
    return {
        "code": code,
        "procedure_code": "1.001612",
        "agency_code": AGENCY,
        "status": status,
        "national_status": national,
        "at": at,
        "applicant_user_id": a.user_id,
        "applicant_name": a.name,
        "applicant_email": a.email,
        "applicant_phone": a.phone,
    }


def submitted(code: str, a: Applicant, at: datetime | None = None) -> CloudEvent:
    return event(
        i.DossierSubmitted(
            **common(code, a, "submitted", 1, at or datetime(2026, 11, 30, 1, 5, tzinfo=UTC)),
            procedure_name="Đăng ký kết hôn",
            procedure_revision=1,
            level=3,
        )
    )


def emails_to(stack: Stack, address: str) -> list[EmailMessage]:
    return [m for m in stack.smtp.messages() if m["To"] == address]


def sms_to(stack: Stack, phone: str) -> list[dict[str, Any]]:
    return [m for m in stack.sms.messages() if m.get("to") == phone]


def body(msg: EmailMessage) -> str:
    part = msg.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def notify_settings(stack: Stack, tokens: Tokens, **kw: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": stack.fresh_database("notify", MIGRATIONS),
        "nats_url": stack.nats.url,
        "auth_public_key_file": str(tokens.public_key_file),
        "smtp_url": stack.smtp.url,
        "sms_url": stack.sms.url,
        "retry": Backoff(base_seconds=0.1, max_seconds=0.3),
        "poll_seconds": 0.05,
        # the production default: on a loaded machine the sinks may answer after seconds, and a send whose answer
        # timed out is sent again (at least once, under the same id), which the "only once" checks would count
        "send_timeout_seconds": 10.0,
        "portal_url": "https://dichvucong.dongnai.gov.vn",
    }
    return Settings(**{**values, **kw})
