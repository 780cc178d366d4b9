"""One set of validators for the identity data every service takes in: CCCD, Vietnamese phone numbers, email.

Annotated pydantic types, so the gateway (registration, users) and intake (applicants) accept and refuse the
same values and store them in the same form. Errors are ``ValueError`` with a Vietnamese sentence naming the
field; the services' problem+json handler keeps that sentence and the field's location.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Final

from pydantic import AfterValidator, Field

CCCD_RE: Final = re.compile(r"\d{12}")
# mobile numbers: 0 (or +84 / 84) then a mobile prefix 3, 5, 7, 8 or 9 and 8 more digits
_PHONE_RE: Final = re.compile(r"(?:\+?84|0)([35789]\d{8})")
_PHONE_SEPARATORS: Final = re.compile(r"[\s.\-]")
_EMAIL_RE: Final = re.compile(
    r"[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+"
)
_MAX_PHONE_TEXT: Final = 30
_MAX_EMAIL: Final = 254


def normalize_cccd(value: str) -> str:
    """A 12-digit citizen identity number (Căn cước công dân), surrounding spaces removed."""
    v = value.strip()
    if not CCCD_RE.fullmatch(v):
        raise ValueError("Số Căn cước công dân phải gồm đúng 12 chữ số.")
    return v


def is_cccd(value: str) -> bool:
    return CCCD_RE.fullmatch(value.strip()) is not None


def normalize_phone(value: str) -> str:
    """A Vietnamese mobile number as its 10 digits (``0912345678``): spaces, dots and dashes between the
    digits are accepted, and so is the country code (``+84 912 345 678``)."""
    if len(value) > _MAX_PHONE_TEXT:
        raise ValueError("Số điện thoại quá dài (ví dụ 0912345678).")
    match = _PHONE_RE.fullmatch(_PHONE_SEPARATORS.sub("", value))
    if match is None:
        raise ValueError("Số điện thoại di động Việt Nam không hợp lệ (ví dụ 0912345678 hoặc 0912-345-678).")
    return "0" + match.group(1)


def normalize_email(value: str) -> str:
    """An email address, surrounding spaces removed."""
    v = value.strip()
    if len(v) > _MAX_EMAIL or not _EMAIL_RE.fullmatch(v):
        raise ValueError("Địa chỉ thư điện tử (email) không hợp lệ.")
    return v


def _optional(normalize: Callable[[str], str]) -> AfterValidator:
    def check(value: str | None) -> str | None:
        if value is None or not value.strip():
            return None  # an empty text field means "not given"
        return normalize(value)

    return AfterValidator(check)


CCCD = Annotated[str, AfterValidator(normalize_cccd), Field(description="12-digit CCCD (Căn cước công dân)",
                                                              examples=["079203001234"])]
Phone = Annotated[str, AfterValidator(normalize_phone),
                  Field(description="Vietnamese mobile number; separators allowed, stored as 10 digits",
                        examples=["0912345678"])]
Email = Annotated[str, AfterValidator(normalize_email), Field(description="email address",
                                                              examples=["an.nguyen@example.vn"])]
OptionalPhone = Annotated[str | None, _optional(normalize_phone),
                          Field(description="Vietnamese mobile number; separators allowed, stored as 10 digits; "
                                            "empty means none", examples=["0912345678"])]
OptionalEmail = Annotated[str | None, _optional(normalize_email),
                          Field(description="email address; empty means none", examples=["an.nguyen@example.vn"])]
