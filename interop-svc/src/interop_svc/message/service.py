"""Inbound messages from one-stop systems: verify, store as evidence once, emit, answer with a signed receipt."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.interop import CounterDossierReceived, StatusReported
from contracts.vocabulary import (
    REASON_REQUIRED,
    STATUS_OF_NATIONAL,
    Channel,
    DossierStatus,
    NationalStatus,
    national_status,
)
from interop_svc.dossier.service import DossierFacts, DossierService
from interop_svc.errors import Conflict, NotFound, Problem
from interop_svc.message.repository import MessageRepository
from interop_svc.metrics import INBOUND
from interop_svc.platform.identity import Platform
from interop_svc.system.models import System
from interop_svc.system.service import SOURCE, trusted_certificates
from interop_svc.xml import (
    VN_TZ,
    CounterDossier,
    EnvelopeHeader,
    InboundMessage,
    MessageType,
    RejectReason,
    StatusUpdate,
    XmlRejected,
    accept_inbound,
    build_receipt,
    parse_counter_dossier,
    parse_status_update,
    receipt_for,
)
from servicekit.outbox import add_event


def _local_status(code: int) -> DossierStatus | None:
    """What a national status reported by a one-stop system means as a local status (1 says nothing new)."""
    status = national_status(code)
    return STATUS_OF_NATIONAL[status] if status not in (None, NationalStatus.SUBMITTED_ONLINE) else None


def counter_facts(system: System, counter: CounterDossier) -> DossierFacts:
    """A dossier received at the agency's counter, recorded in the read model as that system's own (agency =
    sender), so its later StatusUpdates are accepted; it is not echoed back through the feed or push."""
    return DossierFacts(
        code=counter.dossier_code, agency_code=system.agency_code, procedure_code=counter.procedure_code,
        at=counter.received_at, kind="interop.counter_dossier.received.v1", action_vi="Tiếp nhận hồ sơ tại quầy",
        status=_local_status(counter.status_code) or DossierStatus.ACCEPTED, national_status=counter.status_code,
        values={"procedure_name": counter.procedure_name, "channel": Channel.COUNTER,
                "applicant_name": counter.applicant_name, "received_at": counter.received_at,
                "due_at": counter.due_at,
                "applicant_phone": counter.applicant.phone if counter.applicant else None,
                "applicant_email": counter.applicant.email if counter.applicant else None},
        officer=counter.received_by, note=counter.note, log=False, origin_system=system.code,
    )


def status_facts(agency_code: str, procedure_code: str, update: StatusUpdate) -> DossierFacts:
    values: dict[str, object] = {}
    if update.status_code in (NationalStatus.STOPPED, NationalStatus.FINISHED):
        values["completed_at"] = update.at
    if update.status_code == NationalStatus.RESULT_RETURNED:
        values["returned_at"] = update.at
    if update.new_appointment is not None:
        values["due_at"] = update.new_appointment.due_at
    return DossierFacts(
        code=update.dossier_code, agency_code=agency_code, procedure_code=procedure_code, at=update.at,
        kind="interop.status.reported.v1", action_vi="Cập nhật trạng thái từ phần mềm một cửa",
        status=_local_status(update.status_code), national_status=update.status_code, values=values,
        officer=update.officer, department=update.department, note=update.note, log=False,
    )


class XmlProblem(Problem):
    """400 for a message refused before anything in it was trusted; ``reason`` is a stable machine code."""

    status, slug = 400, "xml-rejected"

    @classmethod
    def of(cls, exc: XmlRejected) -> XmlProblem:
        errors = [{"loc": ["body"], "msg": line} for line in exc.details] or None
        return cls(exc.message_vi, errors=errors, reason=exc.reason_code.value)


@dataclass(frozen=True, slots=True)
class Answer:
    receipt: bytes
    replayed: bool


def _event_id(system: System, message_id: str) -> str:
    # One id end to end: the same message can only ever produce the same event.
    return hashlib.sha256(f"interop|{system.id}|{message_id}".encode()).hexdigest()[:32]


class MessageService:
    def __init__(self, session: AsyncSession, platform: Platform) -> None:
        self.session = session
        self.platform = platform
        self.repo = MessageRepository(session)
        self.dossiers = DossierService(session)

    async def receive(self, system: System, body: bytes) -> Answer:
        try:
            answer = await self._receive(system, body)
        except Exception as exc:
            INBOUND.add(1, {"outcome": "rejected", "reason": getattr(exc, "slug", type(exc).__name__)})
            raise
        INBOUND.add(1, {"outcome": "replayed" if answer.replayed else "accepted"})
        return answer

    async def _receive(self, system: System, body: bytes) -> Answer:
        certificates = trusted_certificates(system)
        if not certificates:
            raise XmlProblem(
                "Hệ thống gửi không còn chứng thư số nào đang có hiệu lực; liên hệ quản trị để đăng ký chứng thư mới.",
                reason=RejectReason.CERTIFICATE_INVALID.value,
            )
        try:
            # Parsing, schema validation and signature checks are CPU work: off the event loop.
            message = await asyncio.to_thread(accept_inbound, body, certificates, expected_sender=system.agency_code)
        except XmlRejected as exc:
            raise XmlProblem.of(exc) from None
        if message.header.to_organ_id != self.platform.organ_id:
            raise XmlProblem(
                f"Thông điệp phải gửi tới nền tảng (Header/To/OrganId = {self.platform.organ_id}).",
                reason="receiver_mismatch",
            )
        known = await self.repo.get(system.id, message.header.message_id)
        if known is not None:
            return self._replay(known.digest_sha256, known.receipt, message)

        dossier_code, emit, facts = await self._payload_event(system, message)
        received_at = datetime.now(VN_TZ)
        receipt = build_receipt(
            EnvelopeHeader.new(self.platform.organ_id, system.agency_code),
            receipt_for(body, message.header.message_id, received_at=received_at),
        )
        signed = await asyncio.to_thread(self.platform.signer.sign_to_bytes, receipt)
        event_id = _event_id(system, message.header.message_id)
        stored = await self.repo.insert_new({
            "system_id": system.id, "system_code": system.code, "agency_code": system.agency_code,
            "message_id": message.header.message_id, "message_type": message.message_type.value,
            "dossier_code": dossier_code, "received_at": received_at, "digest_sha256": message.digest_sha256,
            "size": message.size, "body": body, "receipt": signed, "event_id": event_id,
        })
        if not stored:  # the same message arrived twice at once; the other request stored it first
            first = await self.repo.get(system.id, message.header.message_id)
            assert first is not None
            return self._replay(first.digest_sha256, first.receipt, message)
        if facts is not None:  # only the request that stored the message folds it into the read model
            await self.dossiers.apply(facts, event_id=event_id)
        add_event(self.session, emit, source=SOURCE, subject=dossier_code, event_id=event_id)
        return Answer(signed, replayed=False)

    def _replay(self, digest: str, receipt: bytes, message: InboundMessage) -> Answer:
        if digest != message.digest_sha256:
            raise Conflict(
                f"Mã thông điệp {message.header.message_id} đã được dùng cho một thông điệp có nội dung khác.",
                slug="message-id-reused",
            )
        return Answer(receipt, replayed=True)

    async def _payload_event(
        self, system: System, message: InboundMessage
    ) -> tuple[str, StatusReported | CounterDossierReceived, DossierFacts | None]:
        msg_id = message.header.message_id
        try:
            if message.message_type is MessageType.STATUS_UPDATE:
                update = parse_status_update(message.envelope)
                dossier = await self.dossiers.get(update.dossier_code)
                if dossier is None or dossier.agency_code != system.agency_code:
                    raise NotFound(f"Không tìm thấy hồ sơ {update.dossier_code} của cơ quan {system.agency_code}.")
                if update.status_code in REASON_REQUIRED and not (update.note or "").strip():
                    raise XmlProblem(
                        f"Trạng thái {update.status_code} (không tiếp nhận / dừng xử lý) cần nêu lý do trong Note.",
                        reason="reason_required",
                        errors=[{"loc": ["body", "StatusUpdate", "Note"], "msg": "cần nêu lý do"}],
                    )
                # A counter dossier is the system's own: interop keeps its status (workflow never sees it).
                facts = status_facts(dossier.agency_code, dossier.procedure_code, update) \
                    if dossier.origin_system is not None else None
                return update.dossier_code, StatusReported(
                    message_id=msg_id, dossier_code=update.dossier_code, agency_code=system.agency_code,
                    national_status=NationalStatus(update.status_code), at=update.at, officer=update.officer,
                    department=update.department, note=update.note,
                    new_due_at=update.new_appointment.due_at if update.new_appointment else None,
                    result_documents=[
                        {"name": d.name, "sha256": d.sha256, "size": str(d.size), "media_type": d.media_type,
                         "download_url": d.download_url,
                         **({"requirement_code": d.requirement_code} if d.requirement_code else {})}
                        for d in update.result_documents
                    ],
                ), facts
            if message.message_type is MessageType.COUNTER_DOSSIER:
                counter = parse_counter_dossier(message.envelope)
                # A counter dossier's code starts with the code of the agency that received it.
                if not counter.dossier_code.startswith(system.agency_code + "-"):
                    raise NotFound(f"Hồ sơ {counter.dossier_code} không thuộc cơ quan {system.agency_code}.")
                known = await self.dossiers.get(counter.dossier_code)
                if known is not None and known.origin_system is None:
                    raise Conflict(f"Mã hồ sơ {counter.dossier_code} đã là một hồ sơ nộp qua Cổng dịch vụ công.",
                                   slug="dossier-exists")
                return counter.dossier_code, CounterDossierReceived(
                    message_id=msg_id, dossier_code=counter.dossier_code, procedure_code=counter.procedure_code,
                    agency_code=system.agency_code, applicant_name=counter.applicant_name,
                    received_at=counter.received_at, due_at=counter.due_at,
                    national_status=NationalStatus(counter.status_code),
                ), counter_facts(system, counter)
        except XmlRejected as exc:
            raise XmlProblem.of(exc) from None
        raise XmlProblem(
            f"Nền tảng không nhận thông điệp loại {message.message_type.value}: chỉ nhận StatusUpdate và "
            "CounterDossier.", reason="message_type_not_accepted",
        )
