"""Tests of vncalendar. Expected appointments are computed by hand in the comments."""

from __future__ import annotations

import random
import time as _time
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from vncalendar import (
    DEFAULT_AFTERNOON,
    DEFAULT_MORNING,
    OfficePeriod,
    WorkCalendar,
    default_calendar,
    from_env,
    parse_date_list,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = WorkCalendar()


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN)


def off_days(cal: WorkCalendar, first: date, last: date) -> list[date]:
    days = []
    day = first
    while day <= last:
        if not cal.is_working_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


# --------------------------------------------------------------------------- holiday data


def test_tet_2026_days_off_from_holidays_package() -> None:
    # Tết Bính Ngọ = Tue 17/02/2026. Official: off Sat 14/02 to Sun 22/02 (9 days); holidays gives
    # Mon 16 (Giao thừa) .. Fri 20 (Mùng bốn), the weekends do the rest.
    assert off_days(CAL, date(2026, 2, 9), date(2026, 2, 27)) == [
        date(2026, 2, 14),
        date(2026, 2, 15),
        date(2026, 2, 16),
        date(2026, 2, 17),
        date(2026, 2, 18),
        date(2026, 2, 19),
        date(2026, 2, 20),
        date(2026, 2, 21),
        date(2026, 2, 22),
    ]
    assert CAL.holiday_name(date(2026, 2, 16)) == "Giao thừa Tết Nguyên Đán"
    assert CAL.holiday_name(date(2026, 2, 17)) == "Tết Nguyên Đán"
    assert CAL.holiday_name(date(2026, 2, 20)) == "Mùng bốn Tết Nguyên Đán"
    assert CAL.holiday_name(date(2026, 2, 23)) is None


def test_tet_2025_and_2027_days_off() -> None:
    # Tết 2025 = Wed 29/01: off Mon 27 .. Fri 31 (Sat 01/02 Mùng bốn is a weekend anyway).
    assert off_days(CAL, date(2025, 1, 24), date(2025, 2, 3)) == [
        date(2025, 1, 25),
        date(2025, 1, 26),
        date(2025, 1, 27),
        date(2025, 1, 28),
        date(2025, 1, 29),
        date(2025, 1, 30),
        date(2025, 1, 31),
        date(2025, 2, 1),
        date(2025, 2, 2),
    ]
    # Tết 2027 = Sat 06/02 (rule-based, not yet decided): holidays gives Thu 04 .. Wed 10.
    weekdays_off = [d for d in off_days(CAL, date(2027, 2, 1), date(2027, 2, 12)) if d.weekday() < 5]
    assert weekdays_off == [
        date(2027, 2, 4),
        date(2027, 2, 5),
        date(2027, 2, 8),
        date(2027, 2, 9),
        date(2027, 2, 10),
    ]


def test_observed_day_is_named_nghi_bu() -> None:
    # Giỗ Tổ Hùng Vương 2026 is Sunday 26/04 -> observed Monday 27/04.
    name = CAL.holiday_name(date(2026, 4, 27))
    assert name is not None and "nghỉ bù" in name
    assert not CAL.is_working_day(date(2026, 4, 27))
    assert CAL.is_working_day(date(2026, 4, 28))


def test_english_names_available() -> None:
    cal = WorkCalendar(language="en_US")
    assert cal.holiday_name(date(2026, 2, 17)) == "Lunar New Year"
    assert cal.holiday_name(date(2026, 4, 27)) == "Hung Kings' Commemoration Day (observed)"


def test_weekends_are_off() -> None:
    assert CAL.is_working_day(date(2026, 3, 6))  # Friday
    assert not CAL.is_working_day(date(2026, 3, 7))  # Saturday
    assert not CAL.is_working_day(date(2026, 3, 8))  # Sunday
    assert CAL.is_working_day(date(2026, 3, 9))  # Monday
    assert CAL.next_working_day(date(2026, 3, 6)) == date(2026, 3, 9)


def test_is_working_day_with_aware_datetime_uses_local_date() -> None:
    # 2026-03-06 18:00 UTC is Saturday 01:00 in Vietnam.
    assert not CAL.is_working_day(datetime(2026, 3, 6, 18, 0, tzinfo=UTC))


# --------------------------------------------------------------------------- add_working_days


def test_across_a_weekend() -> None:
    # Friday 10:00 + 1 working day -> Monday 10:00; + 3 -> Wednesday 10:00.
    assert CAL.add_working_days(at(2025, 3, 14, 10), 1) == at(2025, 3, 17, 10)
    assert CAL.add_working_days(at(2025, 3, 14, 10), 3) == at(2025, 3, 19, 10)
    assert CAL.add_working_days(at(2025, 3, 10, 10), 5) == at(2025, 3, 17, 10)  # Mon -> next Mon


def test_across_lunar_tet_2026() -> None:
    # Accepted Thu 12/02/2026 09:00, 5 working days: Fri 13 (1), [14..22 off], Mon 23 (2), Tue 24 (3),
    # Wed 25 (4), Thu 26 (5).
    assert CAL.add_working_days(at(2026, 2, 12, 9), 5) == at(2026, 2, 26, 9)
    # Accepted Fri 13/02/2026 15:00, 5 working days: Mon 23 .. Fri 27.
    assert CAL.add_working_days(at(2026, 2, 13, 15), 5) == at(2026, 2, 27, 15)
    # Received online during Tết (Wed 18/02 10:00): counted from Mon 23 07:30, 1 day -> Mon 23 17:00.
    assert CAL.add_working_days(at(2026, 2, 18, 10), 1) == at(2026, 2, 23, 17)
    # 10 working days from Tue 10/02 14:00: Wed 11, Thu 12, Fri 13, Mon 23 .. Fri 27, Mon 2/3, Tue 3/3.
    assert CAL.add_working_days(at(2026, 2, 10, 14), 10) == at(2026, 3, 3, 14)


def test_reunification_and_labour_day_2026() -> None:
    # Thu 30/04 and Fri 01/05/2026 are off. Wed 29/04 14:00 + 2 -> Mon 04/05 (1), Tue 05/05 (2).
    assert not CAL.is_working_day(date(2026, 4, 30))
    assert not CAL.is_working_day(date(2026, 5, 1))
    assert CAL.add_working_days(at(2026, 4, 29, 14), 2) == at(2026, 5, 5, 14)


def test_reunification_2025_with_official_make_up_saturday() -> None:
    # 2025: Wed 30/04, Thu 01/05 off, Fri 02/05 off swapped with Saturday 26/04 (worked).
    assert CAL.is_working_day(date(2025, 4, 26))
    assert not CAL.is_working_day(date(2025, 5, 2))
    start = at(2025, 4, 25, 10)  # Friday
    assert CAL.add_working_days(start, 1) == at(2025, 4, 26, 10)  # the make-up Saturday
    assert CAL.add_working_days(start, 2) == at(2025, 4, 28, 10)
    assert CAL.add_working_days(start, 3) == at(2025, 4, 29, 10)
    assert CAL.add_working_days(start, 4) == at(2025, 5, 5, 10)
    # Without the make-up days from holidays, Saturday 26/04 is an ordinary weekend day.
    plain = WorkCalendar(official_make_up_days=False)
    assert not plain.is_working_day(date(2025, 4, 26))
    assert plain.add_working_days(start, 1) == at(2025, 4, 28, 10)


def test_national_day_and_adjacent_day() -> None:
    # 2025: Mon 01/09 + Tue 02/09 off. Fri 29/08 10:00 + 1 -> Wed 03/09 10:00.
    assert off_days(CAL, date(2025, 8, 29), date(2025, 9, 3)) == [
        date(2025, 8, 30),
        date(2025, 8, 31),
        date(2025, 9, 1),
        date(2025, 9, 2),
    ]
    assert CAL.add_working_days(at(2025, 8, 29, 10), 1) == at(2025, 9, 3, 10)
    # 2026: Tue 01/09 + Wed 02/09, and Mon 31/08 swapped with Saturday 22/08 (worked).
    assert CAL.is_working_day(date(2026, 8, 22))
    assert CAL.add_working_days(at(2026, 8, 28, 9), 1) == at(2026, 9, 3, 9)
    # 2027: Thu 02/09 + Fri 03/09. Wed 01/09 10:00 + 1 -> Mon 06/09 10:00.
    assert CAL.add_working_days(at(2027, 9, 1, 10), 1) == at(2027, 9, 6, 10)


def test_new_year_2026_builtin_swap() -> None:
    # CV 12729/VPCP-KGVX: Fri 02/01/2026 off, Sat 10/01/2026 worked (not in holidays 0.108).
    assert not CAL.is_working_day(date(2026, 1, 2))
    assert CAL.is_working_day(date(2026, 1, 10))
    assert CAL.holiday_name(date(2026, 1, 2)) is not None
    # Wed 31/12/2025 10:00 + 1 -> Mon 05/01/2026 10:00 (Thu 1, Fri 2 off).
    assert CAL.add_working_days(at(2025, 12, 31, 10), 1) == at(2026, 1, 5, 10)
    # Fri 09/01 10:00 + 1 -> Sat 10/01 10:00.
    assert CAL.add_working_days(at(2026, 1, 9, 10), 1) == at(2026, 1, 10, 10)
    raw = WorkCalendar(builtin_adjustments=False)
    assert raw.is_working_day(date(2026, 1, 2))
    assert not raw.is_working_day(date(2026, 1, 10))


def test_extra_day_off_and_make_up_working_day() -> None:
    # Province: Fri 06/03/2026 off, Sat 07/03/2026 worked instead.
    cal = WorkCalendar(extra_days_off={date(2026, 3, 6)}, extra_working_days={date(2026, 3, 7)})
    assert not cal.is_working_day(date(2026, 3, 6))
    assert cal.is_working_day(date(2026, 3, 7))
    assert cal.holiday_name(date(2026, 3, 6)) is None
    assert cal.add_working_days(at(2026, 3, 5, 10), 1) == at(2026, 3, 7, 10)
    assert cal.add_working_days(at(2026, 3, 5, 10), 2) == at(2026, 3, 9, 10)
    # The default calendar disagrees, so the configuration really is used.
    assert CAL.add_working_days(at(2026, 3, 5, 10), 1) == at(2026, 3, 6, 10)


def test_extra_working_day_overrides_a_holiday() -> None:
    cal = WorkCalendar(extra_working_days={date(2026, 11, 24)})
    assert not CAL.is_working_day(date(2026, 11, 24))  # Ngày Văn hóa Việt Nam in holidays 0.108
    assert cal.is_working_day(date(2026, 11, 24))


def test_conflicting_extra_days_rejected() -> None:
    with pytest.raises(ValueError, match="2026-03-06"):
        WorkCalendar(extra_days_off={date(2026, 3, 6)}, extra_working_days={date(2026, 3, 6)})
    with pytest.raises(TypeError):
        WorkCalendar(extra_days_off={datetime(2026, 3, 6, tzinfo=VN)})


def test_received_outside_office_hours() -> None:
    # Monday 18:00 -> counted from Tuesday 07:30; 1 working day = all of Tuesday -> Tue 17:00.
    assert CAL.add_working_days(at(2026, 3, 9, 18), 1) == at(2026, 3, 10, 17)
    # Sunday 10:00 -> counted from Monday 07:30: + 1 -> Mon 17:00, + 2 -> Tue 17:00.
    assert CAL.add_working_days(at(2026, 3, 8, 10), 1) == at(2026, 3, 9, 17)
    assert CAL.add_working_days(at(2026, 3, 8, 10), 2) == at(2026, 3, 10, 17)
    # Saturday evening and Sunday morning give the same appointment.
    assert CAL.add_working_days(at(2026, 3, 7, 21), 3) == CAL.add_working_days(at(2026, 3, 8, 6), 3)
    # Before opening (Mon 06:00) and exactly at opening: the whole Monday counts -> Mon 17:00.
    assert CAL.add_working_days(at(2026, 3, 9, 6), 1) == at(2026, 3, 9, 17)
    assert CAL.add_working_days(at(2026, 3, 9, 7, 30), 1) == at(2026, 3, 9, 17)
    # Exactly at the start of the afternoon: same instant in office time as 11:30 -> Tue 11:30.
    assert CAL.add_working_days(at(2026, 3, 9, 13, 30), 1) == at(2026, 3, 10, 11, 30)
    # Lunch break (Mon 12:00) -> counted from 13:30; 1 day -> Tue 11:30 (end of that morning).
    assert CAL.add_working_days(at(2026, 3, 9, 12), 1) == at(2026, 3, 10, 11, 30)
    # Exactly at closing (17:00) is outside office hours: + 0.5 -> Tue 07:30 + 3h45 = 11:15.
    assert CAL.add_working_days(at(2026, 3, 9, 17), 0.5) == at(2026, 3, 10, 11, 15)


def test_next_working_moment() -> None:
    assert CAL.next_working_moment(at(2026, 3, 9, 9)) == at(2026, 3, 9, 9)
    assert CAL.next_working_moment(at(2026, 3, 9, 12)) == at(2026, 3, 9, 13, 30)
    assert CAL.next_working_moment(at(2026, 3, 9, 17)) == at(2026, 3, 10, 7, 30)
    assert CAL.next_working_moment(at(2026, 2, 13, 17, 5)) == at(2026, 2, 23, 7, 30)  # into Tết
    assert CAL.is_working_time(at(2026, 3, 9, 7, 30))
    assert not CAL.is_working_time(at(2026, 3, 9, 11, 30))
    assert not CAL.is_working_time(at(2026, 3, 8, 9))


def test_same_time_of_day_during_office_hours() -> None:
    for hh, mm in [(7, 31), (9, 0), (11, 29), (13, 31), (16, 59)]:
        start = at(2026, 3, 11, hh, mm)  # Wednesday
        # 7 working days: Thu 12, Fri 13, Mon 16 .. Fri 20 -> Fri 20/03.
        assert CAL.add_working_days(start, 7) == at(2026, 3, 20, hh, mm)


def test_half_day() -> None:
    # 0.5 day = 3h45 of office time.
    assert CAL.add_working_days(at(2026, 3, 9, 7, 30), 0.5) == at(2026, 3, 9, 11, 15)
    # Mon 09:00: 2h30 to 11:30, then 1h15 from 13:30 -> 14:45.
    assert CAL.add_working_days(at(2026, 3, 9, 9), 0.5) == at(2026, 3, 9, 14, 45)
    # Mon 15:00 + 1.5: Tue 15:00, then 2h to 17:00 and 1h45 from Wed 07:30 -> Wed 09:15.
    assert CAL.add_working_days(at(2026, 3, 9, 15), 1.5) == at(2026, 3, 11, 9, 15)
    assert CAL.add_duration(at(2026, 3, 9, 9), 0.5, "working_days") == at(2026, 3, 9, 14, 45)


def test_zero_and_negative_working_days() -> None:
    sunday = at(2026, 3, 8, 10)
    assert CAL.add_working_days(sunday, 0) == sunday
    # Backwards: Wed 10:00 - 2 days -> Mon 10:00; Mon 10:00 - 1 -> previous Fri 10:00.
    assert CAL.add_working_days(at(2026, 3, 11, 10), -2) == at(2026, 3, 9, 10)
    assert CAL.add_working_days(at(2026, 3, 9, 10), -1) == at(2026, 3, 6, 10)
    # Reminder one working day before an appointment of Mon 23/02/2026 09:00 (after Tết) -> Fri 13/02.
    assert CAL.add_working_days(at(2026, 2, 23, 9), -1) == at(2026, 2, 13, 9)


def test_result_is_in_calendar_zone_and_accepts_other_zones() -> None:
    start = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)  # Mon 09:00 in Vietnam
    result = CAL.add_working_days(start, 1)
    assert result == at(2026, 3, 10, 9)
    assert result.tzinfo == VN
    assert result.utcoffset() == timedelta(hours=7)


def test_many_working_days_is_fast_and_consistent() -> None:
    start = at(2025, 6, 4, 10, 15)
    began = _time.perf_counter()
    result = CAL.add_working_days(start, 400)
    elapsed = _time.perf_counter() - began
    assert elapsed < 0.5
    assert result.time() == time(10, 15)
    assert CAL.is_working_day(result.date())
    assert CAL.working_days_between(start, result) == 400
    assert result > start + timedelta(days=400 * 7 // 5)


# --------------------------------------------------------------------------- add_working_hours


def test_working_hours_across_lunch() -> None:
    # Mon 10:30 + 2h: 1h to 11:30, 1h from 13:30 -> 14:30.
    assert CAL.add_working_hours(at(2026, 3, 9, 10, 30), 2) == at(2026, 3, 9, 14, 30)
    # Landing exactly at the end of the morning gives 11:30, not 13:30.
    assert CAL.add_working_hours(at(2026, 3, 9, 10, 30), 1) == at(2026, 3, 9, 11, 30)
    # Received during lunch: 12:15 + 0.5h -> 14:00.
    assert CAL.add_working_hours(at(2026, 3, 9, 12, 15), 0.5) == at(2026, 3, 9, 14)


def test_working_hours_across_the_night_and_weekend() -> None:
    # Six-hour transfer: Mon 16:00 + 6h -> 1h Mon, 4h Tue morning, 1h -> Tue 14:30.
    assert CAL.add_working_hours(at(2026, 3, 9, 16), 6) == at(2026, 3, 10, 14, 30)
    # Eight working hours to accept an online dossier received Fri 16:00 -> Mon 16:30.
    assert CAL.add_working_hours(at(2026, 3, 6, 16), 8) == at(2026, 3, 9, 16, 30)
    # Received Sat 20:00 -> counted from Mon 07:30: Monday holds 4h + 3h30 = 7h30, the last 30 min
    # fall on Tuesday -> Tue 08:00.
    assert CAL.add_working_hours(at(2026, 3, 7, 20), 8) == at(2026, 3, 10, 8)
    assert CAL.add_duration(at(2026, 3, 6, 16), 8, "hours") == at(2026, 3, 9, 16, 30)


def test_working_hours_negative() -> None:
    # Tue 14:30 - 6h -> Mon 16:00 (inverse of the forward case).
    assert CAL.add_working_hours(at(2026, 3, 10, 14, 30), -6) == at(2026, 3, 9, 16)
    # Landing on a boundary going backwards gives the period start: Mon 14:30 - 1h -> 13:30.
    assert CAL.add_working_hours(at(2026, 3, 9, 14, 30), -1) == at(2026, 3, 9, 13, 30)
    # From a Sunday: counted back from Fri 17:00.
    assert CAL.add_working_hours(at(2026, 3, 8, 10), -1) == at(2026, 3, 6, 16)


# --------------------------------------------------------------------------- between


def test_working_time_between_basic() -> None:
    assert CAL.working_time_between(at(2026, 3, 9, 7, 30), at(2026, 3, 9, 17)) == timedelta(hours=7.5)
    assert CAL.working_time_between(at(2026, 3, 9, 0), at(2026, 3, 10, 0)) == timedelta(hours=7.5)
    # Fri 16:00 -> Mon 09:00: 1h + 1h30.
    assert CAL.working_time_between(at(2026, 3, 6, 16), at(2026, 3, 9, 9)) == timedelta(hours=2.5)
    # Across lunch: 11:00 -> 14:00 = 30 + 30 minutes.
    assert CAL.working_time_between(at(2026, 3, 9, 11), at(2026, 3, 9, 14)) == timedelta(hours=1)
    # Across Tết: Fri 13/02 16:00 -> Mon 23/02 08:30 = 1h + 1h.
    assert CAL.working_time_between(at(2026, 2, 13, 16), at(2026, 2, 23, 8, 30)) == timedelta(hours=2)


def test_working_time_between_symmetric_and_zero() -> None:
    pairs = [
        (at(2026, 3, 6, 16), at(2026, 3, 9, 9)),
        (at(2026, 2, 12, 9), at(2026, 2, 26, 9)),
        (at(2026, 3, 9, 11), at(2026, 3, 9, 14)),
    ]
    for a, b in pairs:
        forward = CAL.working_time_between(a, b)
        assert forward > timedelta(0)
        assert CAL.working_time_between(b, a) == -forward
        assert CAL.working_days_between(b, a) == -CAL.working_days_between(a, b)
    moment = at(2026, 3, 9, 10)
    assert CAL.working_time_between(moment, moment) == timedelta(0)
    # Entirely in a weekend, a lunch break, a night, or Tết: zero.
    assert CAL.working_time_between(at(2026, 3, 7, 8), at(2026, 3, 8, 18)) == timedelta(0)
    assert CAL.working_time_between(at(2026, 3, 9, 11, 30), at(2026, 3, 9, 13, 30)) == timedelta(0)
    assert CAL.working_time_between(at(2026, 3, 9, 17), at(2026, 3, 10, 7, 30)) == timedelta(0)
    assert CAL.working_time_between(at(2026, 2, 14, 0), at(2026, 2, 23, 0)) == timedelta(0)


def test_working_days_between() -> None:
    assert CAL.working_days_between(at(2026, 3, 9, 9), at(2026, 3, 11, 9)) == 2.0
    assert CAL.working_days_between(at(2026, 3, 9, 7, 30), at(2026, 3, 9, 11, 15)) == 0.5
    # Waiting on the applicant excluded: a 5-day procedure paused Tue 10:00 -> Thu 10:00.
    received = at(2026, 3, 9, 10)
    paused, resumed, finished = at(2026, 3, 10, 10), at(2026, 3, 12, 10), at(2026, 3, 18, 10)
    counted = CAL.working_days_between(received, paused) + CAL.working_days_between(resumed, finished)
    assert counted == 5.0


def test_round_trip_property() -> None:
    rng = random.Random(20260217)
    for _ in range(300):
        start = at(2025, 12, 1) + timedelta(minutes=rng.randrange(0, 120 * 24 * 60))
        n = rng.choice([0.5, 1, 2, 3, 5, 7, 10, 15, 1.25])
        result = CAL.add_working_days(start, n)
        assert CAL.working_time_between(start, result) == CAL.day_length * n
        # Counting back lands on the instant counting started from.
        assert CAL.add_working_days(result, -n) == CAL.next_working_moment(start)
        period_starts = (CAL.morning.start, CAL.afternoon.start)
        if CAL.is_working_time(start) and start.time() not in period_starts and float(n).is_integer():
            assert result.time() == start.time()


def _oracle_add_minutes(cal: WorkCalendar, start: datetime, minutes: int) -> datetime:
    """Minute-by-minute reference: end of the `minutes`-th working minute after a minute-aligned start."""
    current, counted = start, 0
    while counted < minutes:
        if cal.is_working_time(current):
            counted += 1
        current += timedelta(minutes=1)
    return current  # the end of the last counted minute


def test_against_minute_by_minute_oracle() -> None:
    rng = random.Random(45)
    cal = WorkCalendar(extra_days_off={date(2026, 3, 13)}, extra_working_days={date(2026, 3, 14)})
    for _ in range(60):
        start = at(2026, 2, 10) + timedelta(minutes=rng.randrange(0, 40 * 24 * 60))
        minutes = rng.randrange(1, 4 * 450)
        expected = _oracle_add_minutes(cal, start, minutes)
        assert cal.add_working_time(start, timedelta(minutes=minutes)) == expected
        assert cal.working_time_between(start, expected) == timedelta(minutes=minutes)


# --------------------------------------------------------------------------- add_duration


def test_add_duration_calendar_units() -> None:
    start = at(2026, 1, 31, 9, 15)
    assert CAL.add_duration(start, 10, "days") == at(2026, 2, 10, 9, 15)
    assert CAL.add_duration(start, 0.5, "days") == at(2026, 1, 31, 21, 15)
    assert CAL.add_duration(start, 1, "months") == at(2026, 2, 28, 9, 15)  # clamped
    assert CAL.add_duration(at(2024, 1, 31, 9), 1, "months") == at(2024, 2, 29, 9)  # leap year
    assert CAL.add_duration(start, 3, "months") == at(2026, 4, 30, 9, 15)
    assert CAL.add_duration(start, 12, "months") == at(2027, 1, 31, 9, 15)
    assert CAL.add_duration(at(2026, 11, 15, 8), 2, "months") == at(2027, 1, 15, 8)
    assert CAL.add_duration(start, 5, "working_days") == CAL.add_working_days(start, 5)


def test_add_duration_roll_to_working_day() -> None:
    # 10 calendar days from Wed 04/02/2026 = Sat 14/02 (start of Tết) -> next working day Mon 23/02 17:00.
    start = at(2026, 2, 4, 9)
    assert CAL.add_duration(start, 10, "days") == at(2026, 2, 14, 9)
    assert CAL.add_duration(start, 10, "days", roll_to_working_day=True) == at(2026, 2, 23, 17)
    # A working day is left alone.
    assert CAL.add_duration(start, 9, "days", roll_to_working_day=True) == at(2026, 2, 13, 9)


def test_add_duration_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="unknown duration unit 'weeks'"):
        CAL.add_duration(at(2026, 3, 9, 9), 1, "weeks")
    with pytest.raises(ValueError, match="whole number"):
        CAL.add_duration(at(2026, 3, 9, 9), 1.5, "months")
    with pytest.raises(ValueError, match="finite"):
        CAL.add_working_days(at(2026, 3, 9, 9), float("nan"))
    with pytest.raises(TypeError):
        CAL.add_working_days(at(2026, 3, 9, 9), "5")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- naive datetimes


def test_naive_datetime_rejected() -> None:
    naive = datetime(2026, 3, 9, 9, 0)
    aware = at(2026, 3, 9, 9)
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.add_working_days(naive, 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.add_working_hours(naive, 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.working_time_between(naive, aware)
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.working_days_between(aware, naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.add_duration(naive, 1, "days")
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.is_working_time(naive)
    with pytest.raises(TypeError):
        CAL.add_working_days(date(2026, 3, 9), 1)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- configuration


def test_custom_office_hours() -> None:
    cal = WorkCalendar(morning="08:00-12:00", afternoon=OfficePeriod(time(13, 0), time(17, 0)))
    assert cal.day_length == timedelta(hours=8)
    assert cal.add_working_days(at(2026, 3, 9, 8), 0.5) == at(2026, 3, 9, 12)
    assert cal.add_working_hours(at(2026, 3, 9, 11), 2) == at(2026, 3, 9, 14)
    with pytest.raises(ValueError, match="must end before"):
        WorkCalendar(morning="07:30-14:00")


def test_office_period_parse() -> None:
    assert OfficePeriod.parse("7:30 - 11:30") == DEFAULT_MORNING
    assert str(DEFAULT_AFTERNOON) == "13:30-17:00"
    assert DEFAULT_MORNING.duration == timedelta(hours=4)
    with pytest.raises(ValueError, match="must end after"):
        OfficePeriod.parse("11:30-07:30")
    with pytest.raises(ValueError, match="HH:MM-HH:MM"):
        OfficePeriod.parse("morning")
    with pytest.raises(ValueError, match="invalid time"):
        OfficePeriod.parse("07:30-25:00")


def test_from_env_valid() -> None:
    cal = from_env(
        {
            "VNCAL_EXTRA_DAYS_OFF": "2026-03-06, 2026-04-29",
            "VNCAL_EXTRA_WORKING_DAYS": "2026-03-07",
            "VNCAL_MORNING": "07:00-11:00",
            "VNCAL_AFTERNOON": "13:00-16:30",
        }
    )
    assert cal.extra_days_off == {date(2026, 3, 6), date(2026, 4, 29)}
    assert cal.extra_working_days == {date(2026, 3, 7)}
    assert cal.morning == OfficePeriod(time(7), time(11))
    assert cal.afternoon == OfficePeriod(time(13), time(16, 30))
    assert not cal.is_working_day(date(2026, 4, 29))
    assert cal.is_working_day(date(2026, 3, 7))
    defaults = from_env({})
    assert defaults.morning == DEFAULT_MORNING and defaults.afternoon == DEFAULT_AFTERNOON
    assert defaults.extra_days_off == frozenset() and defaults.extra_working_days == frozenset()
    assert WorkCalendar.from_env({"VNCAL_EXTRA_DAYS_OFF": ""}).extra_days_off == frozenset()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"VNCAL_EXTRA_DAYS_OFF": "2026-01-02,2026-13-01"},
            "VNCAL_EXTRA_DAYS_OFF: invalid date '2026-13-01'",
        ),
        ({"VNCAL_EXTRA_DAYS_OFF": "02/01/2026"}, "VNCAL_EXTRA_DAYS_OFF: invalid date '02/01/2026'"),
        ({"VNCAL_EXTRA_WORKING_DAYS": "tomorrow"}, "VNCAL_EXTRA_WORKING_DAYS: invalid date 'tomorrow'"),
        ({"VNCAL_MORNING": "7h30-11h30"}, "VNCAL_MORNING: invalid office period"),
        ({"VNCAL_AFTERNOON": "17:00-13:30"}, "VNCAL_AFTERNOON: office period must end after"),
        ({"VNCAL_AFTERNOON": "13:30-24:00"}, "VNCAL_AFTERNOON: invalid time"),
        ({"VNCAL_MORNING": "07:30-14:00"}, "VNCAL_MORNING=07:30-14:00 must end before VNCAL_AFTERNOON"),
        ({"VNCAL_TIMEZONE": "Asia/Nowhere"}, "VNCAL_TIMEZONE: unknown time zone"),
        (
            {"VNCAL_EXTRA_DAYS_OFF": "2026-01-10", "VNCAL_EXTRA_WORKING_DAYS": "2026-01-10"},
            "VNCAL_EXTRA_DAYS_OFF and VNCAL_EXTRA_WORKING_DAYS both contain 2026-01-10",
        ),
    ],
)
def test_from_env_errors_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError) as info:
        from_env(env)
    assert message in str(info.value)


def test_parse_date_list() -> None:
    assert parse_date_list(" 2026-01-02 ,2026-04-30,, ") == {date(2026, 1, 2), date(2026, 4, 30)}
    assert parse_date_list("") == frozenset()


def test_default_calendar_reads_env_once(monkeypatch: pytest.MonkeyPatch) -> None:
    default_calendar.cache_clear()
    monkeypatch.setenv("VNCAL_EXTRA_DAYS_OFF", "2026-03-06")
    try:
        first = default_calendar()
        assert default_calendar() is first
        assert not first.is_working_day(date(2026, 3, 6))
        monkeypatch.setenv("VNCAL_EXTRA_DAYS_OFF", "")
        assert default_calendar() is first
    finally:
        default_calendar.cache_clear()
    assert default_calendar().is_working_day(date(2026, 3, 6))
    default_calendar.cache_clear()
