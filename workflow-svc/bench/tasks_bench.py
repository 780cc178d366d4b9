"""The officers' task lists at province scale: ``--dossiers`` (2,000,000 by default) in workflow-svc's own table,
then ``GET /api/v1/workflow/tasks`` timed through the service's real HTTP code path, as the console asks it.

    python workflow-svc/bench/tasks_bench.py --dossiers 2000000

Starts its own PostgreSQL (devkit.devstack, a temporary folder), migrates workflow-svc's database, generates
the dossiers in SQL (generate_series; the migration's indexes dropped for the load and rebuilt afterwards),
VACUUM ANALYZEs, runs the workflow app in-process (httpx over ASGI, real tokens) and reports p50/p95 per kind
of list: a specialist's "all", "mine" and "not yet claimed", a leader's, a reception desk's, page 10. Each kind's
SQL is EXPLAIN ANALYZEd: a sequential scan of ``workflow_dossiers`` fails the run.

Data: 200 agencies, the largest holding ~7 %; three years of dossiers, ~92 % finished; the active ones spread
over the reception, specialist and leader steps (and hand-offs to another agency), most specialist tasks
claimed by one of 30 officers of their agency.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from contracts.vocabulary import VN_TZ as VN

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=VN)
AGENCIES = 200
OFFICERS = 30


def dossiers_sql() -> str:
    agency = "format('000.%s.%s.H19', lpad((a / 100)::text, 2, '0'), lpad((a % 100)::text, 2, '0'))"
    return f"""
INSERT INTO workflow_dossiers (code, procedure_code, procedure_name, agency_code, applicant_name, definition_code,
    definition_version, definition, status, step, step_role, step_agency, step_seq, step_entered_at, step_due_at,
    assignee_id, assignee_name, received_at, due_at, original_due_at, finished_at, overdue, draft_documents,
    interagency, supplement_rounds, version)
SELECT s.agency || '-' || to_char(s.recv AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYMMDD') || '-' || lpad(s.g::text, 7, '0'),
       format('1.%s.000.%s', lpad((s.a * 20 + s.g % 20)::text, 6, '0'), s.agency), 'Thủ tục số ' || (s.g % 20),
       s.agency, 'Người nộp ' || s.g, 'default', 1, '{{}}'::jsonb,
       CASE WHEN s.active THEN 'active' WHEN s.g % 25 = 0 THEN 'rejected' ELSE 'result_ready' END,
       CASE WHEN NOT s.active THEN 'result' ELSE s.step END,
       CASE WHEN NOT s.active THEN 'reception' WHEN s.step = 'interagency' THEN 'specialist' ELSE s.step END,
       CASE WHEN s.step = 'interagency' AND s.active
            THEN format('000.%s.%s.H19', lpad(((s.a + 7) % {AGENCIES} / 100)::text, 2, '0'),
                        lpad(((s.a + 7) % {AGENCIES} % 100)::text, 2, '0'))
            ELSE s.agency END,
       3, s.recv + interval '1 day', s.recv + interval '1 day' + (s.g % 9) * interval '1 day',
       CASE WHEN s.active AND s.step = 'specialist' AND (s.g / 10) % 10 < 7
            THEN 'specialist-' || s.agency || '-' || ((s.g / 100) % {OFFICERS})
            WHEN s.active AND s.step = 'leader' AND (s.g / 10) % 10 < 3 THEN 'leader-' || s.agency END,
       NULL, s.recv, s.recv + interval '14 days', s.recv + interval '14 days',
       CASE WHEN NOT s.active THEN s.recv + interval '10 days' END,
       s.active AND s.recv + interval '14 days' < timestamptz '{NOW.isoformat()}', '[]'::jsonb, '[]'::jsonb, 0, 1
FROM (
    SELECT g, a, {agency} AS agency, timestamptz '{NOW.isoformat()}' - age AS recv, age < interval '30 days' AS active,
           (ARRAY['reception', 'specialist', 'specialist', 'specialist', 'specialist', 'specialist', 'leader',
                  'leader', 'leader', 'interagency'])[1 + g % 10] AS step
    FROM (SELECT g, floor({AGENCIES} * power(random(), 2))::int AS a, random() * interval '1095 days' AS age
          FROM generate_series(1, :n) g) base
) s
"""


async def load(url: str, n: int) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute("SET maintenance_work_mem = '1GB'; SET work_mem = '256MB'")
        indexes = await conn.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'workflow_dossiers' AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE contype = 'p')")
        for row in indexes:
            await conn.execute(f'DROP INDEX "{row["indexname"]}"')
        t0 = time.perf_counter()
        await conn.execute(dossiers_sql().replace(":n", str(n)))
        t1 = time.perf_counter()
        for row in indexes:
            await conn.execute(row["indexdef"])
        await conn.execute("VACUUM ANALYZE workflow_dossiers")
        active = await conn.fetchval("SELECT count(*) FROM workflow_dossiers WHERE status = 'active'")
        print(f"generated {n:,} dossiers ({active:,} active) in {t1 - t0:.0f} s, rebuilt {len(indexes)} indexes "
              f"and analyzed in {time.perf_counter() - t1:.0f} s")
    finally:
        await conn.close()


async def run(url: str, repeat: int) -> dict[str, Any]:
    import logging

    import asyncpg
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    from devkit.benchkit import explain_plans, time_kinds
    from devkit.testing import Tokens, running
    from workflow_svc.app import create_app
    from workflow_svc.settings import Settings

    logging.disable(logging.INFO)
    conn = await asyncpg.connect(url)
    biggest = await conn.fetchval("SELECT agency_code FROM workflow_dossiers GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
    await conn.close()
    tmp = Path(tempfile.mkdtemp(prefix="dvc-tasks-bench-"))
    key = Ed25519PrivateKey.generate()
    (tmp / "pub.pem").write_bytes(key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo))
    tokens = Tokens(key, tmp / "pub.pem")
    settings = Settings(database_url=url, nats_url="nats://127.0.0.1:1", auth_public_key_file=str(tmp / "pub.pem"),
                        run_background=False, run_timers=False)
    app = create_app(settings)
    rnd = random.Random(7)

    def officer(role: str, sub: str) -> dict[str, str]:
        return tokens.header(sub=sub, roles=(role,), agency_code=biggest, name="Cán bộ thử tải", ttl=3600)

    def specialist() -> dict[str, str]:
        return officer("specialist", f"specialist-{biggest}-{rnd.randrange(OFFICERS)}")

    kinds: list[tuple[str, Any]] = [
        ("specialist: all (mine and unclaimed)", lambda: (specialist(), {})),
        ("specialist: mine (assigned=me)", lambda: (specialist(), {"assigned": "me"})),
        ("specialist: not yet claimed (assigned=none)", lambda: (specialist(), {"assigned": "none"})),
        ("leader: all", lambda: (officer("leader", f"leader-{biggest}"), {})),
        ("reception: all", lambda: (officer("reception", f"reception-{biggest}"), {})),
        ("specialist: page 10 of unclaimed", lambda: (specialist(), {"assigned": "none", "page": 10})),
    ]
    try:
        async with running(app) as client:
            results = await time_kinds(client, app.state.engine, kinds, path="/api/v1/workflow/tasks",
                                       repeat=repeat, table="workflow_dossiers", noun="tasks", width=45)
        print(f"all task lists: {results['all']['requests']} requests, p50 {results['all']['p50_ms']:.1f} ms, "
              f"p95 {results['all']['p95_ms']:.1f} ms (target p95 ≤ 150 ms)")
        results["plans"] = await explain_plans(url, results["plans"], table="workflow_dossiers", width=45)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=40, help="requests per kind of list")
    parser.add_argument("--json", type=Path, help="also write the results there")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from devkit import devstack

    with devstack.scratch_database(ROOT / "migrations", prefix="dvc-tasks-bench-") as url:
        asyncio.run(load(url, args.dossiers))
        results = asyncio.run(run(url, args.repeat))
        if args.json:
            args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
