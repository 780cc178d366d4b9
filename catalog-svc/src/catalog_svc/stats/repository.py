"""Every query of the statistics read model: the event copy, generations, the projection and the reports."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from catalog_svc.stats.fold import DossierFacts, StoredEvent

# Consumers hold it shared while they project; a rebuild takes it exclusively for the instant it creates the
# new generation, so every consumer transaction either sees the new generation or finished before it existed.
GENERATION_LOCK = 0x57A75_0001
PROJECTION_COLUMNS = (
    "generation", "code", "procedure_code", "procedure_name", "agency_code", "channel", "applicant_name",
    "submitted_at", "received_at", "due_at", "current_due_at", "effective_due_at", "transferred_at", "finished_at",
    "outcome", "returned_at", "refused_at", "withdrawn_at", "supplement_rounds", "waiting_seconds",
    "processing_seconds", "timeliness", "extended", "fee_due", "paid_online", "result_online", "national_status",
    "first_at", "last_at", "last_seq", "reception_due_at", "reception_decided_at", "rating_overall", "rated_at",
)
_UPSERT = text(
    f"INSERT INTO stats_dossiers ({', '.join(PROJECTION_COLUMNS)}) "
    f"VALUES ({', '.join(':' + c for c in PROJECTION_COLUMNS)}) "
    "ON CONFLICT (generation, code) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in PROJECTION_COLUMNS if c not in ("generation", "code"))
)

# One row per procedure (or one for all with ``grouped`` false) over the dossiers alive in [start, end).
_FIGURES = """
    count(*) FILTER (WHERE d.first_at >= :start AND d.first_at < :end) AS submitted,
    count(*) FILTER (WHERE d.received_at >= :start AND d.received_at < :end) AS received,
    count(*) FILTER (WHERE d.received_at < :end AND d.refused_at IS NULL
                     AND (d.finished_at IS NULL OR d.finished_at >= :end)
                     AND (d.withdrawn_at IS NULL OR d.withdrawn_at >= :end)) AS in_progress,
    count(*) FILTER (WHERE d.finished_at >= :start AND d.finished_at < :end) AS finished,
    count(*) FILTER (WHERE d.finished_at >= :start AND d.finished_at < :end AND d.outcome = 'rejected') AS rejected,
    count(*) FILTER (WHERE d.returned_at >= :start AND d.returned_at < :end) AS returned,
    count(*) FILTER (WHERE d.withdrawn_at >= :start AND d.withdrawn_at < :end) AS withdrawn,
    count(*) FILTER (WHERE d.refused_at >= :start AND d.refused_at < :end) AS refused,
    count(*) FILTER (WHERE d.finished_at >= :start AND d.finished_at < :end AND d.timeliness = 1) AS early,
    count(*) FILTER (WHERE d.finished_at >= :start AND d.finished_at < :end AND d.timeliness = 2) AS on_time,
    count(*) FILTER (WHERE d.finished_at >= :start AND d.finished_at < :end AND d.timeliness = 3) AS late,
    count(*) FILTER (WHERE d.finished_at >= :start AND d.finished_at < :end AND d.extended) AS extended,
    coalesce(sum(d.processing_seconds) FILTER (WHERE d.finished_at >= :start AND d.finished_at < :end
                                               AND d.processing_seconds IS NOT NULL), 0) AS processing_seconds,
    count(*) FILTER (WHERE d.finished_at >= :start AND d.finished_at < :end
                     AND d.processing_seconds IS NOT NULL) AS timed,
    count(*) FILTER (WHERE d.first_at >= :start AND d.first_at < :end AND d.channel = 'online') AS online,
    count(*) FILTER (WHERE d.first_at >= :start AND d.first_at < :end AND d.channel = 'counter') AS counter,
    count(*) FILTER (WHERE d.first_at >= :start AND d.first_at < :end AND d.channel = 'postal') AS postal,
    count(*) FILTER (WHERE d.received_at >= :start AND d.received_at < :end
                     AND (d.fee_due OR fp.code IS NOT NULL)) AS fee_due,
    count(*) FILTER (WHERE d.received_at >= :start AND d.received_at < :end
                     AND (d.fee_due OR fp.code IS NOT NULL) AND d.paid_online) AS paid_online,
    count(*) FILTER (WHERE d.returned_at >= :start AND d.returned_at < :end AND d.result_online) AS returned_online,
    count(*) FILTER (WHERE d.reception_due_at >= :start AND d.reception_due_at < :end
                     AND coalesce(d.reception_decided_at, d.withdrawn_at, least(:end, now())) > d.reception_due_at)
        AS reception_overdue,
    count(*) FILTER (WHERE d.rated_at >= :start AND d.rated_at < :end) AS rated,
    count(*) FILTER (WHERE d.rated_at >= :start AND d.rated_at < :end AND d.rating_overall >= 4) AS satisfied,
    coalesce(sum(d.rating_overall) FILTER (WHERE d.rated_at >= :start AND d.rated_at < :end), 0) AS rating_points
"""
# feedback (phản ánh, kiến nghị) per agency in [start, end): received, answered, answered by the deadline, and
# those whose deadline ended in the period (before ``now``) unanswered
_FEEDBACK_FIGURES = """
    SELECT agency_code,
      count(*) FILTER (WHERE received_at >= :start AND received_at < :end) AS feedback_received,
      count(*) FILTER (WHERE answered_at >= :start AND answered_at < :end) AS feedback_answered,
      count(*) FILTER (WHERE answered_at >= :start AND answered_at < :end AND answered_at <= due_at)
        AS feedback_answered_on_time,
      count(*) FILTER (WHERE answered_at IS NULL AND due_at >= :start AND due_at < least(:end, :now))
        AS feedback_overdue
    FROM stats_feedback
"""
_FEE_PROCEDURES = """
    fee_procedures AS (
        SELECT p.code FROM procedures p
        WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(p.body->'fees') f WHERE (f->>'amount')::bigint > 0))
"""


# the consumers' statements (one event each), made once
_LOCK_FOR_EVENT = text("SELECT pg_advisory_xact_lock_shared(:k), pg_advisory_xact_lock(hashtextextended(:c, 9))")
_LOCK_DOSSIER = text("SELECT pg_advisory_xact_lock(hashtextextended(:c, 9))")
_APPEND_EVENT = text(
    "INSERT INTO stats_events (event_id, type, dossier_code, at, time, data) "
    "VALUES (:event_id, :type, :code, :at, :time, CAST(:data AS jsonb)) "
    "ON CONFLICT (event_id) DO NOTHING RETURNING seq")
_EVENTS_OF = text("SELECT dossier_code, type, at, seq, data FROM stats_events WHERE dossier_code = ANY(:codes) "
                  "ORDER BY dossier_code, at, seq")
_LIVE_GENERATIONS = text(
    "SELECT generation FROM stats_generations WHERE state IN ('active', 'building') ORDER BY generation")


class StatsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- events and projection ----------------------------------------------------------------------
    async def lock_generations(self) -> None:
        await self.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": GENERATION_LOCK})

    async def lock_for_event(self, code: str) -> None:
        """What a consumer takes for one event, in one round trip: the generations' lock shared (a rebuild's start
        waits for it), then the dossier's as :meth:`lock_dossiers` (the target list is evaluated in order)."""
        await self.session.execute(_LOCK_FOR_EVENT, {"k": GENERATION_LOCK, "c": f"stats:{code}"})

    async def lock_dossiers(self, codes: Sequence[str]) -> None:
        """Serialises every writer of one dossier's row (three streams' consumers, a rebuild)."""
        for code in sorted(set(codes)):
            await self.session.execute(_LOCK_DOSSIER, {"c": f"stats:{code}"})

    async def append_event(self, *, event_id: str, type: str, dossier_code: str, at: datetime, time: datetime,
                           data: dict[str, Any]) -> bool:
        row = await self.session.execute(
            _APPEND_EVENT, {"event_id": event_id, "type": type, "code": dossier_code, "at": at, "time": time,
             "data": _json(data)})
        return row.scalar_one_or_none() is not None

    async def events_of(self, codes: Sequence[str]) -> dict[str, list[StoredEvent]]:
        rows = await self.session.execute(_EVENTS_OF, {"codes": list(codes)})
        out: dict[str, list[StoredEvent]] = {}
        for code, type_, at, seq, data in rows:
            out.setdefault(code, []).append(StoredEvent(type_, at, seq, data))
        return out

    async def codes_after(self, after: str, limit: int) -> list[str]:
        rows = await self.session.scalars(text(
            "SELECT DISTINCT dossier_code FROM stats_events WHERE dossier_code > :after "
            "ORDER BY dossier_code LIMIT :limit"), {"after": after, "limit": limit})
        return list(rows)

    async def count_dossiers_in_events(self) -> int:
        return int(await self.session.scalar(text("SELECT count(DISTINCT dossier_code) FROM stats_events")) or 0)

    async def live_generations(self) -> list[int]:
        rows = await self.session.scalars(_LIVE_GENERATIONS)
        return list(rows)

    async def active_generation(self) -> int:
        return int(await self.session.scalar(text("SELECT active_generation FROM stats_state WHERE id = 1")) or 1)

    async def upsert(self, facts: Sequence[DossierFacts], generations: Sequence[int]) -> None:
        rows = [f.row(g) for g in generations for f in facts if f.procedure_code and f.agency_code]
        if rows:
            await self.session.execute(_UPSERT, rows)

    # --- generations ---------------------------------------------------------------------------------
    async def start_generation(self) -> int:
        """Drops the partitions retired by the previous rebuild, then creates the next generation."""
        for (old,) in (await self.session.execute(text(
                "SELECT generation FROM stats_generations WHERE state = 'retired'"))).all():
            await self.session.execute(text(f"DROP TABLE IF EXISTS stats_dossiers_g{int(old)}"))
            await self.session.execute(text("UPDATE stats_generations SET state = 'dropped' WHERE generation = :g"),
                                       {"g": old})
        await self.session.execute(text(
            "UPDATE stats_generations SET state = 'dropped' WHERE state = 'building'"))
        gen = int(await self.session.scalar(text("SELECT max(generation) + 1 FROM stats_generations")) or 1)
        await self.session.execute(text(
            f"CREATE TABLE stats_dossiers_g{gen} PARTITION OF stats_dossiers FOR VALUES IN ({gen})"))
        await self.session.execute(text(
            "INSERT INTO stats_generations (generation, state) VALUES (:g, 'building')"), {"g": gen})
        return gen

    async def activate(self, generation: int, events: int) -> int:
        """The switch: one row update; readers see the old or the new generation, never a mix."""
        old = int(await self.session.scalar(text(
            "SELECT active_generation FROM stats_state WHERE id = 1 FOR UPDATE")) or 1)
        await self.session.execute(text(
            "UPDATE stats_generations SET state = 'active', activated_at = now(), events = :n "
            "WHERE generation = :g"), {"g": generation, "n": events})
        await self.session.execute(text("UPDATE stats_generations SET state = 'retired' WHERE generation = :g"),
                                   {"g": old})
        await self.session.execute(text("UPDATE stats_state SET active_generation = :g WHERE id = 1"),
                                   {"g": generation})
        return old

    async def event_count(self) -> int:
        return int(await self.session.scalar(text("SELECT count(*) FROM stats_events")) or 0)

    # --- reads ---------------------------------------------------------------------------------------
    async def figures(self, *, start: datetime, end: datetime, agency: str | None,
                      by_procedure: bool, by_agency: bool = False) -> list[dict[str, Any]]:
        gen = await self.active_generation()
        group = "d.procedure_code, max(d.procedure_name) AS procedure_name," if by_procedure else (
            "d.agency_code," if by_agency else "")
        same = "AND agency_code = :agency " if agency else ""
        # alive in the period = closed in or after it, or still open; two index range scans, not one long one
        alive = (f"SELECT * FROM stats_dossiers WHERE generation = :gen {same}AND last_at >= :start "
                 f"AND first_at < :end UNION ALL SELECT * FROM stats_dossiers WHERE generation = :gen {same}"
                 "AND last_at IS NULL AND first_at < :end")
        sql = (
            f"WITH {_FEE_PROCEDURES} SELECT {group} {_FIGURES} FROM ({alive}) d "
            "LEFT JOIN fee_procedures fp ON fp.code = d.procedure_code "
            + ("GROUP BY d.procedure_code ORDER BY d.procedure_code" if by_procedure else
               "GROUP BY d.agency_code ORDER BY d.agency_code" if by_agency else "")
        )
        rows = await self.session.execute(text(sql), {"gen": gen, "start": start, "end": end, "agency": agency})
        return [dict(r._mapping) for r in rows]

    async def procedure_figures(self, code: str, since: datetime) -> dict[str, Any]:
        gen = await self.active_generation()
        row = (await self.session.execute(text(
            "SELECT count(*) AS submitted, "
            "count(*) FILTER (WHERE received_at IS NOT NULL AND finished_at IS NULL AND withdrawn_at IS NULL "
            "  AND refused_at IS NULL) AS in_progress, "
            "count(*) FILTER (WHERE finished_at IS NOT NULL) AS completed, "
            "count(*) FILTER (WHERE timeliness IN (1, 2)) AS on_time, "
            "count(*) FILTER (WHERE timeliness = 3) AS late, "
            "count(*) FILTER (WHERE first_at >= :since) AS last_30_days "
            "FROM stats_dossiers WHERE generation = :gen AND procedure_code = :code"),
            {"gen": gen, "code": code, "since": since})).one()
        return dict(row._mapping)

    async def register(self, *, start: datetime, end: datetime, agency: str | None) -> list[dict[str, Any]]:
        """Form 06: the dossiers received in the period, in the order they were received."""
        gen = await self.active_generation()
        rows = await self.session.execute(text(
            "SELECT code, procedure_code, procedure_name, applicant_name, channel, received_at, due_at, "
            "current_due_at, transferred_at, finished_at, outcome, returned_at, withdrawn_at, timeliness "
            "FROM stats_dossiers WHERE generation = :gen AND received_at >= :start "
            "AND received_at < :end" + (" AND agency_code = :agency" if agency else "")
            + " ORDER BY received_at, code"), {"gen": gen, "start": start, "end": end, "agency": agency})
        return [dict(r._mapping) for r in rows]

    async def weekly(self, *, start: datetime, end: datetime, agency: str | None) -> list[dict[str, Any]]:
        """Per ISO week (Monday, Asia/Ho_Chi_Minh): dossiers received, finished, and finished on time."""
        gen = await self.active_generation()
        rows = await self.session.execute(text(
            "WITH w AS ("
            " SELECT date_trunc('week', received_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS week, 1 AS received,"
            "   0 AS finished, 0 AS in_time FROM stats_dossiers WHERE generation = :gen AND received_at >= :start"
            "   AND received_at < :end" + (" AND agency_code = :agency" if agency else "") +
            " UNION ALL"
            " SELECT date_trunc('week', finished_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, 0, 1,"
            "   CASE WHEN timeliness IN (1, 2) THEN 1 ELSE 0 END FROM stats_dossiers WHERE generation = :gen"
            "   AND (last_at IS NULL OR last_at >= :start) AND finished_at >= :start AND finished_at < :end"
            + (" AND agency_code = :agency" if agency else "") +
            ") SELECT week, sum(received) AS received, sum(finished) AS finished, sum(in_time) AS in_time"
            " FROM w GROUP BY week ORDER BY week"), {"gen": gen, "start": start, "end": end, "agency": agency})
        return [dict(r._mapping) for r in rows]

    async def feedback_figures(self, *, start: datetime, end: datetime, now: datetime) -> list[dict[str, Any]]:
        rows = await self.session.execute(text(_FEEDBACK_FIGURES + " GROUP BY agency_code ORDER BY agency_code"),
                                          {"start": start, "end": end, "now": now})
        return [dict(r._mapping) for r in rows]

    async def record_feedback(self, *, feedback_id: str, agency_code: str, received_at: datetime, due_at: datetime,
                              answered_at: datetime | None, overdue_flagged: bool) -> None:
        """Order-independent: each event fills what it knows; an answer is never undone by a late event."""
        await self.session.execute(text(
            "INSERT INTO stats_feedback (id, agency_code, received_at, due_at, answered_at, overdue_flagged) "
            "VALUES (:id, :agency, :received, :due, :answered, :flagged) ON CONFLICT (id) DO UPDATE SET "
            "answered_at = coalesce(stats_feedback.answered_at, EXCLUDED.answered_at), "
            "overdue_flagged = stats_feedback.overdue_flagged OR EXCLUDED.overdue_flagged"),
            {"id": feedback_id, "agency": agency_code, "received": received_at, "due": due_at,
             "answered": answered_at, "flagged": overdue_flagged})

    async def agencies(self) -> list[dict[str, Any]]:
        rows = await self.session.execute(text("SELECT code, name, parent_code FROM agencies ORDER BY code"))
        return [dict(r._mapping) for r in rows]

    async def procedures_offered(self, agency: str | None) -> tuple[int, int]:
        row = (await self.session.execute(text(
            "SELECT count(*) FILTER (WHERE level >= 3), count(*) FROM procedures"
            + (" WHERE agency_code = :agency" if agency else "")), {"agency": agency})).one()
        return int(row[0]), int(row[1])

    async def agency_name(self, code: str) -> str | None:
        name = await self.session.scalar(text("SELECT name FROM agencies WHERE code = :c"), {"c": code})
        return str(name) if name is not None else None

    async def procedure_level(self, code: str) -> int | None:
        level = await self.session.scalar(text("SELECT level FROM procedures WHERE code = :c"), {"c": code})
        return int(level) if level is not None else None

    # --- report jobs ---------------------------------------------------------------------------------
    async def add_job(self, job_id: uuid.UUID, kind: str, params: dict[str, Any], requested_by: str) -> None:
        await self.session.execute(text(
            "INSERT INTO report_jobs (id, kind, params, requested_by, state) "
            "VALUES (:id, :kind, CAST(:params AS jsonb), :by, 'queued')"),
            {"id": job_id, "kind": kind, "params": _json(params), "by": requested_by})

    async def job(self, job_id: uuid.UUID) -> dict[str, Any] | None:
        row = (await self.session.execute(text(
            "SELECT id, kind, params, requested_by, state, progress, file_name, media_type, error, created_at, "
            "finished_at, octet_length(content) AS size FROM report_jobs WHERE id = :id"), {"id": job_id})).first()
        return dict(row._mapping) if row else None

    async def job_content(self, job_id: uuid.UUID) -> bytes | None:
        value = await self.session.scalar(text("SELECT content FROM report_jobs WHERE id = :id"), {"id": job_id})
        return bytes(value) if value is not None else None

    async def claim_job(self, job_id: uuid.UUID | None, owner: str, lease: float,
                        max_attempts: int) -> dict[str, Any] | None:
        """Leases one unfinished job to ``owner``: the given one, or (``None``) the oldest whose lease ran out
        (its replica stopped renewing it). Skips rows another replica is claiming. A job already tried
        ``max_attempts`` times is failed instead and not returned."""
        where = "id = :id AND " if job_id is not None else ""
        row = (await self.session.execute(text(
            "SELECT id, kind, params, attempts FROM report_jobs "
            f"WHERE {where}state IN ('queued', 'running') AND (lease_until IS NULL OR lease_until < now()) "
            "ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED"), {"id": job_id})).first()
        if row is None:
            return None
        if row.attempts >= max_attempts:
            await self.set_job(row.id, state="failed", error="interrupted", finished_at=datetime.now(UTC),
                               lease_owner=None, lease_until=None)
            return None
        await self.session.execute(text(
            "UPDATE report_jobs SET state = 'running', lease_owner = :owner, attempts = attempts + 1, "
            "lease_until = now() + make_interval(secs => :lease) WHERE id = :id"),
            {"id": row.id, "owner": owner, "lease": lease})
        return dict(row._mapping)

    async def renew_lease(self, job_id: uuid.UUID, owner: str, lease: float) -> bool:
        """False when the job is no longer ours (taken over after our lease ran out, or finished)."""
        result = await self.session.execute(text(
            "UPDATE report_jobs SET lease_until = now() + make_interval(secs => :lease) "
            "WHERE id = :id AND lease_owner = :owner AND state = 'running'"),
            {"id": job_id, "owner": owner, "lease": lease})
        return bool(getattr(result, "rowcount", 0))

    async def set_job(self, job_id: uuid.UUID, **values: Any) -> None:
        sets = ", ".join(f"{k} = :{k}" for k in values)
        await self.session.execute(text(f"UPDATE report_jobs SET {sets} WHERE id = :id"), {"id": job_id, **values})


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, default=str)
