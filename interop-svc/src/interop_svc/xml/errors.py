"""The one error this package raises for XML it will not accept."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum


class RejectReason(StrEnum):
    """Stable machine codes; the HTTP layer maps every one of them to a 400 problem."""

    EMPTY = "empty"
    TOO_LARGE = "too_large"
    TOO_DEEP = "too_deep"
    MALFORMED = "malformed"
    DOCTYPE_FORBIDDEN = "doctype_forbidden"
    ENTITY_FORBIDDEN = "entity_forbidden"
    SCHEMA_INVALID = "schema_invalid"
    MESSAGE_TYPE_MISMATCH = "message_type_mismatch"
    BAD_VALUE = "bad_value"
    SIGNATURE_MISSING = "signature_missing"
    SIGNATURE_SCOPE = "signature_scope"
    SIGNATURE_INVALID = "signature_invalid"
    CERTIFICATE_INVALID = "certificate_invalid"
    SENDER_MISMATCH = "sender_mismatch"


class XmlRejected(Exception):
    """An inbound document refused before anything in it was trusted.

    ``message_vi`` is safe to show to the sending system's operators; ``details`` holds short
    technical lines (line number and parser or validator message), never internal paths.
    """

    def __init__(self, reason_code: RejectReason, message_vi: str, details: Sequence[str] = ()) -> None:
        super().__init__(f"{reason_code}: {message_vi}")
        self.reason_code = reason_code
        self.message_vi = message_vi
        self.details: tuple[str, ...] = tuple(details)
