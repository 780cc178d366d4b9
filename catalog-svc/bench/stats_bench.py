"""Statistics at province scale: a year of dossiers in the projection, then the month report build timed.

    python catalog-svc/bench/stats_bench.py --dossiers 2000000

Starts its own PostgreSQL (devkit.devstack.Postgres, in a temporary folder), migrates catalog-svc's
database, generates the reference rows and ``--dossiers`` projection rows in SQL (generate_series, no Python
loop), ANALYZEs, then times the report of one month: for one agency (indicators, per-procedure table, form 06,
weekly series) and for the whole province, the ODS rendering, the public scoreboard and the public per-procedure
figures.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AGENCIES = 40
PROCEDURES_PER_AGENCY = 10

REFERENCE_SQL = [
    "INSERT INTO sectors (code, name) VALUES ('BENCH', 'Lĩnh vực thử tải')",
    "INSERT INTO agencies (code, name) VALUES ('000.00.00.H19', 'Ủy ban nhân dân tỉnh Đồng Nai')",
    f"""INSERT INTO agencies (code, name, parent_code)
        SELECT format('000.00.%s.H19', lpad(a::text, 2, '0')), 'Cơ quan ' || a, '000.00.00.H19'
        FROM generate_series(1, {AGENCIES}) a""",
    f"""INSERT INTO procedures (code, name, sector_code, agency_code, level, online_class, revision, body)
        SELECT format('1.%s.000.00.%s.H19', lpad(p::text, 6, '0'), lpad(a::text, 2, '0')), 'Thủ tục ' || p, 'BENCH',
               format('000.00.%s.H19', lpad(a::text, 2, '0')), 1 + p % 4,
               CASE 1 + p % 4 WHEN 4 THEN 'full' WHEN 3 THEN 'partial' ELSE 'info' END, 1,
               jsonb_build_object('fees', CASE WHEN p % 2 = 0 THEN '[{{"name": "Lệ phí", "amount": 50000}}]'::jsonb
                                               ELSE '[]'::jsonb END)
        FROM generate_series(1, {AGENCIES}) a, generate_series(1, {PROCEDURES_PER_AGENCY}) p""",
]

# One row per dossier of 2026, spread evenly over the year, agencies and procedures; 3 % refused at the desk,
# 3 % withdrawn, the rest finished within 0-14 days (open when that falls after the year), 90 % returned.
DOSSIERS_SQL = """
INSERT INTO stats_dossiers_g1 (generation, code, procedure_code, procedure_name, agency_code, channel, applicant_name,
    submitted_at, received_at, due_at, current_due_at, effective_due_at, transferred_at, finished_at, outcome,
    returned_at, refused_at, withdrawn_at, supplement_rounds, waiting_seconds, processing_seconds, timeliness,
    extended, fee_due, paid_online, result_online, national_status, first_at, last_at, last_seq)
SELECT 1, s.agency || '-' || to_char(s.sub AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYMMDD') || '-' || s.g,
       s.proc, 'Thủ tục ' || s.p, s.agency,
       CASE WHEN s.r3 < 0.6 THEN 'online' WHEN s.r3 < 0.9 THEN 'counter' ELSE 'postal' END,
       'Công dân ' || s.g, s.sub, s.rcv, s.rcv + interval '10 days', s.rcv + interval '10 days',
       s.rcv + interval '10 days', s.rcv + interval '6 hours', s.fin, CASE WHEN s.fin IS NOT NULL THEN 'result' END,
       s.ret, s.refused, s.withdrawn, (s.r4 < 0.1)::int + (s.r4 < 0.02)::int, 0,
       CASE WHEN s.fin IS NOT NULL THEN (extract(epoch FROM s.fin - s.rcv) / 3.2)::int END,
       CASE WHEN s.fin IS NULL THEN NULL WHEN s.r4 < 0.02 OR s.fin > s.rcv + interval '10 days' THEN 3
            WHEN s.fin < s.rcv + interval '9 days' THEN 1 ELSE 2 END,
       s.r4 > 0.97, s.p % 2 = 0, s.p % 2 = 0 AND s.r3 < 0.3, s.ret IS NOT NULL AND s.r3 < 0.2,
       CASE WHEN s.ret IS NOT NULL THEN 10 WHEN s.withdrawn IS NOT NULL THEN 7 WHEN s.refused IS NOT NULL THEN 3
            WHEN s.fin IS NOT NULL THEN 9 ELSE 4 END,
       s.sub, coalesce(s.ret, s.withdrawn, s.refused), s.g
FROM (
    SELECT b.*, CASE WHEN b.fin0 < timestamptz '2027-01-01 00:00+07' AND b.refused IS NULL AND b.withdrawn IS NULL
                     THEN b.fin0 END AS fin,
           CASE WHEN b.fin0 < timestamptz '2026-12-30 00:00+07' AND b.refused IS NULL AND b.withdrawn IS NULL
                     AND b.r2 < 0.9 THEN b.fin0 + interval '1 day' END AS ret
    FROM (
        SELECT a.*, CASE WHEN a.r1 >= 0.03 THEN a.sub + interval '1 hour' END AS rcv,
               CASE WHEN a.r1 < 0.03 THEN a.sub + interval '2 hours' END AS refused,
               CASE WHEN a.r1 >= 0.03 AND a.r1 < 0.06 THEN a.sub + interval '2 days' END AS withdrawn,
               a.sub + interval '1 hour' + a.r2 * interval '14 days' AS fin0
        FROM (
            SELECT g, timestamptz '2026-01-01 00:00+07' + (g::float8 / :n) * interval '365 days' AS sub,
                   format('000.00.%s.H19', lpad((1 + g % :agencies)::text, 2, '0')) AS agency,
                   1 + (g / :agencies) % :procs AS p,
                   format('1.%s.000.00.%s.H19', lpad((1 + (g / :agencies) % :procs)::text, 6, '0'),
                          lpad((1 + g % :agencies)::text, 2, '0')) AS proc,
                   random() AS r1, random() AS r2, random() AS r3, random() AS r4
            FROM generate_series(1, :n) g
        ) a
    ) b
) s
"""


async def run(url: str, n: int, repeat: int) -> None:
    from sqlalchemy import text

    from catalog_svc.stats import render
    from catalog_svc.stats.report import build_report, parse_period
    from catalog_svc.stats.repository import StatsRepository
    from servicekit.db import make_engine, make_sessionmaker

    engine = make_engine(url, pool_size=2)
    maker = make_sessionmaker(engine)
    async with engine.begin() as conn:
        await conn.execute(text("SET LOCAL work_mem = '256MB'"))
        for sql in REFERENCE_SQL:
            await conn.execute(text(sql))
        t0 = time.perf_counter()
        await conn.execute(text(DOSSIERS_SQL), {"n": n, "agencies": AGENCIES, "procs": PROCEDURES_PER_AGENCY})
        load = time.perf_counter() - t0
    async with engine.connect() as conn:
        await conn.execute(text("COMMIT"))
        await conn.execute(text("ANALYZE stats_dossiers"))
        await conn.execute(text("ANALYZE procedures"))
    print(f"generated {n:,} dossiers of 2026 in {load:.1f} s ({AGENCIES} agencies, "
          f"{AGENCIES * PROCEDURES_PER_AGENCY} procedures)")

    period = parse_period("2026-11")

    async def timed(label: str, agency: str | None) -> dict[str, object]:
        times, report = [], {}
        for _ in range(repeat):
            async with maker() as session:
                t = time.perf_counter()
                report = await build_report(session, period, agency)
                times.append(time.perf_counter() - t)
        totals = report["totals"]  # type: ignore[index]
        print(f"{label}: month report in {statistics.median(times) * 1000:.0f} ms median of {repeat} "
              f"(min {min(times) * 1000:.0f} ms); {totals['submitted']:,} submitted, "  # type: ignore[index]
              f"{totals['finished']:,} finished, {len(report['register']):,} rows in form 06, "  # type: ignore[arg-type]
              f"{len(report['procedures'])} procedures")  # type: ignore[arg-type]
        return report

    report = await timed("one agency (000.00.07.H19)", "000.00.07.H19")
    t = time.perf_counter()
    ods = render.to_ods(report)
    print(f"  ODS of that report: {len(ods) / 1024:.0f} KiB in {(time.perf_counter() - t) * 1000:.0f} ms")
    await timed("whole province", None)
    from catalog_svc.stats.scoreboard import build_scoreboard, scoreboard_csv

    board_times: list[float] = []
    for _ in range(repeat):
        async with maker() as session:
            t = time.perf_counter()
            board = await build_scoreboard(session, period, None)
            board_times.append(time.perf_counter() - t)
    print(f"public scoreboard (every agency, rolled up the tree): {statistics.median(board_times) * 1000:.0f} ms "
          f"median of {repeat}; {len(board['agencies'])} units, CSV {len(scoreboard_csv(board)) / 1024:.0f} KiB")
    async with maker() as session:
        t = time.perf_counter()
        figures = await StatsRepository(session).procedure_figures(
            "1.000003.000.00.07.H19", period.start)
        print(f"public figures of one procedure: {(time.perf_counter() - t) * 1000:.1f} ms {figures}")
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from devkit import devstack

    with devstack.scratch_database(ROOT / "migrations", prefix="dvc-stats-bench-") as url:
        asyncio.run(run(url, args.dossiers, args.repeat))


if __name__ == "__main__":
    main()
