"""Building a :class:`WorkCalendar` from environment variables, and the cached default calendar.

==========================  ===========================  =========================================
Variable                    Example                      Meaning
==========================  ===========================  =========================================
``VNCAL_EXTRA_DAYS_OFF``    ``2026-01-02,2026-04-29``    province days off (comma-separated)
``VNCAL_EXTRA_WORKING_DAYS`` ``2026-01-10``              make-up working days (comma-separated)
``VNCAL_MORNING``           ``07:30-11:30``              morning office period (default shown)
``VNCAL_AFTERNOON``         ``13:30-17:00``              afternoon office period (default shown)
``VNCAL_TIMEZONE``          ``Asia/Ho_Chi_Minh``         zone of the office hours (default shown)
==========================  ===========================  =========================================

Unset or blank variables take the default. Invalid values raise ``ValueError`` naming the variable.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from datetime import date
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from vncalendar.periods import OfficePeriod
from vncalendar.workcalendar import DEFAULT_AFTERNOON, DEFAULT_MORNING, DEFAULT_TIMEZONE, WorkCalendar

__all__ = [
    "ENV_AFTERNOON",
    "ENV_EXTRA_DAYS_OFF",
    "ENV_EXTRA_WORKING_DAYS",
    "ENV_MORNING",
    "ENV_TIMEZONE",
    "default_calendar",
    "from_env",
    "parse_date_list",
]

ENV_EXTRA_DAYS_OFF: Final = "VNCAL_EXTRA_DAYS_OFF"
ENV_EXTRA_WORKING_DAYS: Final = "VNCAL_EXTRA_WORKING_DAYS"
ENV_MORNING: Final = "VNCAL_MORNING"
ENV_AFTERNOON: Final = "VNCAL_AFTERNOON"
ENV_TIMEZONE: Final = "VNCAL_TIMEZONE"

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date_list(text: str, *, name: str = "dates") -> frozenset[date]:
    """Parse ``"2026-01-02,2026-04-30"`` (ISO dates, comma-separated, blanks ignored)."""
    result: set[date] = set()
    for raw in text.split(","):
        item = raw.strip()
        if not item:
            continue
        if not _ISO_DATE.match(item):
            raise ValueError(f"{name}: invalid date {item!r}, expected YYYY-MM-DD dates separated by commas")
        try:
            result.add(date.fromisoformat(item))
        except ValueError as exc:
            raise ValueError(f"{name}: invalid date {item!r} ({exc})") from None
    return frozenset(result)


def from_env(environ: Mapping[str, str] | None = None) -> WorkCalendar:
    """Build a :class:`WorkCalendar` from ``VNCAL_*`` variables of ``environ`` (``os.environ`` by default)."""
    env = os.environ if environ is None else environ

    def get(name: str) -> str:
        return env.get(name, "").strip()

    days_off = parse_date_list(get(ENV_EXTRA_DAYS_OFF), name=ENV_EXTRA_DAYS_OFF)
    working_days = parse_date_list(get(ENV_EXTRA_WORKING_DAYS), name=ENV_EXTRA_WORKING_DAYS)
    both = days_off & working_days
    if both:
        listed = ", ".join(d.isoformat() for d in sorted(both))
        raise ValueError(f"{ENV_EXTRA_DAYS_OFF} and {ENV_EXTRA_WORKING_DAYS} both contain {listed}")

    morning_text, afternoon_text = get(ENV_MORNING), get(ENV_AFTERNOON)
    morning = OfficePeriod.parse(morning_text, name=ENV_MORNING) if morning_text else DEFAULT_MORNING
    afternoon = (
        OfficePeriod.parse(afternoon_text, name=ENV_AFTERNOON) if afternoon_text else DEFAULT_AFTERNOON
    )
    if morning.end > afternoon.start:
        raise ValueError(f"{ENV_MORNING}={morning} must end before {ENV_AFTERNOON}={afternoon} starts")

    zone_name = get(ENV_TIMEZONE) or DEFAULT_TIMEZONE
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{ENV_TIMEZONE}: unknown time zone {zone_name!r}") from None

    return WorkCalendar(
        extra_days_off=days_off,
        extra_working_days=working_days,
        morning=morning,
        afternoon=afternoon,
        tz=zone,
    )


@functools.cache
def default_calendar() -> WorkCalendar:
    """The process-wide calendar built by :func:`from_env` on first use, then cached.

    The environment is read once; call ``default_calendar.cache_clear()`` to re-read it (tests).
    """
    return from_env()
