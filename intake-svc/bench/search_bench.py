"""Officer search at province scale: ``--dossiers`` (2,000,000 by default) in intake's own schema, then
the typical searches of a desk, a department and an inspector, and the public tracking page's read, timed
through intake-svc's real HTTP code path (``make bench``'s growth row runs it at 10,000 and at 2,000,000).

    python intake-svc/bench/search_bench.py --dossiers 2000000

Starts its own PostgreSQL (devkit.devstack.Postgres, in a temporary folder), migrates intake-svc's
database, generates the dossiers in SQL (generate_series; the migration's indexes are dropped for the load
and rebuilt from their own definitions afterwards; intake_0012's trigger writes the names' pairs of the one INSERT
as of any other), VACUUM ANALYZEs, then runs the intake app in-process
(no socket: httpx over ASGI, with a real token) and calls GET /api/v1/dossiers with each kind of search,
reporting p50/p95 per kind and over all. Each kind's SQL is captured from the app's engine and EXPLAIN
ANALYZEd: a sequential scan of ``dossiers`` fails the run.

Data: 200 agencies, the largest holding ~7 % (about 140,000 of 2,000,000); three years of dossiers before
the bench's "now" (01/12/2026 10:00), most finished, the recent ones open, ~1 % of older ones overdue;
applicants' Vietnamese names drawn from common family, middle and given names (so a full name is shared by a
few hundred dossiers of the province), 1.5 million distinct CCCDs.
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

FAMILY = ["Nguyễn"] * 38 + ["Trần"] * 11 + ["Lê"] * 9 + ["Phạm"] * 7 + ["Hoàng"] * 5 + ["Huỳnh"] * 5 + [
    "Phan", "Phan", "Phan", "Vũ", "Vũ", "Võ", "Võ", "Đặng", "Đặng", "Bùi", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý",
    "Trịnh", "Đinh", "Lâm", "Mai", "Tạ", "Châu", "Lương", "Cao"]
MIDDLE = ["Văn"] * 6 + ["Thị"] * 6 + ["Hữu", "Minh", "Thanh", "Ngọc", "Đức", "Quốc", "Hoài", "Xuân", "Kim", "Thu",
                                       "Bảo", "Gia", "Anh", "Thành", "Công", "Mỹ", "Phương", "Tuấn"]
GIVEN = ["An", "Anh", "Bình", "Bảo", "Châu", "Cường", "Dũng", "Duy", "Đạt", "Giang", "Hà", "Hải", "Hạnh", "Hiếu",
         "Hoa", "Hòa", "Hùng", "Hương", "Huy", "Khánh", "Khoa", "Lan", "Linh", "Long", "Mai", "Minh", "My", "Nam",
         "Nga", "Ngọc", "Nhung", "Phong", "Phúc", "Phương", "Quân", "Quang", "Sơn", "Tâm", "Thảo", "Thắng", "Thủy",
         "Trang", "Trinh", "Trung", "Tuấn", "Tùng", "Uyên", "Việt", "Vy", "Yến"]
STATUSES_OLD = ["returned"] * 86 + ["withdrawn"] * 3 + ["refused"] * 3 + ["rejected"] * 4 + ["result_ready"] * 3 + [
    "processing"]
STATUSES_NEW = ["submitted"] * 15 + ["accepted"] * 25 + ["processing"] * 45 + ["result_ready"] * 10 + [
    "supplement_requested"] * 5
NATIONAL = {"submitted": 1, "accepted": 2, "refused": 3, "processing": 4, "supplement_requested": 5, "withdrawn": 7,
            "rejected": 8, "result_ready": 9, "returned": 10}


def _arr(values: list[str]) -> str:
    return "ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def dossiers_sql() -> str:
    """One INSERT … SELECT over generate_series: no Python loop, minutes for 2 million rows."""
    national = "CASE s.status " + " ".join(f"WHEN '{k}' THEN {v}" for k, v in NATIONAL.items()) + " END"
    snapshot = json.dumps({
        "processing_time": {"value": 10, "unit": "working_days"}, "fee_timing": "acceptance", "interagency": [],
        "documents": [{"code": f"TP{i}", "name": f"Thành phần hồ sơ số {i} theo quy định", "copies": 1,
                       "original": i == 1, "required": True} for i in range(1, 5)],
        "fees": [{"name": "Lệ phí", "amount": 50000}]}, ensure_ascii=False)
    return f"""
INSERT INTO dossiers (id, code, procedure_code, procedure_name, procedure_revision, level, procedure, agency_code,
    owner_id, applicant, form_data, return_method, channel, status, national_status, submitted_at, received_at,
    due_at, completed_at, returned_at, supplement_round, waiting_seconds, version, fees_paid, fee_lines,
    payment_pending)
SELECT gen_random_uuid(), s.agency || '-' || to_char(s.sub AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYMMDD') || '-'
           || lpad(s.g::text, 7, '0'),
       format('1.%s.000.%s', lpad((s.a * 20 + s.p)::text, 6, '0'), s.agency), 'Thủ tục số ' || s.p, 1, 3,
       '{snapshot}'::jsonb, s.agency, CASE WHEN s.channel = 'online' THEN 'citizen-' || (s.g % 1500000) END,
       jsonb_build_object('full_name', s.name, 'id_number', lpad((75000000000 + s.g % 1500000)::text, 12, '0'),
                          'phone', CASE WHEN s.g % 3 = 0 THEN '+849' ELSE '09' END
                                   || lpad(((s.g % 1500000)::bigint * 7919 % 100000000)::text, 8, '0'),
                          'email', NULL, 'address', 'Khu phố ' || (s.g % 9 + 1) || ', Biên Hòa, Đồng Nai',
                          'type', 'citizen'),
       '{{"muc_dich": "Thử tải"}}'::jsonb, 'counter', s.channel, s.status, {national}, s.sub,
       CASE WHEN s.status NOT IN ('submitted', 'refused', 'supplement_requested') THEN s.sub + interval '2 hours' END,
       CASE WHEN s.status NOT IN ('submitted', 'refused', 'supplement_requested')
            THEN s.sub + interval '2 hours' + interval '14 days' END,
       CASE WHEN s.status IN ('returned', 'rejected', 'result_ready') THEN s.sub + s.r * interval '20 days' END,
       CASE WHEN s.status = 'returned' THEN s.sub + s.r * interval '20 days' + interval '1 day' END,
       0, 0, 1, 0, '[]'::jsonb, false
FROM (
    SELECT g, a, 1 + (g / {AGENCIES}) % 20 AS p, r,
           format('000.%s.%s.H19', lpad((a / 100)::text, 2, '0'), lpad((a % 100)::text, 2, '0')) AS agency,
           timestamptz '{NOW.isoformat()}' - age AS sub,
           CASE WHEN g % 10 < 6 THEN 'online' WHEN g % 10 < 9 THEN 'counter' ELSE 'postal' END AS channel,
           CASE WHEN age < interval '20 days'
                THEN ({_arr(STATUSES_NEW)})[1 + (g * 31 % {len(STATUSES_NEW)})]
                ELSE ({_arr(STATUSES_OLD)})[1 + (g * 37 % {len(STATUSES_OLD)})] END AS status,
           ({_arr(FAMILY)})[1 + (g * 7 % {len(FAMILY)})] || ' ' || ({_arr(MIDDLE)})[1 + (g * 11 % {len(MIDDLE)})]
               || ' ' || ({_arr(GIVEN)})[1 + (g * 13 % {len(GIVEN)})] AS name
    FROM (SELECT g, floor({AGENCIES} * power(random(), 2))::int AS a, random() AS r,
                 random() * interval '1095 days' AS age
          FROM generate_series(1, :n) g) base
) s
"""


async def load(url: str, n: int) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        held = await conn.fetchval("SELECT count(*) FROM dossiers")
        if held == n:  # kept from an earlier run (--keep), migrated on to the head since: statistics afresh
            await conn.execute("ANALYZE dossiers")
            # a migration may have just filled the names' pairs (intake_0012): their visibility map too, else
            # every count reads the table
            await conn.execute("VACUUM ANALYZE dossier_name_pairs")
            print(f"reusing the {n:,} dossiers kept from an earlier run")
            return
        if held:
            raise SystemExit(f"the kept database holds {held:,} dossiers, not {n:,}: remove its folder first")
        await conn.execute("SET maintenance_work_mem = '1GB'; SET work_mem = '256MB'")
        indexes = await conn.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('dossiers', 'dossier_name_pairs') "
            "AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE contype = 'p')")
        for row in indexes:
            constraint = await conn.fetchval("SELECT conname FROM pg_constraint WHERE conname = $1", row["indexname"])
            await conn.execute(f'ALTER TABLE dossiers DROP CONSTRAINT "{constraint}"' if constraint
                               else f'DROP INDEX "{row["indexname"]}"')
        t0 = time.perf_counter()
        await conn.execute(dossiers_sql().replace(":n", str(n)))
        t1 = time.perf_counter()
        for row in indexes:
            await conn.execute(row["indexdef"])
        t2 = time.perf_counter()
        await conn.execute("VACUUM ANALYZE dossiers")
        await conn.execute("VACUUM ANALYZE dossier_name_pairs")
        size = await conn.fetchval("SELECT pg_size_pretty(pg_total_relation_size('dossiers'))")
        pairs = await conn.fetchval("SELECT pg_size_pretty(pg_total_relation_size('dossier_name_pairs'))")
        print(f"generated {n:,} dossiers in {t1 - t0:.0f} s, rebuilt {len(indexes)} indexes of the migration in "
              f"{t2 - t1:.0f} s, VACUUM ANALYZE in {time.perf_counter() - t2:.0f} s; table with indexes {size}, "
              f"the names' pairs {pairs}")
    finally:
        await conn.close()


async def samples(url: str) -> dict[str, Any]:
    """Real values to search for: agencies by size, and names, CCCDs, phones and codes of existing dossiers."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        agencies = [r["agency_code"] for r in await conn.fetch(
            "SELECT agency_code, count(*) FROM dossiers GROUP BY 1 ORDER BY 2 DESC")]
        rows = await conn.fetch(
            "SELECT code, agency_code, applicant->>'full_name' AS name, applicant_id_number AS cccd,"
            " applicant->>'phone' AS phone FROM dossiers TABLESAMPLE SYSTEM (0.5) LIMIT 2000")
        return {"agencies": agencies, "rows": [dict(r) for r in rows]}
    finally:
        await conn.close()


async def run(url: str, repeat: int, show_plans: bool = False) -> dict[str, Any]:
    import logging

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    from devkit.benchkit import explain_plans, time_kinds
    from devkit.testing import Tokens, running
    from intake_svc.app import create_app
    from intake_svc.settings import Settings
    from servicekit.vntext import fold

    logging.disable(logging.INFO)  # the app logs every request: keep the report readable
    found = await samples(url)
    agencies, rows = found["agencies"], found["rows"]
    biggest, median = agencies[0], agencies[len(agencies) // 2]
    tmp = Path(tempfile.mkdtemp(prefix="dvc-search-bench-"))
    key = Ed25519PrivateKey.generate()
    (tmp / "pub.pem").write_bytes(key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo))
    tokens = Tokens(key, tmp / "pub.pem")
    settings = Settings(database_url=url, nats_url="nats://127.0.0.1:1", auth_public_key_file=str(tmp / "pub.pem"),
                        storage_dir=str(tmp / "files"), catalog_url="http://catalog.invalid", run_background=False)
    app = create_app(settings, clock=lambda: NOW)
    rnd = random.Random(13)

    def officer(agency: str, role: str = "reception") -> dict[str, str]:
        return tokens.header(sub=f"{role}-{agency}", roles=(role,), agency_code=agency, name="Cán bộ thử tải",
                             ttl=3600)

    auditor = tokens.header(sub="inspector", roles=("auditor",), agency_code="000.00.00.H19", name="Thanh tra",
                            ttl=3600)
    in_biggest = [r for r in rows if r["agency_code"] == biggest] or rows

    def pick(agency_rows: list[dict[str, Any]]) -> dict[str, Any]:
        return rnd.choice(agency_rows)

    kinds: list[tuple[str, Any]] = [
        ("desk list, largest agency (newest first)", lambda: (officer(biggest), {})),
        ("desk queue: status=submitted, sort=submitted_at", lambda: (
            officer(biggest), {"status": "submitted", "sort": "submitted_at"})),
        ("desk queue: reception_overdue=true (8 working hours)", lambda: (
            officer(biggest), {"status": "submitted", "reception_overdue": "true", "sort": "submitted_at"})),
        ("name without diacritics (full name)", lambda: (officer(biggest), {"q": fold(pick(in_biggest)["name"])})),
        ("name, family + given only ('nguyen van')", lambda: (officer(biggest), {"q": "nguyen van"})),
        ("CCCD", lambda: (officer(biggest), {"q": pick(in_biggest)["cccd"]})),
        ("phone", lambda: (officer(biggest), {"q": pick(in_biggest)["phone"]})),
        ("code", lambda: (officer(biggest), {"q": pick(in_biggest)["code"]})),
        ("overdue=true, sort=due_at", lambda: (officer(biggest, "leader"), {"overdue": "true", "sort": "due_at"})),
        ("due_within=3 working days", lambda: (officer(biggest, "specialist"), {"due_within": 3, "sort": "due_at"})),
        ("received last week, sort=-received_at", lambda: (
            officer(biggest), {"received_from": "2026-11-23", "received_to": "2026-11-29", "sort": "-received_at"})),
        ("procedure + status + channel", lambda: (officer(biggest), {
            "procedure_code": f"1.{rnd.randint(1, 20):06d}.000.{biggest}", "status": "returned",
            "channel": "counter"})),
        ("median agency, due_before + sort=due_at", lambda: (
            officer(median), {"due_before": "2026-12-10", "sort": "due_at"})),
        ("page 10 of the largest agency's list", lambda: (officer(biggest), {"page": 10})),
        ("auditor (province): CCCD", lambda: (auditor, {"q": pick(rows)["cccd"]})),
        ("auditor (province): full name", lambda: (auditor, {"q": fold(pick(rows)["name"])})),
        ("auditor (province): overdue", lambda: (auditor, {"overdue": "true", "sort": "due_at"})),
        ("tracking (public, by code)", lambda: ({}, {}, f"/api/v1/tracking/{pick(rows)['code']}")),
    ]
    try:
        async with running(app) as client:
            results = await time_kinds(client, app.state.engine, kinds, path="/api/v1/dossiers", repeat=repeat,
                                       table="FROM dossiers", noun="matching")
        print(f"all searches: {results['all']['requests']} requests, p50 {results['all']['p50_ms']:.1f} ms, "
              f"p95 {results['all']['p95_ms']:.1f} ms (target p95 ≤ 50 ms)")
        print("EXPLAIN ANALYZE of each kind's queries (count, page): the indexes used")
        results["plans"] = await explain_plans(url, results["plans"], table="dossiers", show=show_plans)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=40, help="requests per kind of search")
    parser.add_argument("--json", type=Path, help="also write the results there")
    parser.add_argument("--shared-buffers", default="2GB", help=(
        "PostgreSQL's shared_buffers: 2GB as deploy/k8s/overlays/large gives a province of this size; "
        "128MB is the scratch server's own"))
    parser.add_argument("--plans", action="store_true", help="print each kind's EXPLAIN ANALYZE in full")
    parser.add_argument("--keep", type=Path, help=(
        "keep the database in this folder and reuse its dossiers next time (loaded again only if their number "
        "differs; new migrations are applied to them)"))
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from devkit import devstack

    with devstack.scratch_database(ROOT / "migrations", prefix="dvc-search-bench-", keep=args.keep,
                                   settings={"shared_buffers": args.shared_buffers}) as url:
        asyncio.run(load(url, args.dossiers))
        results = asyncio.run(run(url, args.repeat, args.plans))
        if args.json:
            args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
