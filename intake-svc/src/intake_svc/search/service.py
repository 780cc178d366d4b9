"""Officer search: who sees what, and the query's words turned into indexed criteria."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from intake_svc.dossier.status import Status
from intake_svc.errors import Invalid
from intake_svc.search.repository import SORTS, Criteria, SearchRepository
from servicekit.auth import Principal
from servicekit.timefmt import VN
from servicekit.vntext import fold
from vncalendar import WorkCalendar

CHANNELS = ("online", "counter", "postal", "onestop")
SORT_KEYS = tuple(k for key in SORTS for k in (key, f"-{key}"))
# totals are exact up to this many; beyond, ``total`` is this and ``total_exact`` false (narrow the search)
COUNT_CAP = 1000
_NUMBER = re.compile(r"^\+?\d{6,15}$")
_CODE = re.compile(r"^[0-9A-Za-z]{3}\.[0-9A-Za-z]{2}\.[0-9A-Za-z]{2}\.[A-Za-z]\d{2}-")  # agency code, then "-"


@dataclass(frozen=True)
class SearchQuery:
    q: str | None = None
    procedure_code: str | None = None
    status: str | None = None
    channel: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    due_before: date | None = None
    due_within: int | None = None
    overdue: bool = False
    reception_overdue: bool = False
    sort: str = "-submitted_at"


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), VN)


def _phone(digits: str) -> str:
    if digits.startswith("+84"):
        return "0" + digits[3:]
    if digits.startswith("84") and len(digits) == 11:
        return "0" + digits[2:]
    return digits


def words_of(q: str) -> dict[str, Any]:
    """``q`` is a dossier code, a CCCD (or tax code), a phone number or whole words of the applicant's name
    (without diacritics or not, in any order: "lan nguyen thi" finds "Nguyễn Thị Lan")."""
    raw = " ".join(q.split())
    compact = re.sub(r"[\s.\-()]", "", raw)
    if _CODE.match(raw):
        return {"codes": (raw.upper(),)}
    if _NUMBER.match(compact):
        return {"codes": (raw.upper(),), "id_number": compact.lstrip("+"), "phone": _phone(compact)}
    words = fold(raw).split()
    if len(words) == 1:  # one word: a name's or a code typed in another way
        return {"codes": (raw.upper(),), "words": tuple(words)}
    return {"words": tuple(dict.fromkeys(words))} if words else {"codes": (raw.upper(),)}


class SearchService:
    def __init__(self, session: AsyncSession, *, calendar: WorkCalendar, now: datetime) -> None:
        self.repo = SearchRepository(session)
        self.calendar = calendar
        self.now = now

    def scope(self, principal: Principal) -> dict[str, Any] | None:
        """Citizens: their own dossiers; auditors: the province; other officers: their agency; else nothing."""
        if principal.has("citizen") and not principal.is_officer:
            return {"owner_id": principal.id}
        if principal.has("auditor"):
            return {}
        if principal.is_officer and principal.agency_code:
            return {"agency_code": principal.agency_code}
        return None

    def criteria(self, scope: dict[str, Any], s: SearchQuery) -> Criteria:
        if s.sort not in SORT_KEYS:
            raise Invalid.field(("query", "sort"), f"Không sắp xếp được theo “{s.sort}”; chọn một trong: "
                                + ", ".join(SORT_KEYS) + ".")
        if s.status is not None and s.status not in {x.value for x in Status}:
            raise Invalid.field(("query", "status"), f"Trạng thái hồ sơ “{s.status}” không tồn tại.")
        if s.channel is not None and s.channel not in CHANNELS:
            raise Invalid.field(("query", "channel"), "Kênh tiếp nhận phải là một trong: " + ", ".join(CHANNELS) + ".")
        if s.received_from and s.received_to and s.received_to < s.received_from:
            raise Invalid.field(("query", "received_to"), "Ngày tiếp nhận “đến” phải sau ngày “từ”.")
        fields: dict[str, Any] = dict(scope)
        if s.q is not None and s.q.strip():
            fields |= words_of(s.q)
        due_before = _start_of(s.due_before + timedelta(days=1)) if s.due_before else None
        due_from = None
        if s.due_within is not None:
            limit = self.calendar.add_working_days(self.now, s.due_within)
            due_before = min(due_before, limit) if due_before else limit
            due_from = self.now
        if s.overdue:
            due_before = min(due_before, self.now) if due_before else self.now
        return Criteria(
            **fields, procedure_code=s.procedure_code or None, status=s.status, channel=s.channel,
            received_from=_start_of(s.received_from) if s.received_from else None,
            received_before=_start_of(s.received_to + timedelta(days=1)) if s.received_to else None,
            due_before=due_before, due_from=due_from, open_only=s.overdue or s.due_within is not None,
            reception_overdue_at=self.now if s.reception_overdue else None)

    async def search(self, principal: Principal, s: SearchQuery, *, page: int,
                     size: int) -> tuple[list[Any], int, bool]:
        """The page, the total (exact up to COUNT_CAP) and whether the total is exact."""
        scope = self.scope(principal)
        criteria = self.criteria(scope or {}, s)
        if scope is None:
            return [], 0, True
        return await self.repo.search(criteria, sort=s.sort, page=page, size=size, cap=COUNT_CAP)
