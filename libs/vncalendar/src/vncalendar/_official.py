"""Nationwide day swaps for state agencies that the ``holidays`` package (0.108) does not know.

Each entry cites the decision. The tables are merged with what ``holidays`` returns, so an entry that a
later ``holidays`` release also knows changes nothing. Turn them off with
``WorkCalendar(builtin_adjustments=False)``.
"""

from __future__ import annotations

from datetime import date
from types import MappingProxyType
from typing import Final

__all__ = ["OFFICIAL_DAYS_OFF", "OFFICIAL_WORKING_DAYS"]

# Công văn 12729/VPCP-KGVX ngày 25/12/2025: civil servants off Thu 01/01/2026 to Sun 04/01/2026,
# Friday 02/01/2026 swapped with Saturday 10/01/2026.
OFFICIAL_DAYS_OFF: Final = MappingProxyType(
    {
        date(2026, 1, 2): "Tết Dương lịch (hoán đổi, làm bù thứ Bảy 10/01/2026; CV 12729/VPCP-KGVX)",
    }
)
OFFICIAL_WORKING_DAYS: Final = MappingProxyType(
    {
        date(2026, 1, 10): "Làm bù cho thứ Sáu 02/01/2026 (CV 12729/VPCP-KGVX)",
    }
)
