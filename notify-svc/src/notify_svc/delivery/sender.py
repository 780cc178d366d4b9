"""Sends email and SMS deliveries with retries, at most once per (event, channel, recipient) in all but
one crash window (see the README): each attempt is marked ``sending`` in its own committed transaction
before the provider is called, and carries the delivery id as Message-ID / Idempotency-Key."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Any
from urllib.parse import unquote, urlparse

import aiohttp
import aiosmtplib
import stamina
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts.notify import DeliveryFailed
from notify_svc.delivery.mail import HeaderCache, plain_text_message
from notify_svc.delivery.models import Delivery
from notify_svc.delivery.repository import CHANNEL, DeliveryRepository
from notify_svc.settings import Settings
from servicekit.opsmetrics import counter
from servicekit.outbox import add_event
from servicekit.telemetry import continued, inject_headers
from servicekit.wakeup import Listener

log = logging.getLogger(__name__)
_tracer = trace.get_tracer("notify_svc.sender")
DELIVERIES = counter("dvc.notify.deliveries", unit="{delivery}",
                     description="Delivery attempts by channel and outcome (sent, retried, failed).")

Hook = Callable[[Delivery], Awaitable[None]]
# a delivery, the values its attempt leaves on its row, and the error when it failed
Outcome = tuple[Delivery, dict[str, Any], Exception | None]


class PermanentError(Exception):
    """The provider refused for good (bad address, 5xx SMTP, 4xx SMS): retrying cannot help."""


def failed_event_id(d: Delivery, failed_at: datetime) -> str:
    """One event per time a delivery fails for good: an admin may send a failed delivery again, and its next final
    failure is a new fact (the outbox refuses a repeated id, which would leave that outcome unrecorded)."""
    return f"delivery-failed-{d.id.hex}-{int(failed_at.timestamp() * 1000)}"


IDLE_SWEEP = 30.0  # seconds: the sender looks again at least this often, notified or not


class Sender:
    """Claims due deliveries (``FOR UPDATE SKIP LOCKED``, any number of replicas) and sends them."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, *,
                 before_send: Hook | None = None, listener: Listener | None = None) -> None:
        self.sessionmaker = sessionmaker
        self.listener = listener  # at rest: asleep until a delivery is planned or due (servicekit.wakeup)
        self.settings = settings
        self.before_send = before_send  # test seam: a crash or a hang between 'sending' and the provider
        # aiohttp, not httpx: the SMS call was a tenth of this service's CPU per event with httpx's client
        self._http: aiohttp.ClientSession | None = None
        self._constant_headers = HeaderCache()

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()

    @property
    def http(self) -> aiohttp.ClientSession:
        """One session (its connection pool) for every SMS, made on first use, inside the running loop."""
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.settings.send_timeout_seconds))
        return self._http

    # --- providers ------------------------------------------------------------------------------------------
    def message_id(self, d: Delivery) -> str:
        return f"<{d.id}@{self.settings.mail_domain}>"

    def email_headers(self, d: Delivery) -> list[tuple[str, str]]:
        headers = [("From", self.settings.mail_from), ("To", d.recipient), ("Subject", d.subject),
                   ("Date", formatdate(localtime=True)),
                   # the same id on every attempt lets the receiving side recognise a duplicate
                   ("Message-ID", self.message_id(d)), ("Auto-Submitted", "auto-generated"),
                   ("X-Dvc-Event-Id", d.event_id), ("X-Dvc-Event-Type", d.event_type)]
        if d.dossier_code:
            headers.append(("X-Dvc-Dossier-Code", d.dossier_code))
        return headers

    def email_bytes(self, d: Delivery) -> bytes:
        """What goes over SMTP: :meth:`email_message` as bytes, built directly (mail.py); the From line once."""
        headers = self.email_headers(d)
        from_line = self._constant_headers.line(*headers[0])
        return from_line.encode("ascii") + plain_text_message(headers[1:], d.body)

    def email_message(self, d: Delivery) -> EmailMessage:
        """The same message as an ``EmailMessage`` (the email package's own rendering, for comparison)."""
        msg = EmailMessage()
        msg["From"] = self.settings.mail_from
        msg["To"] = d.recipient
        msg["Subject"] = d.subject
        msg["Date"] = formatdate(localtime=True)
        # the same id on every attempt lets the receiving side recognise a duplicate
        msg["Message-ID"] = self.message_id(d)
        msg["Auto-Submitted"] = "auto-generated"
        msg["X-Dvc-Event-Id"] = d.event_id
        msg["X-Dvc-Event-Type"] = d.event_type
        if d.dossier_code:
            msg["X-Dvc-Dossier-Code"] = d.dossier_code
        msg.set_content(d.body)
        return msg

    async def send_email(self, d: Delivery) -> str:
        url = urlparse(self.settings.smtp_url)
        # our own bytes (see mail.py): the Subject keeps its spaces in every mail client
        raw = self.email_bytes(d)
        with _tracer.start_as_current_span(
            "smtp send", kind=SpanKind.CLIENT,
            attributes={"server.address": url.hostname or "127.0.0.1", "server.port": url.port or 25,
                        "network.protocol.name": "smtp", "dvc.delivery.id": str(d.id)},
        ) as span:
            try:
                return await self._smtp(raw, url, d)
            except Exception as exc:
                span.record_exception(exc)
                span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
                raise

    async def _smtp(self, raw: bytes, url: Any, d: Delivery) -> str:
        try:
            errors, answer = await aiosmtplib.send(
                raw, sender=parseaddr(self.settings.mail_from)[1], recipients=[d.recipient],
                hostname=url.hostname or "127.0.0.1", port=url.port or 25,
                timeout=self.settings.send_timeout_seconds,
                username=unquote(url.username) if url.username else None,
                password=unquote(url.password) if url.password else None,
                start_tls=url.scheme == "smtp+starttls", use_tls=url.scheme == "smtps",
            )
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code >= 500:
                raise PermanentError(f"SMTP {exc.code}: {exc.message}") from exc
            raise
        except aiosmtplib.SMTPRecipientsRefused as exc:
            if all(r.code >= 500 for r in exc.recipients):
                raise PermanentError(f"recipient refused: {exc.recipients}") from exc
            raise
        if errors:
            raise PermanentError(f"refused recipients: {errors}")
        return str(answer)

    async def send_sms(self, d: Delivery) -> str:
        if not self.settings.sms_url:
            raise RuntimeError("SMS_URL is not configured")
        url = urlparse(self.settings.sms_url)
        # the client span httpx's instrumentation used to make, and its W3C headers on the request
        with _tracer.start_as_current_span(
            "POST", kind=SpanKind.CLIENT,
            attributes={"http.request.method": "POST", "server.address": url.hostname or "",
                        "server.port": url.port or (443 if url.scheme == "https" else 80),
                        "url.full": self.settings.sms_url, "dvc.delivery.id": str(d.id)},
        ) as span:
            async with self.http.post(self.settings.sms_url,
                                      json={"to": d.recipient, "text": d.body, "id": str(d.id)},
                                      headers={"Idempotency-Key": str(d.id), **inject_headers()}) as resp:
                text = await resp.text(errors="replace")
            span.set_attribute("http.response.status_code", resp.status)
            if resp.status >= 500:
                span.set_status(Status(StatusCode.ERROR, str(resp.status)))
        if resp.status >= 300:
            detail = f"SMS gateway answered {resp.status}: {text[:200]}"
            if 400 <= resp.status < 500 and resp.status not in (408, 409, 425, 429):
                raise PermanentError(detail)
            raise RuntimeError(detail)
        return text[:500]

    async def deliver(self, d: Delivery) -> str:
        if d.channel == "email":
            return await self.send_email(d)
        if d.channel == "sms":
            return await self.send_sms(d)
        return "stored in inbox"

    # --- the loop -------------------------------------------------------------------------------------------
    async def run_once(self) -> int:
        # 1. claim and mark 'sending' in its own committed transaction: a crash from here on leaves a trace
        async with self.sessionmaker() as session, session.begin():
            due = await DeliveryRepository(session).claim_due(self.settings.send_batch,
                                                             self.settings.send_lease_seconds)
        # 2. talk to the providers outside any transaction, 3. record each outcome as soon as it is known: the
        # outcomes that arrived while the last ones were being recorded go together, in one transaction
        pending = {asyncio.ensure_future(self.attempt(d)) for d in due}
        try:
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                await self._record([t.result() for t in done])
        finally:
            for t in pending:
                t.cancel()
        return len(due)

    async def attempt(self, d: Delivery) -> Outcome:
        """Sends ``d``; returns the values to record (not recorded here, see run_once)."""
        # the send continues the trace of the event that planned it (the consumer's span)
        with continued(d.trace_context), _tracer.start_as_current_span(
            f"deliver {d.channel}",
            attributes={"dvc.delivery.id": str(d.id), "dvc.delivery.channel": d.channel,
                        "dvc.delivery.attempt": d.attempts, "messaging.message.id": d.event_id},
        ):
            try:
                if self.before_send is not None:
                    await self.before_send(d)
                answer = await asyncio.wait_for(self.deliver(d), timeout=self.settings.send_timeout_seconds + 5)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                values = self._failure(d, exc)
                DELIVERIES.add(1, {"channel": d.channel,
                                   "outcome": "failed" if values["status"] == "failed" else "retried"})
                return d, values, exc
            DELIVERIES.add(1, {"channel": d.channel, "outcome": "sent"})
            return d, {"status": "sent", "sent_at": datetime.now(UTC), "provider_answer": answer[:1000],
                       "last_error": None}, None

    def _failure(self, d: Delivery, exc: Exception) -> dict[str, Any]:
        error = f"{type(exc).__name__}: {exc}"[:1000]
        if isinstance(exc, PermanentError) or self.settings.retry.exhausted(d.attempts):
            return {"status": "failed", "failed_at": datetime.now(UTC), "last_error": error}
        return {"status": "pending", "last_error": error,
                "next_attempt_at": datetime.now(UTC) + self.settings.retry.delay(d.attempts)}

    async def _record(self, outcomes: list[Outcome]) -> None:
        # the database may blink: losing a 'sent' mark would mean sending twice, so 5 tries 0.2 s, 0.4 s, … apart
        try:
            async for attempt in stamina.retry_context(on=Exception, attempts=5, timeout=None, wait_initial=0.2,
                                                       wait_max=3.2, wait_jitter=0.0):
                with attempt:
                    await self._finish(outcomes)
        except Exception as db_exc:
            for d, _, _ in outcomes:
                log.error("delivery %s: could not record the outcome after 5 tries (%s); its lease will expire",
                          d.id, db_exc)

    async def _finish(self, outcomes: list[Outcome]) -> None:
        async with self.sessionmaker() as session, session.begin():
            repo = DeliveryRepository(session)
            for d, values, exc in outcomes:
                ours = await repo.finish(d, **values)
                if ours and values["status"] == "failed":
                    log.error("delivery %s (%s to %s) failed for good: %s", d.id, d.channel, d.recipient, exc)
                    add_event(session, DeliveryFailed(delivery_id=str(d.id), event_id=d.event_id,
                                                      channel=d.channel, recipient=d.recipient,
                                                      error=values["last_error"]),
                              source="/notify", subject=d.dossier_code,
                              event_id=failed_event_id(d, values["failed_at"]))
                elif not ours:
                    log.warning("delivery %s: attempt outlived its lease; another sender owns it", d.id)

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
                await self._idle()

    async def _idle(self) -> None:
        poll = self.settings.poll_seconds
        if self.listener is None:
            await asyncio.sleep(poll)
            return
        try:
            async with self.sessionmaker() as session:
                due = await DeliveryRepository(session).next_due(self.settings.send_lease_seconds)
        except Exception as exc:  # the database blinked: poll as before
            log.warning("sender: %s", exc)
            await asyncio.sleep(poll)
            return
        wait = IDLE_SWEEP if due is None else (due - datetime.now(UTC)).total_seconds()
        if await self.listener.wait(CHANNEL, min(IDLE_SWEEP, wait if wait > 0 else poll), unheard=poll):
            await asyncio.sleep(self.settings.send_linger_seconds)  # let the next events' deliveries join the claim
