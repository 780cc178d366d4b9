"""Turns an event into deliveries: one per channel and recipient, and in-app inbox entries, all in the
consumer's transaction (with its inbox row), so a redelivered event plans nothing twice."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession

from contracts import CloudEvent
from contracts.gateway import CodeIssued, LoginThrottled, UserRegistered
from contracts.intake import FeedbackAnswered, FeedbackOverdue, PaymentPaid
from contracts.workflow import DeadlineApproaching, DossierForwarded, DossierOverdue, TaskAssigned
from notify_svc.contact.repository import ContactRepository
from notify_svc.delivery.models import Delivery
from notify_svc.delivery.repository import CHANNEL, DeliveryRepository
from notify_svc.delivery.templates import Templates
from notify_svc.errors import Conflict, NotFound
from notify_svc.notification.repository import NotificationRepository
from notify_svc.settings import Settings
from servicekit.telemetry import inject_headers
from servicekit.wakeup import notify_on_commit

log = logging.getLogger(__name__)

OFFICER_EVENTS = frozenset({TaskAssigned.event_type, DeadlineApproaching.event_type, DossierOverdue.event_type})
# feedback is about no dossier (or names one only as its reference): addressed from the event itself
FEEDBACK_EVENTS = frozenset({FeedbackAnswered.event_type, FeedbackOverdue.event_type})


class DeliveryLog:
    """The delivery log operators read, and an admin sending a failed delivery again."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repo = DeliveryRepository(session)

    async def page(self, *, status: str | None, channel: str | None, dossier_code: str | None, offset: int,
                   limit: int) -> tuple[list[Delivery], int]:
        return await self.repo.page(status=status, channel=channel, dossier_code=dossier_code, offset=offset,
                                    limit=limit)

    async def retry(self, delivery_id: uuid.UUID) -> Delivery:
        """A failed delivery back to pending, due now (same id: same Message-ID / Idempotency-Key)."""
        d = await self.repo.get(delivery_id, lock=True)
        if d is None:
            raise NotFound("Không tìm thấy bản ghi gửi thông báo.")
        if d.status != "failed":
            raise Conflict("Chỉ gửi lại được thông báo đã gửi thất bại.")
        d.status, d.attempts, d.next_attempt_at, d.failed_at = "pending", 0, datetime.now(UTC), None
        await self.session.flush()
        notify_on_commit(self.session, CHANNEL)  # the sender sleeps until told
        return d


class ContactsNotYetKnown(RuntimeError):
    """A workflow event overtook the intake event that says who the applicant is: the consumer retries."""


@dataclass(frozen=True)
class Audience:
    """Who one message goes to. ``user_id`` or ``role``+``agency_code`` address the inbox."""

    user_id: str | None = None
    email: str | None = None
    phone: str | None = None
    role: str | None = None
    agency_code: str | None = None

    @property
    def inbox_key(self) -> str | None:
        if self.user_id:
            return f"user:{self.user_id}"
        if self.role and self.agency_code:
            return f"role:{self.role}@{self.agency_code}"
        return None

    def address(self, channel: str) -> str | None:
        return {"email": self.email, "sms": self.phone, "inbox": self.inbox_key}.get(channel)


def _dt(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


class Planner:
    """The consumers' handler (bound to the settings and templates in ``create_app``)."""

    def __init__(self, settings: Settings, templates: Templates) -> None:
        self.settings = settings
        self.templates = templates

    def tracking_url(self, code: str) -> str:
        return self._link(self.settings.tracking_url, code)

    def dossier_url(self, code: str) -> str:
        return self._link(self.settings.dossier_url, code)

    def _link(self, template: str, code: str) -> str:
        return template.format(code=quote(code, safe=""), portal_url=self.settings.portal_url.rstrip("/"))

    async def handle(self, event: CloudEvent, session: AsyncSession) -> None:
        await self.plan(event, session)

    async def plan(self, event: CloudEvent, session: AsyncSession) -> int:
        """Projections first, then one delivery per channel; returns how many deliveries were new."""
        data = dict(event.data)
        feedback = event.type in FEEDBACK_EVENTS
        # identity events are about an account, not a dossier (a one-time code's ``code`` is no dossier code)
        code = None if feedback or event.type.startswith("gateway.") else data.get("code") or event.subject
        contacts = ContactRepository(session)
        contact: Any = None  # the dossier's contact, once read or written here
        if event.type.startswith("intake.") and code:
            paid = event.type == PaymentPaid.event_type
            contact = await contacts.upsert_contact(
                code, user_id=data.get("applicant_user_id"), email=data.get("applicant_email"),
                phone=data.get("applicant_phone"), name=data.get("applicant_name"),
                agency_code=data.get("agency_code"), procedure_name=data.get("procedure_name"),
                return_method=data.get("return_method"), received_at=_dt(data.get("received_at")),
                due_at=_dt(data.get("due_at")), level=data.get("level"), fees_due=data.get("fees_due"),
                fees_paid=data.get("amount") if paid else None,
                paid_at=(_dt(data.get("at")) or event.time) if paid else None,
                payment_method=data.get("method") if paid else None)
        if event.type == TaskAssigned.event_type and code:
            await contacts.upsert_task(code, role=data["role"], agency_code=data["agency_code"],
                                       assignee_id=data.get("assignee_id"), step=data.get("step"),
                                       at=_dt(data.get("at")) or event.time)

        channels = self.settings.channels.get(event.type) or []
        if not channels:
            return 0
        if event.type == DossierForwarded.event_type and data.get("to_step") in self.settings.silent_forward_steps:
            return 0

        ctx: dict[str, Any] = {**data, "event_id": event.id, "event_time": event.time,
                               "portal_url": self.settings.portal_url.rstrip("/")}
        if code:
            # tracking_url: the public page anyone may open; dossier_url: the owner's page, where to act
            ctx["tracking_url"], ctx["dossier_url"] = self.tracking_url(code), self.dossier_url(code)
        audiences: list[Audience]
        if feedback:
            ctx["feedback_url"] = f"{ctx['portal_url']}/phan-anh/{quote(str(data['feedback_id']), safe='')}"
            audiences = ([Audience(user_id=data.get("author_user_id"), email=data.get("author_email"))]
                         if event.type == FeedbackAnswered.event_type
                         else [Audience(role="leader", agency_code=data.get("agency_code"))])
        elif event.type in (UserRegistered.event_type, LoginThrottled.event_type):
            audiences = [Audience(user_id=data.get("user_id"), email=data.get("email"), phone=data.get("phone"))]
        elif event.type == CodeIssued.event_type:
            # a one-time code goes to the one address the gateway named, never to the inbox
            audiences = [Audience(email=data.get("email"), phone=data.get("phone"))]
        elif event.type in OFFICER_EVENTS:
            audiences = await self._officers(event.type, data, contacts)
        else:
            if contact is None and code:
                contact = await contacts.contact(code)
            if contact is None:
                raise ContactsNotYetKnown(f"no intake event seen yet for dossier {code}")
            for key, value in (("applicant_name", contact.name), ("procedure_name", contact.procedure_name),
                               ("return_method", contact.return_method), ("received_at", contact.received_at),
                               ("due_at", contact.due_at), ("level", contact.level),
                               ("fees_due", contact.fees_due), ("fees_paid", contact.fees_paid),
                               ("paid_at", contact.paid_at), ("payment_method", contact.payment_method)):
                if ctx.get(key) is None:
                    ctx[key] = value
            # what the applicant still has to do to get the result: pay? bring the originals?
            # (fees unknown — no accepted event carried them — count as not settled: "phí, lệ phí (nếu có)")
            fees_due = ctx.get("fees_due")
            paid_amount = ctx.get("fees_paid") or 0
            ctx["fees_settled"] = paid_amount >= fees_due if fees_due is not None else paid_amount > 0
            # online return is offered for level 4 only (intake refuses it below)
            ctx["online_result"] = ctx.get("return_method") == "online" and ctx.get("level") in (None, 4)
            audiences = [Audience(user_id=contact.user_id, email=contact.email, phone=contact.phone)]

        at = _dt(data.get("at")) or event.time
        planned: list[Delivery] = []
        trace_context = inject_headers() or None
        inbox = NotificationRepository(session)
        for audience in audiences:
            for channel in channels:
                recipient = audience.address(channel)
                if not recipient:
                    continue
                rendered = self.templates.render(event.type, channel, ctx)
                if rendered is None:
                    continue
                d = Delivery(event_id=event.id, event_type=event.type, dossier_code=code, channel=channel,
                             recipient=recipient, template=rendered.template, subject=rendered.subject,
                             body=rendered.body, trace_context=trace_context)
                if channel == "inbox":
                    # the inbox row is the message: visible at once, recorded as a sent delivery
                    await inbox.add_if_absent(
                        event_id=event.id, event_type=event.type, audience=recipient, user_id=audience.user_id,
                        role=None if audience.user_id else audience.role,
                        agency_code=None if audience.user_id else audience.agency_code,
                        dossier_code=code, title=rendered.subject, body=rendered.body, at=at)
                    now = datetime.now(UTC)
                    d.status, d.attempts, d.sent_at, d.provider_answer = "sent", 1, now, "stored in inbox"
                planned.append(d)
        return await DeliveryRepository(session).add_all_absent(planned)

    async def _officers(self, event_type: str, data: dict[str, Any], contacts: ContactRepository) -> list[Audience]:
        agency = data.get("agency_code")
        if event_type == TaskAssigned.event_type:
            if data.get("assignee_id"):
                return [Audience(user_id=data["assignee_id"])]
            return [Audience(role=data.get("role"), agency_code=agency)]
        # deadlines: whoever holds the current step, and the agency's leaders when it is overdue
        task = await contacts.task(data["code"])
        out: list[Audience] = []
        if task is not None:
            out.append(Audience(user_id=task.assignee_id) if task.assignee_id
                       else Audience(role=task.role, agency_code=task.agency_code))
        leaders = Audience(role="leader", agency_code=agency)
        if (not out or event_type == DossierOverdue.event_type) and leaders not in out:
            out.append(leaders)
        return out
