"""Delays of the process: working time on the Vietnamese calendar, or wall-clock time for tests.

``6h`` = 6 working hours, ``2d`` = 2 working days (office time only, via vncalendar);
``500ms``, ``2s``, ``5m`` (``min``) = plain wall-clock durations, so tests run in seconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from vncalendar import default_calendar

_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|wh|d|wd)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Delay:
    value: float
    unit: str  # one of ms, s, m, h, d (h and d are working time)

    @classmethod
    def parse(cls, text: str) -> Delay:
        match = _PATTERN.match(text or "")
        if match is None:
            raise ValueError(f"invalid duration {text!r}: expected e.g. 6h (working hours), 1d (working days), 2s")
        unit = match.group(2).lower()
        unit = {"min": "m", "wh": "h", "wd": "d"}.get(unit, unit)
        return cls(float(match.group(1)), unit)

    @property
    def working(self) -> bool:
        return self.unit in ("h", "d")

    def after(self, start: datetime) -> datetime:
        cal = default_calendar()
        if self.unit == "h":
            return cal.add_working_hours(start, self.value)
        if self.unit == "d":
            return cal.add_working_days(start, self.value)
        return start + self._wall()

    def before(self, end: datetime) -> datetime:
        cal = default_calendar()
        if self.unit == "h":
            return cal.add_working_hours(end, -self.value)
        if self.unit == "d":
            return cal.add_working_days(end, -self.value)
        return end - self._wall()

    def _wall(self) -> timedelta:
        if self.unit == "ms":
            return timedelta(milliseconds=self.value)
        if self.unit == "s":
            return timedelta(seconds=self.value)
        return timedelta(minutes=self.value)
