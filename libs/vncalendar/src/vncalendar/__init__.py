"""Working days on the Vietnamese calendar: holidays, office hours and deadlines.

>>> from datetime import datetime
>>> from zoneinfo import ZoneInfo
>>> cal = WorkCalendar()
>>> received = datetime(2026, 2, 12, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))  # Thursday before Tết
>>> cal.add_working_days(received, 5).isoformat()
'2026-02-26T09:00:00+07:00'
"""

from vncalendar.env import (
    ENV_AFTERNOON,
    ENV_EXTRA_DAYS_OFF,
    ENV_EXTRA_WORKING_DAYS,
    ENV_MORNING,
    ENV_TIMEZONE,
    default_calendar,
    from_env,
    parse_date_list,
)
from vncalendar.periods import OfficePeriod
from vncalendar.workcalendar import (
    DEFAULT_AFTERNOON,
    DEFAULT_MORNING,
    DEFAULT_TIMEZONE,
    DURATION_UNITS,
    DurationUnit,
    WorkCalendar,
)

__all__ = [
    "DEFAULT_AFTERNOON",
    "DEFAULT_MORNING",
    "DEFAULT_TIMEZONE",
    "DURATION_UNITS",
    "ENV_AFTERNOON",
    "ENV_EXTRA_DAYS_OFF",
    "ENV_EXTRA_WORKING_DAYS",
    "ENV_MORNING",
    "ENV_TIMEZONE",
    "DurationUnit",
    "OfficePeriod",
    "WorkCalendar",
    "default_calendar",
    "from_env",
    "parse_date_list",
]

__version__ = "0.1.0"
