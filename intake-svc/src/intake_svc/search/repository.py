"""The officers' dossier search: filters on indexed columns only, one count and one narrow page query.

Every query is scoped first (the agency for officers, the owner for citizens; the province for auditors),
then filtered; the per-agency composite indexes of migration intake_0005 serve the scope with each sort key,
a GIN index over the keys of the folded name (intake_0009: words and pairs of words, each also per agency and per
month of submission) the name, plain indexes the CCCD and the phone. A name of two words or more alone is counted,
and its page found, in the B-tree of its words' pairs (intake_0012) without reading the dossiers it does not show.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import combinations
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Select, Text, func, literal, literal_column, or_, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from intake_svc.dossier.models import NAME_PAIRS, SEARCH_KEYS_SQL, Dossier
from servicekit.timefmt import VN

# statuses in which the appointment runs (the overdue and due-soon filters, partial index ix_dossiers_*open_due)
OPEN = ("accepted", "processing")

# the indexed expression of intake_0009, written as the index is (a bound parameter in it would not match it)
SEARCH_KEYS = literal_column(SEARCH_KEYS_SQL, ARRAY(Text))
# an agency's listing walks these sorts' per-agency indexes (intake_0005)
AGENCY_WALKS = ("submitted_at", "received_at", "due_at")

SORTS: dict[str, Any] = {
    "submitted_at": Dossier.submitted_at, "received_at": Dossier.received_at, "due_at": Dossier.due_at,
    "code": Dossier.code, "status": Dossier.status, "reception_due_at": Dossier.reception_due_at,
}


@dataclass(frozen=True)
class Criteria:
    owner_id: str | None = None
    agency_code: str | None = None
    codes: tuple[str, ...] = ()  # q: the dossier code as typed (upper-cased)
    id_number: str | None = None  # q: CCCD or tax code
    phone: str | None = None  # q: phone, +84 → 0
    words: tuple[str, ...] = ()  # q: the folded words of a name, each a whole word of the applicant's name
    procedure_code: str | None = None
    status: str | None = None
    channel: str | None = None
    received_from: datetime | None = None
    received_before: datetime | None = None
    due_before: datetime | None = None
    due_from: datetime | None = None  # due within N working days: from now
    open_only: bool = False
    reception_overdue_at: datetime | None = None  # still waiting for the desk past the reception limit


def search_keys(words: tuple[str, ...], agency: str | None = None, month: str | None = None) -> list[str]:
    """The keys a name holds when it holds all ``words`` (intake_search_keys of intake_0009): the word itself, or
    every pair of distinct words (``u+v``, ``u`` < ``v``); in one agency (``@<code>``) or month (``#YYMM``)."""
    words = tuple(sorted(set(words)))
    bases = list(words) if len(words) == 1 else [f"{u}+{v}" for u, v in combinations(words, 2)]
    suffix = f"@{agency}" if agency is not None else f"#{month}" if month is not None else ""
    return [key + suffix for key in bases]


def _where(c: Criteria, *, walk: bool = False, month: str | None = None) -> list[ColumnElement[bool]]:
    """The conditions; the name's words through the keys' GIN index, except ``walk``: then the agency's sort index
    is walked and the stored words filter its rows (no index on them). ``month``: the keys of that month."""
    conds: list[ColumnElement[bool]] = []
    if c.owner_id is not None:
        conds.append(Dossier.owner_id == c.owner_id)
    by_words_only = bool(c.words) and not (c.codes or c.id_number or c.phone) and not walk
    if c.agency_code is not None and not by_words_only:  # else the keys "…@<agency>" scope the search
        conds.append(Dossier.agency_code == c.agency_code)
    anyof: list[ColumnElement[bool]] = [Dossier.code == code for code in c.codes]
    if c.id_number:
        anyof.append(Dossier.applicant_id_number == c.id_number)
    if c.phone:
        anyof.append(Dossier.applicant_phone == c.phone)
    if c.words and walk:
        anyof.append(Dossier.search_words.contains(list(c.words)))
    elif c.words and month is not None:  # the stored words first: cheap, where the month's rows are walked
        keys = search_keys(c.words, month=month)
        anyof.append(Dossier.search_words.contains(list(c.words)) & SEARCH_KEYS.contains(keys))
    elif c.words:
        anyof.append(SEARCH_KEYS.contains(search_keys(c.words, c.agency_code)))
    if anyof:
        conds.append(or_(*anyof))
    if c.procedure_code:
        conds.append(Dossier.procedure_code == c.procedure_code)
    if c.status:
        conds.append(Dossier.status == c.status)
    if c.channel:
        conds.append(Dossier.channel == c.channel)
    if c.received_from is not None:
        conds.append(Dossier.received_at >= c.received_from)
    if c.received_before is not None:
        conds.append(Dossier.received_at < c.received_before)
    if c.due_before is not None:
        conds.append(Dossier.due_at < c.due_before)
    if c.due_from is not None:
        conds.append(Dossier.due_at >= c.due_from)
    if c.open_only:
        conds.append(Dossier.status.in_(OPEN))
    if c.reception_overdue_at is not None:
        conds += [Dossier.status == "submitted", Dossier.reception_due_at < c.reception_overdue_at]
    return conds


def _name_prefix(c: Criteria) -> list[ColumnElement[bool]] | None:
    """Names that begin with the words as typed (intake_0011's B-trees, index-only): a part of the matches of a
    search by those words alone (no other filter), to count without reading the table. None for other searches."""
    if not c.words or replace(c, agency_code=None, codes=(), words=()) != Criteria():
        return None
    words = Dossier.search_words.collate("C")
    upper = [*c.words[:-1], c.words[-1] + "!"]  # "!" sorts before a-z and 0-9: just past every word equal to the last
    conds = [words >= literal(list(c.words), ARRAY(Text)), words < literal(upper, ARRAY(Text))]
    return conds if c.agency_code is None else [Dossier.agency_code == c.agency_code, *conds]


def _by_pairs(c: Criteria) -> bool:
    """A search by two words or more of a name and nothing else, by officers (one agency) or auditors (the
    province): what the words' pairs (intake_0012) answer alone."""
    return len(c.words) >= 2 and replace(c, agency_code=None, words=()) == Criteria()


class _WordShares:
    """How common each word of the applicants' names is (PostgreSQL's statistics of ``search_words``: its most
    common elements and their frequencies), read again every ten minutes."""

    shares: dict[str, float] = {}
    read_at = -math.inf

    @classmethod
    async def density(cls, session: AsyncSession, words: tuple[str, ...]) -> float:
        """The share of dossiers whose name holds all ``words``, as if words were independent; a word that is
        not among the most common counts as half as common as the least of them."""
        if time.monotonic() - cls.read_at > 600:
            row = (await session.execute(text(
                "SELECT most_common_elems::text::text[] AS elems, most_common_elem_freqs AS freqs FROM pg_stats "
                "WHERE schemaname = current_schema() AND tablename = 'dossiers' AND attname = 'search_words'"
            ))).first()
            cls.shares = dict(zip(row.elems, row.freqs, strict=False)) if row and row.elems else {}
            cls.read_at = time.monotonic()
        rare = min(cls.shares.values(), default=0.0) / 2
        return math.prod(cls.shares.get(word, rare) for word in words)


# past this share of a month's dossiers, a name's page walks the month in order instead of sorting its matches
DENSE = 0.02


class SearchRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def count(self, conds: list[ColumnElement[bool]], cap: int, table: FromClause = Dossier.__table__) -> int:
        """How many match, counting no further than ``cap + 1`` rows (an agency holds hundreds of thousands)."""
        capped = select(literal(1)).select_from(table).where(*conds).limit(cap + 1).subquery()
        return int(await self.session.scalar(select(func.count()).select_from(capped)) or 0)

    async def search(self, c: Criteria, *, sort: str, page: int, size: int,
                     cap: int) -> tuple[list[Any], int, bool]:
        """A page, the total and whether it is exact (``cap`` at most when not).

        A search by ``q`` (found through its own indexes) reads its first ``cap + 1`` matches in one query that
        sorts them and counts them: at most ``cap``, that is the page and the exact total; a name typed in its
        usual order that more than ``cap`` names begin with is known to be past the cap without reading the table
        (:func:`_name_prefix`). A name of two words or more alone is counted from its pairs' B-tree and, newest or
        oldest first, its page read from there too (:meth:`page_by_pairs`). More (or a listing):
        the count stops at ``cap`` and the page walks the sort key's index (per agency), which soon meets enough
        matching rows; a word matching more than ``cap`` in the province, newest or oldest first, is read month
        by month (:meth:`by_month`).
        """
        conds = _where(c)
        key = SORTS[sort.removeprefix("-")]
        desc = sort.startswith("-")
        offset = (page - 1) * size
        pairs = await self.pairs(c) if _by_pairs(c) else None
        if pairs is not None:
            total = await self.count(pairs, cap, NAME_PAIRS)
            # by submission: a pair's rows are in that order in an agency (intake_0012) and in the province
            # (intake_0013), past the cap too
            if key is Dossier.submitted_at:
                rows = await self.page_by_pairs(pairs, desc=desc, offset=offset, size=size)
                return rows, min(total, cap), total <= cap
            past_cap = total > cap  # else another sort: the matches are read and sorted below
        else:
            prefix = _name_prefix(c)
            past_cap = prefix is not None and await self.count(prefix, cap) > cap
        if past_cap:
            total = cap + 1  # the pairs counted past the cap, or more names begin with the words typed: the matches too
        elif c.codes or c.id_number or c.phone or c.words:
            first = _page(conds).limit(cap + 1).subquery()
            ordered = [first.c[key.key].desc(), first.c.code.desc()] if desc else [first.c[key.key], first.c.code]
            rows = list((await self.session.execute(
                select(first, func.count().over().label("total")).order_by(*ordered).offset(offset).limit(size)
            )).all())
            total = rows[0].total if rows else await self.count(conds, cap)
            if total <= cap:
                return rows, total, True
        else:
            total = await self.count(conds, cap)
            if total == 0 or (total <= cap and offset >= total):
                return [], total, True
        order = [key.desc(), Dossier.code.desc()] if desc else [key, Dossier.code]
        if c.words and c.agency_code is not None and sort.removeprefix("-") in AGENCY_WALKS:
            query = _page(_where(c, walk=True))
        elif c.words and c.agency_code is None and c.owner_id is None and key is Dossier.submitted_at:
            return await self.by_month(c, desc=desc, page=page, size=size), cap, False
        else:
            query = _page(conds)
        query = query.order_by(*order).offset(offset).limit(size)
        return list((await self.session.execute(query)).all()), min(total, cap), total <= cap

    async def pairs(self, c: Criteria) -> list[ColumnElement[bool]]:
        """The rows of ``dossier_name_pairs`` matching ``c``: the rarest pair of its words (the fewest rows to
        read), whose names hold every other word typed too (folded words are a-z and 0-9: nothing to escape in
        LIKE); in the officer's agency."""
        shares = {pair: await _WordShares.density(self.session, tuple(pair.split("+")))
                  for pair in search_keys(c.words)}
        rarest = min(shares, key=lambda pair: (shares[pair], pair))
        conds = [NAME_PAIRS.c.pair == rarest]
        if c.agency_code is not None:
            conds.append(NAME_PAIRS.c.agency_code == c.agency_code)
        conds += [NAME_PAIRS.c.words.like(f"% {word} %") for word in c.words if word not in rarest.split("+")]
        return conds

    async def page_by_pairs(self, pairs: list[ColumnElement[bool]], *, desc: bool, offset: int,
                            size: int) -> list[Any]:
        """A page of a name's matches by submission: its pairs' rows in that order (an agency's or the province's
        in its index's own), then only the dossiers of the page read, by their code."""
        p = NAME_PAIRS.c
        codes = select(p.code).where(*pairs).order_by(*([p.submitted_at.desc(), p.code.desc()] if desc else [
            p.submitted_at, p.code])).offset(offset).limit(size)
        order = [Dossier.submitted_at.desc(), Dossier.code.desc()] if desc else [Dossier.submitted_at, Dossier.code]
        return list((await self.session.execute(_page([Dossier.code.in_(codes)]).order_by(*order))).all())

    async def by_month(self, c: Criteria, *, desc: bool, page: int, size: int) -> list[Any]:
        """The page of a name common in the province, by submission: the months' keys, from the newest (or the
        oldest), each month read (its matches sorted, or its rows walked in order) until the page is full."""
        first, last = (await self.session.execute(
            select(func.min(Dossier.submitted_at), func.max(Dossier.submitted_at)))).one()
        if first is None:
            return []
        months = _months(first, last)
        rows: list[Any] = []
        need = page * size
        order = [Dossier.submitted_at.desc(), Dossier.code.desc()] if desc else [Dossier.submitted_at, Dossier.code]
        # a common name ("nguyen", "nguyen van"): its month walked in order soon fills the page, where sorting its
        # thousands of matches would read them all (the month's keys and its dates say the same thing twice:
        # PostgreSQL, taking them for independent, would expect a few matches and sort them)
        walk = await _WordShares.density(self.session, c.words) > DENSE
        for yymm, start, end in reversed(months) if desc else months:
            conds = _where(c, walk=True) if walk else _where(c, month=yymm)
            query = _page([*conds, Dossier.submitted_at >= start, Dossier.submitted_at < end])
            rows += (await self.session.execute(query.order_by(*order).limit(need - len(rows)))).all()
            if len(rows) >= need:
                break
        return rows[(page - 1) * size:need]


def _page(conds: list[ColumnElement[bool]]) -> Select[Any]:
    return select(
        Dossier.code, Dossier.procedure_code, Dossier.procedure_name, Dossier.agency_code,
        Dossier.applicant["full_name"].astext.label("applicant_name"), Dossier.status, Dossier.national_status,
        Dossier.channel, Dossier.submitted_at, Dossier.received_at, Dossier.due_at, Dossier.version,
        Dossier.reception_due_at, Dossier.reception_decided_at,
    ).where(*conds)


def _months(first: datetime, last: datetime) -> list[tuple[str, datetime, datetime]]:
    """The months (Vietnam time) from ``first``'s to ``last``'s: their key ("YYMM") and bounds."""
    day = first.astimezone(VN)
    month = datetime(day.year, day.month, 1, tzinfo=VN)
    end = last.astimezone(VN)
    out = []
    while month <= end:
        following = datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=VN)
        out.append((month.strftime("%y%m"), month, following))
        month = following
    return out
