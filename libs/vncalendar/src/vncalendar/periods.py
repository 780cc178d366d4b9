"""Office periods (e.g. the morning 07:30-11:30) and parsing of their text form."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

__all__ = ["OfficePeriod"]

_PERIOD_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-\u2013]\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True, slots=True)
class OfficePeriod:
    """A span of office hours within one day, ``start`` inclusive, ``end`` exclusive, local wall time."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if not isinstance(self.start, time) or not isinstance(self.end, time):
            raise TypeError("OfficePeriod start and end must be datetime.time values")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("OfficePeriod times must be naive (local wall time of the calendar)")
        if self.start >= self.end:
            raise ValueError(
                f"office period must end after it starts, got {self.start:%H:%M}-{self.end:%H:%M}"
            )

    @classmethod
    def parse(cls, text: str, *, name: str = "office period") -> OfficePeriod:
        """Parse ``"HH:MM-HH:MM"`` (e.g. ``"07:30-11:30"``); ``name`` is used in error messages."""
        match = _PERIOD_RE.match(text)
        if match is None:
            raise ValueError(
                f"{name}: invalid office period {text!r}, expected HH:MM-HH:MM such as 07:30-11:30"
            )
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        try:
            start, end = time(h1, m1), time(h2, m2)
        except ValueError as exc:
            raise ValueError(f"{name}: invalid time in office period {text!r} ({exc})") from None
        try:
            return cls(start, end)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None

    @property
    def duration(self) -> timedelta:
        """Length of the period."""
        return datetime.combine(date.min, self.end) - datetime.combine(date.min, self.start)

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"
