"""servicekit.timefmt: every JSON datetime of the API is written in Asia/Ho_Chi_Minh with its +07:00 offset."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from pydantic import BaseModel

from servicekit.timefmt import VNDateTime, vn_iso, vn_times


class Thing(BaseModel):
    at: VNDateTime
    maybe: VNDateTime | None = None
    many: list[VNDateTime] = []


def test_vn_iso_converts_any_zone_and_treats_naive_as_utc() -> None:
    assert vn_iso(datetime(2026, 2, 11, 3, 0, tzinfo=UTC)) == "2026-02-11T10:00:00+07:00"
    assert vn_iso(datetime(2026, 2, 11, 12, 0, tzinfo=timezone(timedelta(hours=9)))) == "2026-02-11T10:00:00+07:00"
    assert vn_iso(datetime(2026, 2, 11, 3, 0)) == "2026-02-11T10:00:00+07:00"  # naive: UTC, never left naive
    assert vn_iso(datetime(2026, 12, 31, 17, 30, 5, 123456, tzinfo=UTC)) == "2027-01-01T00:30:05.123456+07:00"


def test_model_json_never_carries_z_or_a_naive_time() -> None:
    t = Thing(
        at=datetime(2026, 2, 11, 3, 0, tzinfo=UTC),
        maybe=datetime(2026, 2, 11, 3, 0),
        many=[datetime(2026, 1, 1, tzinfo=UTC)],
    )
    body = t.model_dump(mode="json")
    assert body == {
        "at": "2026-02-11T10:00:00+07:00",
        "maybe": "2026-02-11T10:00:00+07:00",
        "many": ["2026-01-01T07:00:00+07:00"],
    }
    text = t.model_dump_json()
    assert "Z" not in text and json.loads(text) == body
    assert Thing(at=datetime(2026, 2, 11, 3, tzinfo=UTC)).model_dump(mode="json")["maybe"] is None
    # python mode keeps the datetime itself (only JSON is reformatted)
    assert t.model_dump()["at"] == datetime(2026, 2, 11, 3, 0, tzinfo=UTC)
    # requests still parse any ISO form
    assert Thing.model_validate({"at": "2026-02-11T03:00:00Z"}).at == datetime(2026, 2, 11, 3, tzinfo=UTC)


def test_vn_times_rewrites_aware_timestamps_in_free_form_data() -> None:
    data = {
        "issued_at": "2026-02-11T03:00:00+00:00",
        "old_due_at": "2026-02-11T03:00:00Z",
        "nested": [{"received_at": "2026-02-11T03:00:00.5+00:00", "note": "2026-02-11T03:00:00+00:00"}],
        "naive_at": "2026-02-11T03:00:00",
        "bad_at": "hôm qua",
        "day_at": None,
        "raw": datetime(2026, 2, 11, 3, tzinfo=UTC),
    }
    assert vn_times(data) == {
        "issued_at": "2026-02-11T10:00:00+07:00",
        "old_due_at": "2026-02-11T10:00:00+07:00",
        "nested": [{"received_at": "2026-02-11T10:00:00.500000+07:00", "note": "2026-02-11T03:00:00+00:00"}],
        "naive_at": "2026-02-11T03:00:00",
        "bad_at": "hôm qua",
        "day_at": None,
        "raw": "2026-02-11T10:00:00+07:00",
    }
