"""The working calendar: days off, office hours and deadline arithmetic."""

from __future__ import annotations

import calendar as _stdlib_calendar
import math
import numbers
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from types import MappingProxyType
from typing import Final, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from vncalendar._official import OFFICIAL_DAYS_OFF, OFFICIAL_WORKING_DAYS
from vncalendar.periods import OfficePeriod

__all__ = [
    "DEFAULT_AFTERNOON",
    "DEFAULT_MORNING",
    "DEFAULT_TIMEZONE",
    "DURATION_UNITS",
    "DurationUnit",
    "WorkCalendar",
]

DurationUnit = Literal["working_days", "days", "hours", "months"]
DURATION_UNITS: Final[tuple[str, ...]] = get_args(DurationUnit)

DEFAULT_TIMEZONE: Final = "Asia/Ho_Chi_Minh"
DEFAULT_MORNING: Final = OfficePeriod(time(7, 30), time(11, 30))
DEFAULT_AFTERNOON: Final = OfficePeriod(time(13, 30), time(17, 0))

_ONE_DAY: Final = timedelta(days=1)
_ZERO: Final = timedelta(0)


@dataclass(frozen=True, slots=True)
class _YearData:
    holidays: Mapping[date, str]
    weekend_workdays: frozenset[date]


def _plain_dates(values: Iterable[date], name: str) -> frozenset[date]:
    result: set[date] = set()
    for value in values:
        if isinstance(value, datetime) or not isinstance(value, date):
            raise TypeError(f"{name} must contain datetime.date values, got {value!r}")
        result.add(value)
    return frozenset(result)


def _as_period(value: OfficePeriod | str, name: str) -> OfficePeriod:
    if isinstance(value, OfficePeriod):
        return value
    if isinstance(value, str):
        return OfficePeriod.parse(value, name=name)
    raise TypeError(f"{name} must be an OfficePeriod or a 'HH:MM-HH:MM' string, got {value!r}")


def _as_zone(value: str | tzinfo) -> tzinfo:
    if isinstance(value, tzinfo):
        return value
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}") from None


def _finite(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r}")
    result = float(value)
    if not math.isfinite(result):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return result


def _add_months(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + (moment.month - 1) + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    day = min(moment.day, _stdlib_calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


class WorkCalendar:
    """Working days and office hours of a Vietnamese state agency.

    A day is a working day unless it is a Saturday, a Sunday, a public holiday known to the ``holidays``
    package for Vietnam (Tết Nguyên Đán and its bridge days, observed days "(nghỉ bù)", swapped days
    "Ngày nghỉ (thay cho ngày …)"), one of the built-in official swaps of :mod:`vncalendar._official`,
    or one of ``extra_days_off``. Precedence, strongest first:

    1. ``extra_working_days`` (province make-up days; these also override a holiday),
    2. ``extra_days_off`` (province days off),
    3. built-in official swaps (when ``builtin_adjustments``),
    4. public holidays from ``holidays``,
    5. Saturdays worked in exchange for a swapped day, as listed by ``holidays`` (``weekend_workdays``;
       when ``official_make_up_days``), otherwise Saturday and Sunday are off,
    6. every other day is a working day.

    Office hours are the same on every working day: ``morning`` and ``afternoon`` (07:30-11:30 and
    13:30-17:00 by default, Đồng Nai), local wall time in ``tz`` (Asia/Ho_Chi_Minh by default).

    Every method taking a ``datetime`` requires an aware one (``ValueError`` otherwise) and accepts any
    zone; results are returned in the calendar's zone.
    """

    def __init__(
        self,
        *,
        extra_days_off: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
        morning: OfficePeriod | str = DEFAULT_MORNING,
        afternoon: OfficePeriod | str = DEFAULT_AFTERNOON,
        tz: str | tzinfo = DEFAULT_TIMEZONE,
        builtin_adjustments: bool = True,
        official_make_up_days: bool = True,
        language: str = "vi",
    ) -> None:
        self._extra_days_off = _plain_dates(extra_days_off, "extra_days_off")
        self._extra_working_days = _plain_dates(extra_working_days, "extra_working_days")
        both = self._extra_days_off & self._extra_working_days
        if both:
            listed = ", ".join(d.isoformat() for d in sorted(both))
            raise ValueError(f"dates cannot be both an extra day off and an extra working day: {listed}")
        self._morning = _as_period(morning, "morning")
        self._afternoon = _as_period(afternoon, "afternoon")
        if self._morning.end > self._afternoon.start:
            raise ValueError(
                f"morning office period {self._morning} must end before the afternoon period "
                f"{self._afternoon} starts"
            )
        self._periods: tuple[OfficePeriod, ...] = (self._morning, self._afternoon)
        self._day_length = self._morning.duration + self._afternoon.duration
        self._tz = _as_zone(tz)
        self._builtin_adjustments = builtin_adjustments
        self._official_make_up_days = official_make_up_days
        self._language = language
        self._years: dict[int, _YearData] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ construction from config

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> WorkCalendar:
        """Build a calendar from ``VNCAL_*`` variables; see :func:`vncalendar.from_env`."""
        from vncalendar.env import from_env

        return from_env(environ)

    # ------------------------------------------------------------------ properties

    @property
    def tz(self) -> tzinfo:
        """Time zone whose wall clock the office hours are expressed in."""
        return self._tz

    @property
    def morning(self) -> OfficePeriod:
        return self._morning

    @property
    def afternoon(self) -> OfficePeriod:
        return self._afternoon

    @property
    def day_length(self) -> timedelta:
        """Office time in one working day (7 h 30 min by default); one working day of duration."""
        return self._day_length

    @property
    def extra_days_off(self) -> frozenset[date]:
        return self._extra_days_off

    @property
    def extra_working_days(self) -> frozenset[date]:
        return self._extra_working_days

    def __repr__(self) -> str:
        return (
            f"WorkCalendar(tz={str(self._tz)!r}, morning='{self._morning}', afternoon='{self._afternoon}', "
            f"extra_days_off={sorted(d.isoformat() for d in self._extra_days_off)}, "
            f"extra_working_days={sorted(d.isoformat() for d in self._extra_working_days)})"
        )

    # ------------------------------------------------------------------ days

    def _year_data(self, year: int) -> _YearData:
        data = self._years.get(year)
        if data is not None:
            return data
        with self._lock:
            data = self._years.get(year)
            if data is None:
                # Neighbouring years too: a swap decided under one year may land in the next.
                years = range(max(year - 1, 1), min(year + 1, 9999) + 1)
                source = holidays.country_holidays("VN", years=years, language=self._language)
                workdays: Iterable[date] = getattr(source, "weekend_workdays", ())
                data = _YearData(
                    holidays=MappingProxyType({d: str(n) for d, n in source.items() if d.year == year}),
                    weekend_workdays=frozenset(d for d in workdays if d.year == year),
                )
                self._years[year] = data
        return data

    def _as_date(self, day: date) -> date:
        if isinstance(day, datetime):
            return self._to_local(day, "day").date()
        if not isinstance(day, date):
            raise TypeError(f"expected a datetime.date, got {day!r}")
        return day

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day (an aware datetime is taken at its local date)."""
        day = self._as_date(day)
        if day in self._extra_working_days:
            return True
        if day in self._extra_days_off:
            return False
        if self._builtin_adjustments:
            if day in OFFICIAL_WORKING_DAYS:
                return True
            if day in OFFICIAL_DAYS_OFF:
                return False
        data = self._year_data(day.year)
        if day in data.holidays:
            return False
        if day.weekday() >= 5:
            return self._official_make_up_days and day in data.weekend_workdays
        return True

    def holiday_name(self, day: date) -> str | None:
        """Name of the public holiday or official day off on ``day`` (``holidays`` naming), else None.

        Province ``extra_days_off`` have no name and return None; so do ordinary weekends.
        """
        day = self._as_date(day)
        if self._builtin_adjustments and day in OFFICIAL_DAYS_OFF:
            return OFFICIAL_DAYS_OFF[day]
        return self._year_data(day.year).holidays.get(day)

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        day = self._as_date(day) + _ONE_DAY
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    # ------------------------------------------------------------------ time helpers

    def _to_local(self, moment: datetime, name: str) -> datetime:
        """Convert an aware datetime to naive local wall time of the calendar."""
        if not isinstance(moment, datetime):
            raise TypeError(f"{name} must be a datetime, got {type(moment).__name__}")
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(
                f"{name} must be a timezone-aware datetime, got naive {moment.isoformat()} "
                f"(attach a zone, e.g. tzinfo=ZoneInfo({DEFAULT_TIMEZONE!r}))"
            )
        return moment.astimezone(self._tz).replace(tzinfo=None)

    def _from_local(self, moment: datetime) -> datetime:
        return moment.replace(tzinfo=self._tz)

    def _periods_on(self, day: date) -> list[tuple[datetime, datetime]]:
        if not self.is_working_day(day):
            return []
        return [(datetime.combine(day, p.start), datetime.combine(day, p.end)) for p in self._periods]

    def working_periods(self, day: date) -> list[tuple[datetime, datetime]]:
        """Office periods of ``day`` as aware ``(start, end)`` pairs; empty on a day off."""
        return [(self._from_local(s), self._from_local(e)) for s, e in self._periods_on(self._as_date(day))]

    def is_working_time(self, moment: datetime) -> bool:
        """Whether ``moment`` falls inside office hours (start inclusive, end exclusive) of a working day."""
        local = self._to_local(moment, "moment")
        return any(start <= local < end for start, end in self._periods_on(local.date()))

    def next_working_moment(self, moment: datetime) -> datetime:
        """``moment`` itself during office hours, else the start of the next office period.

        This is the instant from which a dossier received outside office hours is counted.
        """
        local = self._to_local(moment, "moment")
        day = local.date()
        while True:
            for start, end in self._periods_on(day):
                if local < end:
                    return self._from_local(max(local, start))
            day += _ONE_DAY
            local = datetime.combine(day, time.min)

    # ------------------------------------------------------------------ arithmetic

    def _forward(self, current: datetime, remaining: timedelta) -> datetime:
        day = current.date()
        while True:
            for start, end in self._periods_on(day):
                if current >= end:
                    continue
                begin = max(current, start)
                available = end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
            day += _ONE_DAY
            current = datetime.combine(day, time.min)

    def _backward(self, current: datetime, remaining: timedelta) -> datetime:
        day = current.date()
        while True:
            for start, end in reversed(self._periods_on(day)):
                if current <= start:
                    continue
                finish = min(current, end)
                available = finish - start
                if remaining <= available:
                    return finish - remaining
                remaining -= available
            current = datetime.combine(day, time.min)
            day -= _ONE_DAY

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """The first instant at which ``amount`` of office time has passed since ``start``.

        Only time inside office hours of working days counts. Consequences:

        * ``start`` outside office hours (evening, lunch break, day off) counts from the start of the
          next office period;
        * a result falling exactly on the end of an office period is that end (11:30 or 17:00), not the
          start of the following period;
        * ``amount == 0`` returns ``start`` unchanged (converted to the calendar's zone);
        * a negative ``amount`` counts backwards: the last instant before ``start`` with that much
          office time up to ``start`` (a result on a period boundary is the period's start).

        Loops over days, never over minutes.
        """
        local = self._to_local(start, "start")
        if not isinstance(amount, timedelta):
            raise TypeError(f"amount must be a timedelta, got {amount!r}")
        if amount > _ZERO:
            return self._from_local(self._forward(local, amount))
        if amount < _ZERO:
            return self._from_local(self._backward(local, -amount))
        return self._from_local(local)

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """``start`` plus ``hours`` of office time (e.g. 8 working hours to accept an online dossier).

        Same rules as :meth:`add_working_time`: 10:30 + 2 h is 14:30 across the 11:30-13:30 lunch
        break; Friday 16:00 + 8 h is Monday 16:30.
        """
        return self.add_working_time(start, timedelta(hours=_finite(hours, "hours")))

    def add_working_days(self, start: datetime, n: float) -> datetime:
        """The appointment ``n`` working days after ``start`` (``n`` may be fractional, e.g. 0.5).

        One working day is :attr:`day_length` of office time (7 h 30 min by default), so this is
        ``add_working_time(start, n * day_length)``. With the same office hours every working day this
        gives the following conventions:

        * received **during office hours** of a working day: the appointment is at the same time of day
          ``n`` working days later (Thu 09:00 + 5 days before Tết 2026 → Thu 26/02/2026 09:00);
        * received **outside office hours or on a day off**: counting starts at the next office period,
          and the appointment is the end of the office period that completes the count, e.g. Monday
          18:00 or Sunday + 1 working day → 17:00 on the next working day; received in the lunch break +
          1 working day → 11:30 on the next working day. That is the "same time of day" rule with the
          resulting time moved back to the end of that day's (or that morning's) office hours, which
          is the same instant in office time as the start of the next period.
        * received exactly at the start of a period counts like outside hours (the same instant in office
          time): 07:30 + 1 day → 17:00 the same day, 13:30 + 1 day → 11:30 the next working day;
        * fractional days convert to office time: 0.5 day = 3 h 45 min, Monday 09:00 + 0.5 → 14:45;
        * ``n == 0`` returns ``start``; negative ``n`` counts backwards (see :meth:`add_working_time`).

        Always ``working_time_between(start, result) == n * day_length``.
        """
        return self.add_working_time(start, self._day_length * _finite(n, "n"))

    def _between(self, a: datetime, b: datetime) -> timedelta:
        total = _ZERO
        day = a.date()
        last = b.date()
        while day <= last:
            for start, end in self._periods_on(day):
                begin, finish = max(start, a), min(end, b)
                if finish > begin:
                    total += finish - begin
            day += _ONE_DAY
        return total

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Office time from ``a`` to ``b``; negative when ``b`` is before ``a`` (antisymmetric).

        Used to exclude the time waiting on the applicant and to measure lateness against an appointment.
        """
        local_a = self._to_local(a, "a")
        local_b = self._to_local(b, "b")
        if local_b < local_a:
            return -self._between(local_b, local_a)
        return self._between(local_a, local_b)

    def working_days_between(self, a: datetime, b: datetime) -> float:
        """:meth:`working_time_between` in working days (fractions of :attr:`day_length`)."""
        return self.working_time_between(a, b) / self._day_length

    def add_duration(
        self,
        start: datetime,
        value: float,
        unit: DurationUnit | str,
        *,
        roll_to_working_day: bool = False,
    ) -> datetime:
        """``start`` plus a procedure duration expressed in ``unit``.

        * ``"working_days"``: :meth:`add_working_days`;
        * ``"hours"``: working hours, :meth:`add_working_hours`;
        * ``"days"``: calendar days, same local time of day (fractions allowed: 0.5 = 12 hours);
        * ``"months"``: calendar months, same day of month and time, clamped to the month's last day
          (31/01 + 1 month = 28/02 or 29/02); ``value`` must be a whole number.

        ``roll_to_working_day`` (calendar units only): when the result falls on a day off, move it to the
        end of office hours of the next working day (Civil Code 2015 art. 148 rule for periods counted
        in days or months whose last day is a day off).
        """
        amount = _finite(value, "value")
        if unit == "working_days":
            return self.add_working_days(start, amount)
        if unit == "hours":
            return self.add_working_hours(start, amount)
        local = self._to_local(start, "start")
        if unit == "days":
            result = local + timedelta(days=amount)
        elif unit == "months":
            if not amount.is_integer():
                raise ValueError(f"a duration in months must be a whole number, got {value!r}")
            result = _add_months(local, int(amount))
        else:
            raise ValueError(f"unknown duration unit {unit!r}; expected one of {', '.join(DURATION_UNITS)}")
        if roll_to_working_day and not self.is_working_day(result.date()):
            result = datetime.combine(self.next_working_day(result.date()), self._periods[-1].end)
        return self._from_local(result)
