"""Times as the API shows them (docs/contract.md): ISO 8601 with the offset of Asia/Ho_Chi_Minh (``+07:00``).

Every datetime field of a JSON response model is declared ``VNDateTime``: whatever zone the value carries
(PostgreSQL hands ``timestamptz`` back in UTC), it is written as ``2026-02-11T10:00:00+07:00``, never with a
``Z`` and never naive. Validation (requests) is plain ``datetime``; only JSON serialization changes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import PlainSerializer

from contracts.vocabulary import VN_TZ as VN


def vn_iso(value: datetime) -> str:
    """``2026-02-11T10:00:00+07:00`` whatever zone the value came in (a naive value is taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(VN).isoformat()


# every datetime of a response model: serialized to JSON in Vietnam's time, with its offset
VNDateTime = Annotated[datetime, PlainSerializer(vn_iso, return_type=str, when_used="json")]


def vn_times(data: Any) -> Any:
    """Re-expresses the ISO timestamps kept inside JSON data (keys ending in ``_at``) in Vietnam's time.

    For free-form dicts of a response (event data, form fields): a string that parses as an aware ISO
    datetime is rewritten with ``+07:00``; anything else (dates, naive strings, other keys) is left as it is.
    """
    if isinstance(data, dict):
        out = {}
        for k, v in data.items():
            if isinstance(v, str) and isinstance(k, str) and k.endswith("_at"):
                try:
                    parsed = datetime.fromisoformat(v)
                except ValueError:
                    out[k] = v
                else:
                    out[k] = vn_iso(parsed) if parsed.tzinfo else v
            elif isinstance(v, datetime):
                out[k] = vn_iso(v)
            else:
                out[k] = vn_times(v)
        return out
    if isinstance(data, list):
        return [vn_times(v) for v in data]
    if isinstance(data, datetime):
        return vn_iso(data)
    return data
