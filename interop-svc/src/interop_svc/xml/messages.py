"""Builders and readers of the interop messages (namespace urn:dvc:dongnai:interop:v1).

Builders take frozen dataclasses and return an unsigned Envelope element; sign it with
``signing.Signer``. Readers take a verified Envelope and return the same dataclasses, so what one
side builds the other side reads back unchanged. Times are written ISO 8601 at +07:00
(Asia/Ho_Chi_Minh, which has no daylight saving); naive datetimes are refused.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any, Final, TypeVar

from lxml import etree

from contracts.vocabulary import VN_TZ, NationalStatus
from contracts.vocabulary import NationalChannel as Channel

from .errors import RejectReason, XmlRejected
from .schema import NS

__all__ = [
    "VN_TZ",
    "Applicant",
    "ApplicantKind",
    "Appointment",
    "Channel",
    "CounterDossier",
    "DocumentRef",
    "Dossier",
    "DossierFeedPage",
    "EnvelopeHeader",
    "HistoryEntry",
    "MessageType",
    "NationalStatus",
    "Receipt",
    "ReceiptResult",
    "ReceivedPaper",
    "StatusUpdate",
    "TraceHop",
    "build_counter_dossier",
    "build_dossier_feed",
    "build_dossier_message",
    "build_receipt",
    "build_status_update",
    "flatten_form_data",
    "format_datetime",
    "message_type_of",
    "parse_counter_dossier",
    "parse_datetime",
    "parse_dossier",
    "parse_dossier_feed",
    "parse_header",
    "parse_receipt",
    "parse_status_update",
    "receipt_for",
    "sha256_hex",
]

_E = TypeVar("_E", bound=IntEnum)



class MessageType(StrEnum):
    STATUS_UPDATE = "StatusUpdate"
    COUNTER_DOSSIER = "CounterDossier"
    RECEIPT = "Receipt"
    DOSSIER_FEED = "DossierFeed"
    DOSSIER = "Dossier"


class ApplicantKind(IntEnum):
    CITIZEN = 1
    BUSINESS = 2
    STATE_AGENCY = 3
    OTHER = 4


class ReceiptResult(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"


# ----------------------------------------------------------------------------------------------- inputs


def _freeze(instance: object, *names: str) -> None:
    # Sequences are stored as tuples so that equal content compares equal, whatever the caller passed.
    for name in names:
        object.__setattr__(instance, name, tuple(getattr(instance, name)))


@dataclass(frozen=True, slots=True)
class TraceHop:
    organ_id: str
    timestamp: datetime


@dataclass(frozen=True, slots=True)
class EnvelopeHeader:
    message_id: str
    from_organ_id: str
    to_organ_id: str
    sent_at: datetime
    document_type: str | None = None
    business_type: str | None = None
    trace: Sequence[TraceHop] = ()

    def __post_init__(self) -> None:
        _freeze(self, "trace")

    @classmethod
    def new(
        cls,
        from_organ_id: str,
        to_organ_id: str,
        *,
        message_id: str | None = None,
        sent_at: datetime | None = None,
        document_type: str | None = None,
        business_type: str | None = None,
        trace: Sequence[TraceHop] = (),
    ) -> EnvelopeHeader:
        """A header for a new outbound message: a fresh UUID and the current time unless given."""
        return cls(
            message_id=message_id or str(uuid.uuid4()),
            from_organ_id=from_organ_id,
            to_organ_id=to_organ_id,
            sent_at=sent_at or datetime.now(VN_TZ),
            document_type=document_type,
            business_type=business_type,
            trace=trace,
        )


@dataclass(frozen=True, slots=True)
class DocumentRef:
    name: str
    sha256: str
    size: int
    media_type: str
    download_url: str
    requirement_code: str | None = None


@dataclass(frozen=True, slots=True)
class Appointment:
    due_at: datetime
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    dossier_code: str
    status_code: int
    at: datetime
    officer: str
    officer_title: str | None = None
    department: str | None = None
    note: str | None = None
    result_documents: Sequence[DocumentRef] = ()
    new_appointment: Appointment | None = None

    def __post_init__(self) -> None:
        _freeze(self, "result_documents")


@dataclass(frozen=True, slots=True)
class Applicant:
    name: str
    kind: ApplicantKind | None = None
    id_number: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None


@dataclass(frozen=True, slots=True)
class ReceivedPaper:
    name: str
    requirement_code: str | None = None
    original: bool | None = None
    copies: int | None = None


@dataclass(frozen=True, slots=True)
class CounterDossier:
    dossier_code: str
    procedure_code: str
    applicant_name: str
    received_at: datetime
    due_at: datetime
    status_code: int = NationalStatus.RECEIVED
    procedure_name: str | None = None
    applicant: Applicant | None = None
    received_by: str | None = None
    papers: Sequence[ReceivedPaper] = ()
    note: str | None = None

    def __post_init__(self) -> None:
        _freeze(self, "papers")


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: datetime
    status_code: int
    local_status: str | None = None
    action: str | None = None
    officer: str | None = None
    officer_title: str | None = None
    department: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Dossier:
    code: str
    procedure_code: str
    procedure_name: str
    agency_code: str
    applicant: Applicant
    status_code: int
    local_status: str | None = None
    status_name: str | None = None
    sector_code: str | None = None
    channel: Channel | None = None
    form_data: Sequence[tuple[str, str]] | Mapping[str, str] = ()
    """Flat key/value pairs (see flatten_form_data for nested e-forms); a mapping is accepted too."""
    documents: Sequence[DocumentRef] = ()
    submitted_at: datetime | None = None
    received_at: datetime | None = None
    due_at: datetime | None = None
    completed_at: datetime | None = None
    returned_at: datetime | None = None
    result_documents: Sequence[DocumentRef] = ()
    history: Sequence[HistoryEntry] = ()
    change_seq: int | None = None
    """Pull feed only: the sequence number of the change this entry reports."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "form_data", _form_pairs(self.form_data))
        _freeze(self, "documents", "result_documents", "history")


def _form_pairs(form_data: Sequence[tuple[str, str]] | Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    pairs = form_data.items() if isinstance(form_data, Mapping) else form_data
    return tuple((str(key), str(value)) for key, value in pairs)


@dataclass(frozen=True, slots=True)
class DossierFeedPage:
    dossiers: Sequence[Dossier]
    next_cursor: str
    has_more: bool

    def __post_init__(self) -> None:
        _freeze(self, "dossiers")


@dataclass(frozen=True, slots=True)
class Receipt:
    message_id: str
    received_at: datetime
    digest_sha256: str
    result: ReceiptResult = field(default=ReceiptResult.ACCEPTED)


# ------------------------------------------------------------------------------------------- helpers


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def receipt_for(
    received: bytes, message_id: str, *, received_at: datetime | None = None, duplicate: bool = False
) -> Receipt:
    """The receipt for a received message: the digest is over exactly the bytes received."""
    return Receipt(
        message_id=message_id,
        received_at=received_at or datetime.now(VN_TZ),
        digest_sha256=sha256_hex(received),
        result=ReceiptResult.DUPLICATE if duplicate else ReceiptResult.ACCEPTED,
    )


def flatten_form_data(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Turn a nested e-form (JSON-like) into FormData pairs: dotted keys, [i] for list items,
    true/false for booleans, "" for null."""
    pairs: list[tuple[str, str]] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), item)
        elif isinstance(value, list | tuple):
            for index, item in enumerate(value):
                walk(f"{prefix}[{index}]", item)
        elif isinstance(value, bool):
            pairs.append((prefix, "true" if value else "false"))
        elif value is None:
            pairs.append((prefix, ""))
        else:
            pairs.append((prefix, str(value)))

    walk("", data)
    return pairs


def format_datetime(value: datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("interop times must be timezone-aware")
    local = value.astimezone(VN_TZ)
    return local.isoformat(timespec="seconds" if local.microsecond == 0 else "microseconds")


_DATETIME_RE: Final = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})")


def parse_datetime(text: str) -> datetime:
    """An xs:dateTime with offset as validated by the schema; fractions beyond microseconds are dropped."""
    match = _DATETIME_RE.fullmatch(text.strip())
    if match is None:
        raise _bad_value(f"thời gian không hợp lệ: {text!r}")
    base, fraction, offset = match.groups()
    micro = f".{(fraction or '')[:6].ljust(6, '0')}" if fraction else ""
    try:
        return datetime.fromisoformat(f"{base}{micro}{'+00:00' if offset == 'Z' else offset}")
    except ValueError:
        raise _bad_value(f"thời gian không hợp lệ: {text!r}") from None


# XML 1.0 forbids most C0 controls, lone surrogates and U+FFFE/U+FFFF; lxml refuses them outright.
# User-typed text may hold them (pasted from office documents), and one such dossier must not break a
# whole feed page, so they are dropped.
_NOT_XML_CHAR: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(value: str) -> str:
    # printable text (Vietnamese included) holds none of them: the regex runs only for the rest
    return value if value.isprintable() else _NOT_XML_CHAR.sub("", value)


_QNAMES: dict[str, str] = {}


def _q(name: str) -> str:
    qname = _QNAMES.get(name)
    if qname is None:
        qname = _QNAMES[name] = f"{{{NS}}}{name}"
    return qname


def _add(parent: etree._Element, name: str, value: str | int | bool | datetime | None = None) -> etree._Element:
    child = etree.SubElement(parent, _q(name))
    if value is None:
        return child
    if type(value) is str:  # the common case first: a feed page adds some 100,000 of them
        child.text = _clean(value)
    elif isinstance(value, bool):
        child.text = "true" if value else "false"
    elif isinstance(value, datetime):
        child.text = format_datetime(value)
    elif isinstance(value, int):
        child.text = str(int(value))
    else:
        child.text = _clean(value)
    return child


def _opt(parent: etree._Element, name: str, value: str | int | bool | datetime | None) -> None:
    if value is not None:
        _add(parent, name, value)


# ------------------------------------------------------------------------------------------ builders


def _envelope(header: EnvelopeHeader, message_type: MessageType) -> tuple[etree._Element, etree._Element]:
    envelope = etree.Element(_q("Envelope"), nsmap={None: NS})
    head = _add(envelope, "Header")
    _add(head, "MessageId", header.message_id)
    _add(_add(head, "From"), "OrganId", header.from_organ_id)
    _add(_add(head, "To"), "OrganId", header.to_organ_id)
    _add(head, "SentAt", header.sent_at)
    _add(head, "MessageType", message_type.value)
    _opt(head, "DocumentType", header.document_type)
    _opt(head, "BusinessType", header.business_type)
    if header.trace:
        hops = _add(head, "TraceHeaderList")
        for hop in header.trace:
            trace = _add(hops, "TraceHeader")
            _add(trace, "OrganId", hop.organ_id)
            _add(trace, "Timestamp", hop.timestamp)
    body = _add(envelope, "Body")
    return envelope, _add(body, message_type.value)


def _finish(envelope: etree._Element) -> etree._Element:
    etree.indent(envelope, space="  ")
    return envelope


def _documents(parent: etree._Element, name: str, documents: Sequence[DocumentRef]) -> None:
    if not documents:
        return
    container = _add(parent, name)
    for document in documents:
        item = _add(container, "Document")
        _add(item, "Name", document.name)
        _opt(item, "RequirementCode", document.requirement_code)
        _add(item, "Sha256", document.sha256)
        _add(item, "Size", document.size)
        _add(item, "MediaType", document.media_type)
        _add(item, "DownloadUrl", document.download_url)


def _applicant(parent: etree._Element, applicant: Applicant) -> None:
    item = _add(parent, "Applicant")
    _add(item, "Name", applicant.name)
    _opt(item, "Type", applicant.kind)
    _opt(item, "IdNumber", applicant.id_number)
    _opt(item, "Phone", applicant.phone)
    _opt(item, "Email", applicant.email)
    _opt(item, "Address", applicant.address)


def build_status_update(header: EnvelopeHeader, update: StatusUpdate) -> etree._Element:
    envelope, payload = _envelope(header, MessageType.STATUS_UPDATE)
    _add(payload, "DossierCode", update.dossier_code)
    _add(payload, "StatusCode", update.status_code)
    _add(payload, "At", update.at)
    _add(payload, "Officer", update.officer)
    _opt(payload, "OfficerTitle", update.officer_title)
    _opt(payload, "Department", update.department)
    _opt(payload, "Note", update.note)
    _documents(payload, "ResultDocuments", update.result_documents)
    if update.new_appointment is not None:
        appointment = _add(payload, "NewAppointment")
        _add(appointment, "DueAt", update.new_appointment.due_at)
        _opt(appointment, "Reason", update.new_appointment.reason)
    return _finish(envelope)


def build_counter_dossier(header: EnvelopeHeader, dossier: CounterDossier) -> etree._Element:
    envelope, payload = _envelope(header, MessageType.COUNTER_DOSSIER)
    _add(payload, "DossierCode", dossier.dossier_code)
    _add(payload, "ProcedureCode", dossier.procedure_code)
    _add(payload, "ApplicantName", dossier.applicant_name)
    _add(payload, "ReceivedAt", dossier.received_at)
    _add(payload, "DueAt", dossier.due_at)
    _add(payload, "StatusCode", dossier.status_code)
    _opt(payload, "ProcedureName", dossier.procedure_name)
    if dossier.applicant is not None:
        _applicant(payload, dossier.applicant)
    _opt(payload, "ReceivedBy", dossier.received_by)
    if dossier.papers:
        papers = _add(payload, "Papers")
        for paper in dossier.papers:
            item = _add(papers, "Paper")
            _add(item, "Name", paper.name)
            _opt(item, "RequirementCode", paper.requirement_code)
            _opt(item, "Original", paper.original)
            _opt(item, "Copies", paper.copies)
    _opt(payload, "Note", dossier.note)
    return _finish(envelope)


def _fill_dossier(item: etree._Element, dossier: Dossier) -> None:
    _add(item, "Code", dossier.code)
    _add(item, "ProcedureCode", dossier.procedure_code)
    _add(item, "ProcedureName", dossier.procedure_name)
    _add(item, "AgencyCode", dossier.agency_code)
    _opt(item, "SectorCode", dossier.sector_code)
    _opt(item, "Channel", dossier.channel)
    _applicant(item, dossier.applicant)
    if dossier.form_data:
        form = _add(item, "FormData")
        for key, value in _form_pairs(dossier.form_data):
            pair = _add(form, "Field")
            _add(pair, "Key", key)
            _add(pair, "Value", value)
    _documents(item, "Documents", dossier.documents)
    _opt(item, "SubmittedAt", dossier.submitted_at)
    _opt(item, "ReceivedAt", dossier.received_at)
    _opt(item, "DueAt", dossier.due_at)
    _opt(item, "CompletedAt", dossier.completed_at)
    _opt(item, "ReturnedAt", dossier.returned_at)
    _add(item, "StatusCode", dossier.status_code)
    _opt(item, "LocalStatus", dossier.local_status)
    _opt(item, "StatusName", dossier.status_name)
    _documents(item, "ResultDocuments", dossier.result_documents)
    if dossier.history:
        history = _add(item, "History")
        for entry in dossier.history:
            row = _add(history, "Entry")
            _add(row, "At", entry.at)
            _add(row, "StatusCode", entry.status_code)
            _opt(row, "LocalStatus", entry.local_status)
            _opt(row, "Action", entry.action)
            _opt(row, "Officer", entry.officer)
            _opt(row, "OfficerTitle", entry.officer_title)
            _opt(row, "Department", entry.department)
            _opt(row, "Note", entry.note)
    _opt(item, "ChangeSeq", dossier.change_seq)


def build_dossier_message(header: EnvelopeHeader, dossier: Dossier) -> etree._Element:
    envelope, payload = _envelope(header, MessageType.DOSSIER)
    _fill_dossier(payload, dossier)
    return _finish(envelope)


def build_dossier_feed(header: EnvelopeHeader, page: DossierFeedPage) -> etree._Element:
    envelope, payload = _envelope(header, MessageType.DOSSIER_FEED)
    for dossier in page.dossiers:
        _fill_dossier(_add(payload, "Dossier"), dossier)
    _add(payload, "NextCursor", page.next_cursor)
    _add(payload, "HasMore", page.has_more)
    # not indented: on a 500-dossier page the indentation was a third of the bytes, and every byte is
    # canonicalised, digested, sent and parsed again by the receiver (single messages stay indented)
    return envelope


def build_receipt(header: EnvelopeHeader, receipt: Receipt) -> etree._Element:
    envelope, payload = _envelope(header, MessageType.RECEIPT)
    _add(payload, "MessageId", receipt.message_id)
    _add(payload, "ReceivedAt", receipt.received_at)
    _add(payload, "Digest", receipt.digest_sha256).set("Algorithm", "sha256")
    _add(payload, "Result", receipt.result.value)
    return _finish(envelope)


# ------------------------------------------------------------------------------------------- readers


def _bad_value(detail: str) -> XmlRejected:
    return XmlRejected(RejectReason.BAD_VALUE, "Thông điệp chứa giá trị không hợp lệ.", [detail])


def _text(parent: etree._Element, name: str) -> str | None:
    child = parent.find(_q(name))
    if child is None:
        return None
    return child.text or ""


def _required(parent: etree._Element, name: str) -> str:
    value = _text(parent, name)
    if value is None:
        raise _bad_value(f"thiếu phần tử {name}")
    return value


def _token(parent: etree._Element, name: str) -> str:
    # xs:token semantics: the schema validated the whitespace-collapsed value, so read it the same way.
    return " ".join(_required(parent, name).split())


def _opt_token(parent: etree._Element, name: str) -> str | None:
    value = _text(parent, name)
    return None if value is None else " ".join(value.split())


def _int(parent: etree._Element, name: str) -> int:
    try:
        return int(_token(parent, name))
    except ValueError:
        raise _bad_value(f"{name} phải là số nguyên") from None


def _opt_int(parent: etree._Element, name: str) -> int | None:
    return None if parent.find(_q(name)) is None else _int(parent, name)


def _opt_bool(parent: etree._Element, name: str) -> bool | None:
    value = _opt_token(parent, name)
    if value is None:
        return None
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise _bad_value(f"{name} phải là true hoặc false")


def _when(parent: etree._Element, name: str) -> datetime:
    return parse_datetime(_required(parent, name))


def _opt_when(parent: etree._Element, name: str) -> datetime | None:
    value = _text(parent, name)
    return None if value is None else parse_datetime(value)


def message_type_of(envelope: etree._Element) -> MessageType:
    value = " ".join((envelope.findtext(f"{_q('Header')}/{_q('MessageType')}") or "").split())
    try:
        return MessageType(value)
    except ValueError:
        raise _bad_value(f"MessageType không được hỗ trợ: {value!r}") from None


def parse_header(envelope: etree._Element) -> EnvelopeHeader:
    head = envelope.find(_q("Header"))
    if envelope.tag != _q("Envelope") or head is None:
        raise _bad_value("thiếu Envelope/Header")
    sender = head.find(_q("From"))
    receiver = head.find(_q("To"))
    if sender is None or receiver is None:
        raise _bad_value("thiếu From hoặc To")
    hops = head.find(_q("TraceHeaderList"))
    trace = (
        tuple(TraceHop(_token(hop, "OrganId"), _when(hop, "Timestamp")) for hop in hops.findall(_q("TraceHeader")))
        if hops is not None
        else ()
    )
    return EnvelopeHeader(
        message_id=_token(head, "MessageId"),
        from_organ_id=_token(sender, "OrganId"),
        to_organ_id=_token(receiver, "OrganId"),
        sent_at=_when(head, "SentAt"),
        document_type=_opt_token(head, "DocumentType"),
        business_type=_opt_token(head, "BusinessType"),
        trace=trace,
    )


def _payload(envelope: etree._Element, expected: MessageType) -> etree._Element:
    if message_type_of(envelope) is not expected:
        raise XmlRejected(
            RejectReason.MESSAGE_TYPE_MISMATCH,
            f"Thông điệp không phải loại {expected.value}.",
        )
    payload = envelope.find(f"{_q('Body')}/{_q(expected.value)}")
    if payload is None:
        raise XmlRejected(
            RejectReason.MESSAGE_TYPE_MISMATCH,
            "Loại thông điệp (Header/MessageType) không khớp với nội dung của Body.",
        )
    return payload


def _read_documents(parent: etree._Element, name: str) -> tuple[DocumentRef, ...]:
    container = parent.find(_q(name))
    if container is None:
        return ()
    return tuple(
        DocumentRef(
            name=_token(item, "Name"),
            sha256=_token(item, "Sha256"),
            size=_int(item, "Size"),
            media_type=_token(item, "MediaType"),
            download_url=_token(item, "DownloadUrl"),
            requirement_code=_opt_token(item, "RequirementCode"),
        )
        for item in container.findall(_q("Document"))
    )


def _code_of(enum: type[_E], value: int | None, name: str) -> _E | None:
    if value is None:
        return None
    try:
        return enum(value)
    except ValueError:
        raise _bad_value(f"{name} không hợp lệ: {value}") from None


def _read_applicant(item: etree._Element) -> Applicant:
    return Applicant(
        name=_token(item, "Name"),
        kind=_code_of(ApplicantKind, _opt_int(item, "Type"), "Type"),
        id_number=_opt_token(item, "IdNumber"),
        phone=_opt_token(item, "Phone"),
        email=_opt_token(item, "Email"),
        address=_opt_token(item, "Address"),
    )


def parse_status_update(envelope: etree._Element) -> StatusUpdate:
    payload = _payload(envelope, MessageType.STATUS_UPDATE)
    appointment = payload.find(_q("NewAppointment"))
    return StatusUpdate(
        dossier_code=_token(payload, "DossierCode"),
        status_code=_int(payload, "StatusCode"),
        at=_when(payload, "At"),
        officer=_token(payload, "Officer"),
        officer_title=_opt_token(payload, "OfficerTitle"),
        department=_opt_token(payload, "Department"),
        note=_text(payload, "Note"),
        result_documents=_read_documents(payload, "ResultDocuments"),
        new_appointment=(
            Appointment(due_at=_when(appointment, "DueAt"), reason=_text(appointment, "Reason"))
            if appointment is not None
            else None
        ),
    )


def parse_counter_dossier(envelope: etree._Element) -> CounterDossier:
    payload = _payload(envelope, MessageType.COUNTER_DOSSIER)
    applicant = payload.find(_q("Applicant"))
    papers = payload.find(_q("Papers"))
    return CounterDossier(
        dossier_code=_token(payload, "DossierCode"),
        procedure_code=_token(payload, "ProcedureCode"),
        applicant_name=_token(payload, "ApplicantName"),
        received_at=_when(payload, "ReceivedAt"),
        due_at=_when(payload, "DueAt"),
        status_code=_int(payload, "StatusCode"),
        procedure_name=_opt_token(payload, "ProcedureName"),
        applicant=_read_applicant(applicant) if applicant is not None else None,
        received_by=_opt_token(payload, "ReceivedBy"),
        papers=tuple(
            ReceivedPaper(
                name=_token(paper, "Name"),
                requirement_code=_opt_token(paper, "RequirementCode"),
                original=_opt_bool(paper, "Original"),
                copies=_opt_int(paper, "Copies"),
            )
            for paper in (papers.findall(_q("Paper")) if papers is not None else ())
        ),
        note=_text(payload, "Note"),
    )


def _read_dossier(item: etree._Element) -> Dossier:
    applicant = item.find(_q("Applicant"))
    if applicant is None:
        raise _bad_value("thiếu Applicant")
    form = item.find(_q("FormData"))
    history = item.find(_q("History"))
    return Dossier(
        code=_token(item, "Code"),
        procedure_code=_token(item, "ProcedureCode"),
        procedure_name=_token(item, "ProcedureName"),
        agency_code=_token(item, "AgencyCode"),
        applicant=_read_applicant(applicant),
        status_code=_int(item, "StatusCode"),
        local_status=_opt_token(item, "LocalStatus"),
        status_name=_opt_token(item, "StatusName"),
        sector_code=_opt_token(item, "SectorCode"),
        channel=_code_of(Channel, _opt_int(item, "Channel"), "Channel"),
        form_data=tuple(
            (_token(pair, "Key"), _required(pair, "Value"))
            for pair in (form.findall(_q("Field")) if form is not None else ())
        ),
        documents=_read_documents(item, "Documents"),
        submitted_at=_opt_when(item, "SubmittedAt"),
        received_at=_opt_when(item, "ReceivedAt"),
        due_at=_opt_when(item, "DueAt"),
        completed_at=_opt_when(item, "CompletedAt"),
        returned_at=_opt_when(item, "ReturnedAt"),
        result_documents=_read_documents(item, "ResultDocuments"),
        history=tuple(
            HistoryEntry(
                at=_when(row, "At"),
                status_code=_int(row, "StatusCode"),
                local_status=_opt_token(row, "LocalStatus"),
                action=_opt_token(row, "Action"),
                officer=_opt_token(row, "Officer"),
                officer_title=_opt_token(row, "OfficerTitle"),
                department=_opt_token(row, "Department"),
                note=_text(row, "Note"),
            )
            for row in (history.findall(_q("Entry")) if history is not None else ())
        ),
        change_seq=_opt_int(item, "ChangeSeq"),
    )


def parse_dossier(envelope: etree._Element) -> Dossier:
    return _read_dossier(_payload(envelope, MessageType.DOSSIER))


def parse_dossier_feed(envelope: etree._Element) -> DossierFeedPage:
    payload = _payload(envelope, MessageType.DOSSIER_FEED)
    has_more = _opt_bool(payload, "HasMore")
    if has_more is None:
        raise _bad_value("thiếu HasMore")
    return DossierFeedPage(
        dossiers=tuple(_read_dossier(item) for item in payload.findall(_q("Dossier"))),
        next_cursor=_token(payload, "NextCursor"),
        has_more=has_more,
    )


def parse_receipt(envelope: etree._Element) -> Receipt:
    payload = _payload(envelope, MessageType.RECEIPT)
    try:
        result = ReceiptResult(_token(payload, "Result"))
    except ValueError:
        raise _bad_value("Result phải là accepted hoặc duplicate") from None
    return Receipt(
        message_id=_token(payload, "MessageId"),
        received_at=_when(payload, "ReceivedAt"),
        digest_sha256=_token(payload, "Digest").lower(),
        result=result,
    )
