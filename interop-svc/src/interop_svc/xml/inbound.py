"""The whole inbound pipeline in one call: parse hardened, validate, verify, identify."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from lxml import etree

from .errors import RejectReason, XmlRejected
from .messages import EnvelopeHeader, MessageType, message_type_of, parse_header, sha256_hex
from .parser import DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, parse_untrusted
from .schema import validate
from .signing import verify_envelope

__all__ = ["InboundMessage", "accept_inbound"]


@dataclass(frozen=True, slots=True)
class InboundMessage:
    envelope: etree._Element
    """What the signature covers (the Envelope without ds:Signature); read the payload from this."""
    header: EnvelopeHeader
    message_type: MessageType
    digest_sha256: str
    """Hex SHA-256 of exactly the bytes received: goes into the Receipt; store the bytes with it."""
    size: int


def accept_inbound(
    data: bytes,
    trusted_cert: x509.Certificate | Sequence[x509.Certificate],
    *,
    expected_sender: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> InboundMessage:
    """Parse ``data`` hardened, validate it against envelope.xsd, verify its signature against the
    sending system's registered certificate(s) and, if ``expected_sender`` is given, check that
    Header/From/OrganId is that system's agency. Raises XmlRejected at the first failure."""
    root = parse_untrusted(data, max_bytes, max_depth)
    validate(root)
    signed = verify_envelope(root, trusted_cert)
    header = parse_header(signed)
    if expected_sender is not None and header.from_organ_id != expected_sender:
        raise XmlRejected(
            RejectReason.SENDER_MISMATCH,
            "Mã cơ quan gửi (Header/From/OrganId) không khớp với hệ thống đã đăng ký.",
        )
    return InboundMessage(
        envelope=signed,
        header=header,
        message_type=message_type_of(signed),
        digest_sha256=sha256_hex(bytes(data)),
        size=len(data),
    )
