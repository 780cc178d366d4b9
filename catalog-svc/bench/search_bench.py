"""Catalog search at province scale: N generated procedures in the catalog database, then
``GET /api/v1/catalog/procedures?q=…`` through the gateway under load.

    python catalog-svc/bench/search_bench.py --gateway http://127.0.0.1:8000 \\
        --database postgresql://postgres@127.0.0.1:5432/catalog --procedures 10000

or, with no ``--gateway``/``--database``, it starts its own PostgreSQL and serves catalog-svc in-process
(uvicorn), which measures the service without the gateway.

The generated procedures are built in SQL (one INSERT … SELECT, no per-record loader) from the demo ones:
each is a demo procedure whose name gets a variant (``Cấp lại``, ``Điều chỉnh``, … and a commune or district
of Đồng Nai), with a bench code ``9.NNNNNN[.agency]``, the same body, and its revision 1 — so it is searched,
read and listed exactly like a real one. Running it again tops the catalog up to N; nothing is duplicated.
``tests/bench.py`` calls :func:`run` with the running platform's gateway URL and catalog database URL.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from devkit.benchkit import pct as _pct

ROOT = Path(__file__).resolve().parents[1]

PREFIXES = ["", "Cấp lại: ", "Điều chỉnh: ", "Gia hạn: ", "Thay đổi nội dung: ", "Hủy bỏ: ", "Bổ sung hồ sơ: ",
            "Xác nhận: "]
PLACES = [
    "thành phố Biên Hòa", "thành phố Long Khánh", "huyện Trảng Bom", "huyện Nhơn Trạch", "huyện Long Thành",
    "huyện Vĩnh Cửu", "huyện Định Quán", "huyện Tân Phú", "huyện Xuân Lộc", "huyện Cẩm Mỹ", "huyện Thống Nhất",
    "phường Tân Phong", "phường Trảng Dài", "phường Hố Nai", "phường Long Bình", "phường Tam Hiệp",
    "phường Bửu Long", "phường Quyết Thắng", "phường Thống Nhất", "phường Tân Hiệp", "xã Hóa An", "xã Tân Hạnh",
    "xã Phước Thiền", "xã Hiệp Phước", "xã Long Đức", "xã An Phước", "xã Bàu Hàm", "xã Sông Trầu",
    "xã Phú Lợi", "xã Xuân Thọ",
]

# Queries of citizens: with and without diacritics, in capitals, with a typo, short and long, names of places.
QUERIES = [
    "dang ky ket hon", "Đăng ký kết hôn", "ĐĂNG KÝ KHAI SINH", "dang ky khai tu", "giay phep xay dung",
    "giấy phép lái xe", "cap lai giay phep lai xe", "ly lich tu phap", "Lý lịch tư pháp", "ho kinh doanh",
    "thành lập hộ kinh doanh", "chung thuc ban sao", "chứng thực chữ ký", "tro cap that nghiep",
    "an toàn thực phẩm", "quyen su dung dat", "thế chấp quyền sử dụng đất", "thanh lap doanh nghiep",
    "công ty cổ phần", "giay phep moi truong", "karaoke", "chung chi hanh nghe duoc", "giấy phép lao động",
    "bien hoa", "Long Khánh", "trang bom", "gia han giay phep", "dang ky", "cấp giấy chứng nhận",
    "tinh trang hon nhan", "dang ky ket hn", "xuat ban ban tin", "ban sao van bang", "chuyen truong",
    "phu hieu xe o to", "1.000894",
]

_SEED_SQL = """
WITH demo AS (
    SELECT row_number() OVER (ORDER BY code) - 1 AS i, code, name, sector_code, agency_code, level, online_class,
           body
    FROM procedures WHERE code NOT LIKE '9.%'
), gen AS (
    SELECT g, d.*, CAST(:prefixes_json AS jsonb) ->> CAST((g / :demo_count) % :n_prefixes AS int) AS prefix,
           CAST(:places_json AS jsonb) ->> CAST((g / (:demo_count * :n_prefixes)) % :n_places AS int) AS place
    FROM generate_series(CAST(:first AS int), CAST(:last AS int)) g
    JOIN demo d ON d.i = g % CAST(:demo_count AS int)
), named AS (
    SELECT g, code, sector_code, agency_code, level, online_class, body,
           '9.' || lpad(g::text, 6, '0') || coalesce(substring(code FROM 9), '') AS new_code,
           CASE WHEN prefix = '' THEN name ELSE prefix || lower(left(name, 1)) || substr(name, 2) END
               || ' tại ' || place AS new_name
    FROM gen
)
INSERT INTO procedures (code, name, sector_code, agency_code, level, online_class, revision, body)
SELECT new_code, new_name, sector_code, agency_code, level, online_class, 1,
       body || jsonb_build_object('code', new_code, 'name', new_name, 'forms', '[]'::jsonb)
FROM named
ON CONFLICT (code) DO NOTHING
"""

_REVISIONS_SQL = """
INSERT INTO procedure_revisions (procedure_code, revision, body, changes, changed_by, changed_by_id, changed_by_name,
                                 note)
SELECT p.code, 1, p.body, jsonb_build_array(jsonb_build_object('field', 'name', 'old', NULL, 'new', p.name)),
       'bench', 'bench', 'Dữ liệu thử tải', 'Công bố thủ tục'
FROM procedures p
WHERE p.code LIKE '9.%' AND NOT EXISTS (
    SELECT 1 FROM procedure_revisions r WHERE r.procedure_code = p.code AND r.revision = 1)
"""


async def seed(catalog_database_url: str, procedures: int) -> int:
    """Tops the catalog up to ``procedures`` (demo ones included); returns how many it holds."""
    from sqlalchemy import text

    from catalog_svc.loader import load_demo
    from catalog_svc.models import load_all
    from servicekit.db import make_engine, make_sessionmaker

    load_all()
    engine = make_engine(catalog_database_url, pool_size=1)
    try:
        maker = make_sessionmaker(engine)
        async with maker() as session, session.begin():
            demo = await session.scalar(text("SELECT count(*) FROM procedures WHERE code NOT LIKE '9.%'"))
            if not demo:
                await load_demo(session)
                demo = await session.scalar(text("SELECT count(*) FROM procedures WHERE code NOT LIKE '9.%'"))
            have = await session.scalar(text("SELECT count(*) FROM procedures")) or 0
            wanted = procedures - have
            if wanted > 0:
                first = 1 + (await session.scalar(text(
                    "SELECT coalesce(max(substring(code FROM 3 FOR 6)::int), 0) FROM procedures "
                    "WHERE code LIKE '9.%'")) or 0)
                await session.execute(text(_SEED_SQL), {
                    "prefixes_json": json.dumps(PREFIXES, ensure_ascii=False), "n_prefixes": len(PREFIXES),
                    "places_json": json.dumps(PLACES, ensure_ascii=False), "n_places": len(PLACES),
                    "demo_count": demo, "first": first, "last": first + wanted - 1})
                await session.execute(text(_REVISIONS_SQL))
        async with engine.connect() as conn:
            await conn.execute(text("COMMIT"))
            # vacuumed now, so that autovacuum of the rows just written does not run during the measurement
            await conn.execute(text("VACUUM ANALYZE procedures"))
            await conn.execute(text("VACUUM ANALYZE procedure_revisions"))
            return int(await conn.scalar(text("SELECT count(*) FROM procedures")) or 0)
    finally:
        await engine.dispose()


async def measure(gateway_url: str, *, seconds: float, concurrency: int) -> dict[str, Any]:
    import aiohttp

    url = gateway_url.rstrip("/") + "/api/v1/catalog/procedures"
    latencies: list[float] = []
    errors = 0
    queries = itertools.cycle(QUERIES)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(q: str) -> tuple[float, bool]:
            t0 = time.perf_counter()
            try:
                async with session.get(url, params={"q": q}) as r:
                    await r.read()
                    ok = r.status == 200
            except aiohttp.ClientError:
                ok = False
            return time.perf_counter() - t0, ok

        for q in QUERIES:  # warm-up: connections, plans, caches
            await one(q)
        deadline = time.monotonic() + seconds

        async def worker() -> None:
            nonlocal errors
            while time.monotonic() < deadline:
                elapsed, ok = await one(next(queries))
                latencies.append(elapsed)
                errors += not ok

        start = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.monotonic() - start
    return {"requests": len(latencies), "rps": len(latencies) / wall, "p50_ms": _pct(latencies, 50) * 1000,
            "p95_ms": _pct(latencies, 95) * 1000, "errors": errors}


async def run(gateway_url: str, catalog_database_url: str, *, procedures: int = 10000, seconds: float = 8,
              concurrency: int = 16) -> dict[str, Any]:
    """Loads ``procedures`` procedures into the catalog database, then measures search through ``gateway_url``.

    Returns ``{procedures, requests, rps, p50_ms, p95_ms, errors}``.
    """
    count = await seed(catalog_database_url, procedures)
    return {"procedures": count, **await measure(gateway_url, seconds=seconds, concurrency=concurrency)}


def _standalone(args: argparse.Namespace) -> dict[str, Any]:
    """No platform given: own PostgreSQL, catalog-svc served by uvicorn in a subprocess (no gateway)."""
    import os
    import subprocess

    from devkit import devstack
    from servicekit.auth import ensure_signing_keys
    from servicekit.migrations import upgrade

    root = Path(tempfile.mkdtemp(prefix="dvc-search-bench-"))
    root.chmod(0o755)
    pg = devstack.Postgres(root / "pg", fast=True).start()
    nats = devstack.Nats(root / "nats").start()
    server = None
    try:
        devstack.create_database(pg.url(), "catalog")
        url = pg.url("catalog")
        upgrade(ROOT / "migrations", url)
        asyncio.run(seed(url, 0))  # the demo catalog first (the service would otherwise load it)
        port = devstack.free_port()
        _, public_key = ensure_signing_keys(root / "keys")
        env = {**os.environ, "CATALOG_DATABASE_URL": url, "CATALOG_PORT": str(port),
               "AUTH_PUBLIC_KEY_FILE": str(public_key), "NATS_URL": nats.url}
        server = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "catalog_svc.app:create_app",
                                   "--port", str(port), "--log-level", "warning"], env=env)
        devstack.wait_port(port, timeout=60)
        return asyncio.run(run(f"http://127.0.0.1:{port}", url, procedures=args.procedures, seconds=args.seconds,
                               concurrency=args.concurrency))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        nats.stop()
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gateway", help="the platform's gateway, e.g. http://127.0.0.1:8000")
    parser.add_argument("--database", help="catalog-svc's database URL (postgresql://…)")
    parser.add_argument("--procedures", type=int, default=10000)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    if bool(args.gateway) != bool(args.database):
        parser.error("give both --gateway and --database, or neither")
    if args.gateway:
        result = asyncio.run(run(args.gateway, args.database, procedures=args.procedures, seconds=args.seconds,
                                 concurrency=args.concurrency))
    else:
        result = _standalone(args)
    print(f"catalog search, {result['procedures']:,} procedures, {args.concurrency} connections, "
          f"{args.seconds:g} s: {result['rps']:.0f} req/s  p50 {result['p50_ms']:.1f} ms  "
          f"p95 {result['p95_ms']:.1f} ms  errors {result['errors']} ({result['requests']} requests)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
