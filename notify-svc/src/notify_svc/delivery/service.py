"""Turns an event into deliveries (one per channel and recipient) and sends them with retries."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any
from urllib.parse import urlparse

import aiosmtplib
import httpx
from contracts import CloudEvent
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from notify_svc.delivery.models import Delivery
from notify_svc.delivery.repository import DeliveryRepository
from notify_svc.delivery.templates import render
from notify_svc.settings import Settings

log = logging.getLogger(__name__)


def recipients(data: dict[str, Any]) -> dict[str, str]:
    """Who gets the message on each channel, from what the event carries."""
    out = {}
    email = data.get("applicant_email") or data.get("email")
    phone = data.get("applicant_phone") or data.get("phone")
    user = data.get("applicant_user_id") or data.get("user_id")
    if email:
        out["email"] = str(email)
    if phone:
        out["sms"] = str(phone)
    if user:
        out["inbox"] = str(user)
    return out


async def plan_deliveries(event: CloudEvent, session: AsyncSession) -> int:
    """The consumer's handler: deliveries are rows in the same transaction as the inbox row."""
    repo = DeliveryRepository(session)
    created = 0
    for channel, recipient in recipients(event.data).items():
        rendered = render(event.type, channel, {**event.data, "event_time": event.time})
        if rendered is None:
            continue
        created += await repo.add_if_absent(Delivery(
            event_id=event.id, event_type=event.type, channel=channel, recipient=recipient,
            template=rendered.template, subject=rendered.subject, body=rendered.body,
        ))
    return created


class Sender:
    """Claims due deliveries (``FOR UPDATE SKIP LOCKED``) and sends them; a provider outage only delays."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.http = httpx.AsyncClient(timeout=10)

    async def close(self) -> None:
        await self.http.aclose()

    async def send_email(self, d: Delivery) -> str:
        url = urlparse(self.settings.smtp_url)
        msg = EmailMessage()
        msg["From"] = self.settings.mail_from
        msg["To"] = d.recipient
        msg["Subject"] = d.subject
        msg["Date"] = formatdate(localtime=True)
        # the same id on a retry lets the receiving side recognise a duplicate
        msg["Message-ID"] = f"<{d.id}@{self.settings.mail_domain}>"
        msg.set_content(d.body)
        errors, answer = await aiosmtplib.send(
            msg, hostname=url.hostname or "127.0.0.1", port=url.port or 25, timeout=10,
            username=url.username, password=url.password, start_tls=url.scheme == "smtp+starttls",
        )
        if errors:
            raise RuntimeError(f"refused recipients: {errors}")
        return str(answer)

    async def send_sms(self, d: Delivery) -> str:
        if not self.settings.sms_url:
            raise RuntimeError("SMS_URL is not configured")
        resp = await self.http.post(self.settings.sms_url, json={"to": d.recipient, "text": d.body,
                                                                  "id": str(d.id)},
                                    headers={"Idempotency-Key": str(d.id)})
        if resp.status_code >= 300:
            raise RuntimeError(f"SMS gateway answered {resp.status_code}: {resp.text[:200]}")
        return resp.text[:500]

    async def deliver(self, d: Delivery) -> str:
        if d.channel == "email":
            return await self.send_email(d)
        if d.channel == "sms":
            return await self.send_sms(d)
        return "stored in inbox"

    async def run_once(self) -> int:
        async with self.sessionmaker() as session, session.begin():
            repo = DeliveryRepository(session)
            due = await repo.claim_due(limit=20)
            for d in due:
                d.attempts += 1
                try:
                    d.provider_answer = await self.deliver(d)
                    d.status, d.sent_at, d.last_error = "sent", datetime.now(UTC), None
                except Exception as exc:
                    d.last_error = repr(exc)[:1000]
                    if d.attempts >= self.settings.max_attempts:
                        d.status = "failed"
                        log.error("delivery %s (%s to %s) failed for good: %s", d.id, d.channel, d.recipient, exc)
                    else:
                        delay = min(self.settings.retry_base_seconds * 2 ** (d.attempts - 1), 3600)
                        d.next_attempt_at = datetime.now(UTC) + timedelta(seconds=delay)
            return len(due)

    async def run(self) -> None:
        while True:
            try:
                n = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("sender: %s", exc)
                n = 0
            if n == 0:
                await asyncio.sleep(self.settings.poll_seconds)
