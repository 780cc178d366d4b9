"""``make bench``: measured on this machine, reported as ratios within one run.

1. The gateway's throughput and added p50 latency against calling the service directly
   (GET /api/v1/catalog/procedures/{code}, a small JSON document served by catalog-svc).
2. Dossier submission through the gateway: throughput and p95 (upload two files, then submit).
3. XML-DSig build+sign and verify (interop-svc).
4. Statistics: a month's report over a generated year of dossiers (2 million by default).
5. Officer search (GET /api/v1/dossiers through intake-svc's code) over 2 million dossiers: p50/p95 per kind
   of search, with the indexes each one uses (intake-svc/bench/search_bench.py).
Also catalog search through the gateway with 10,000 procedures loaded (catalog-svc/bench/search_bench.py),
and the portal's home, search and procedure pages: p95 TTFB at 32 visitors and page weight
(portal/bench/pages_bench.py).

The platform is started exactly as ``make run`` does (real PostgreSQL, NATS and service processes);
the load generator is an aiohttp client in this process. Results go to stdout and .data/bench/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "libs" / "servicekit" / "src"))

from devkit import devstack  # noqa: E402
from devkit.stackrun import Platform  # noqa: E402

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
LLTP = "2.000488.000.00.15.H19"  # Cấp Phiếu lý lịch tư pháp (level 4, TP1 and TP2 required)


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


async def load(url: str, *, seconds: float, concurrency: int, headers: dict[str, str] | None = None) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def worker() -> None:
            nonlocal errors
            while time.monotonic() < deadline:
                t0 = time.perf_counter()
                async with session.get(url) as r:
                    await r.read()
                    if r.status != 200:
                        errors += 1
                latencies.append(time.perf_counter() - t0)

        # warm-up
        for _ in range(50):
            async with session.get(url) as r:
                await r.read()
        start = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.monotonic() - start
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": pct(latencies, 50) * 1000,
        "p99_ms": pct(latencies, 99) * 1000,
        "errors": errors,
    }


async def submissions(base: str, *, count: int, concurrency: int) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{base}/api/v1/auth/token",
            data={"grant_type": "password", "username": "congdan1", "password": "CongDan@2026"},
        ) as r:
            token = (await r.json())["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        latencies: list[float] = []
        errors: list[str] = []
        sem = asyncio.Semaphore(concurrency)

        async def upload(content: bytes) -> str:
            form = aiohttp.FormData()
            form.add_field("file", content, filename="giay-to.pdf", content_type="application/pdf")
            async with session.post(f"{base}/api/v1/files", data=form, headers=auth) as r:
                return str((await r.json())["id"])

        async def one() -> None:
            async with sem:
                t0 = time.perf_counter()
                tp1 = await upload(PDF + uuid.uuid4().hex.encode())
                tp2 = await upload(PDF + uuid.uuid4().hex.encode())
                body = {
                    "procedure_code": LLTP,
                    "return_method": "counter",
                    "applicant": {
                        "full_name": "Nguyễn Thị Lan",
                        "id_number": "075190001234",
                        "phone": "0912345678",
                        "email": "lan.nguyen@example.vn",
                        "address": "Biên Hòa, Đồng Nai",
                        "type": "citizen",
                    },
                    "form_data": {
                        "loai_phieu": "Phiếu lý lịch tư pháp số 1",
                        "muc_dich": "Xin việc",
                        "so_luong_phieu": 1,
                        "ngay_sinh": "1990-05-12",
                    },
                    "documents": [
                        {"requirement_code": "TP1", "file_id": tp1},
                        {"requirement_code": "TP2", "file_id": tp2},
                    ],
                }
                async with session.post(
                    f"{base}/api/v1/dossiers", json=body, headers={**auth, "Idempotency-Key": uuid.uuid4().hex}
                ) as r:
                    if r.status != 201:
                        errors.append(f"{r.status} {(await r.text())[:200]}")
                latencies.append(time.perf_counter() - t0)

        await one()  # warm-up (catalog cache)
        latencies.clear()
        start = time.monotonic()
        await asyncio.gather(*(one() for _ in range(count)))
        elapsed = time.monotonic() - start
    return {
        "dossiers": count,
        "per_second": count / elapsed,
        "p50_ms": pct(latencies, 50) * 1000,
        "p95_ms": pct(latencies, 95) * 1000,
        "errors": len(errors),
        "first_error": errors[:1],
    }


def load_bench(path: Path) -> Any:
    """A service's bench module (``<service>/bench/*.py``: not part of its installed package), by path."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def xml_bench() -> list[dict[str, Any]]:
    import dataclasses

    module = load_bench(ROOT / "interop-svc" / "bench" / "xml_bench.py")
    return [dataclasses.asdict(r) for r in module.bench_sign_verify(30)]


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--dossiers", type=int, default=300)
    parser.add_argument("--stats-dossiers", type=int, default=2_000_000)
    parser.add_argument("--procedures", type=int, default=10_000, help="catalog size for the search benchmark")
    parser.add_argument("--search-dossiers", type=int, default=2_000_000, help="dossiers for the officer search")
    args = parser.parse_args()
    out = ROOT / ".data" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    services = json.loads((ROOT / "deploy" / "services.json").read_text())
    port = devstack.free_port()
    os.environ["WORKFLOW_AUTO_FORWARD_AFTER"] = "6h"
    platform = Platform(Path(tempfile.mkdtemp(prefix="dvc-bench-")), services, demo=True, gateway_port=port)
    results: dict[str, Any] = {}
    try:
        env = platform.start()
        base = f"http://127.0.0.1:{port}"
        targets = [
            ("interop", "/interop/v1/schemas/", "a small JSON list, no database"),
            ("catalog", f"/api/v1/catalog/procedures/{LLTP}", "a procedure read from PostgreSQL"),
        ]
        results["gateway"] = []
        for svc, path, what in targets:
            upstream = env[f"DVC_{svc.upper()}_URL"]
            print(
                f"1/4 gateway vs direct: GET {path} ({what}), {args.concurrency} connections, "
                f"2 × {args.seconds}s each, interleaved"
            )
            runs: dict[str, list[dict[str, Any]]] = {"direct": [], "gateway": []}
            for _ in range(2):  # interleaved, so drift on a shared machine hits both alike
                runs["direct"].append(await load(upstream + path, seconds=args.seconds, concurrency=args.concurrency))
                runs["gateway"].append(await load(base + path, seconds=args.seconds, concurrency=args.concurrency))
            agg = {
                k: {
                    "rps": statistics.mean(r["rps"] for r in v),
                    "p50_ms": statistics.mean(r["p50_ms"] for r in v),
                    "p99_ms": statistics.mean(r["p99_ms"] for r in v),
                    "errors": sum(r["errors"] for r in v),
                }
                for k, v in runs.items()
            }
            row = {
                "path": path,
                **agg,
                "throughput_ratio": agg["gateway"]["rps"] / agg["direct"]["rps"],
                "added_p50_ms": agg["gateway"]["p50_ms"] - agg["direct"]["p50_ms"],
            }
            results["gateway"].append(row)
            for k in ("direct", "gateway"):
                print(
                    f"    {k:<8}{agg[k]['rps']:8.0f} req/s  p50 {agg[k]['p50_ms']:.2f} ms  "
                    f"p99 {agg[k]['p99_ms']:.2f} ms  errors {agg[k]['errors']}"
                )
            print(
                f"    ratio {row['throughput_ratio']:.0%} of direct; added p50 {row['added_p50_ms']:.2f} ms "
                "(target ≥ 50 %)"
            )
        search_bench = ROOT / "catalog-svc" / "bench" / "search_bench.py"
        if search_bench.exists():
            module = load_bench(search_bench)
            print(f"1b/4 catalog search through the gateway with {args.procedures:,} procedures loaded")
            search = await module.run(
                base, env["CATALOG_DATABASE_URL"], procedures=args.procedures, seconds=args.seconds, concurrency=16
            )
            results["catalog_search"] = search
            print(
                f"    {search['rps']:.0f} req/s  p50 {search['p50_ms']:.1f} ms  p95 {search['p95_ms']:.1f} ms  "
                f"errors {search['errors']} ({search['requests']} requests)"
            )
        pages_bench = ROOT / "portal" / "bench" / "pages_bench.py"
        if pages_bench.exists():
            import importlib.util

            spec = importlib.util.spec_from_file_location("pages_bench", pages_bench)
            assert spec and spec.loader
            pages = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(pages)
            print(f"1c/4 portal pages through the gateway: TTFB at {args.concurrency} concurrent visitors, "
                  f"{args.seconds}s each; first-visit weight")
            results["portal_pages"] = await pages.run(base, seconds=args.seconds, concurrency=args.concurrency)
            print(pages.report(results["portal_pages"]))
        print(f"2/4 dossier submission through the gateway: {args.dossiers} dossiers, 16 at a time")
        sub = await submissions(base, count=args.dossiers, concurrency=16)
        results["submission"] = sub
        print(
            f"    {sub['per_second']:.1f} dossiers/s  p50 {sub['p50_ms']:.0f} ms  p95 {sub['p95_ms']:.0f} ms "
            f"errors {sub['errors']} {sub['first_error']}"
        )
    finally:
        platform.stop()
        shutil.rmtree(platform.root, ignore_errors=True)
    print("3/4 XML-DSig (interop-svc)")
    rows = xml_bench()
    results["xml"] = rows
    for r in rows:
        print("    " + ", ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items()))
    stats_bench = ROOT / "catalog-svc" / "bench" / "stats_bench.py"
    if stats_bench.exists():
        print(f"4/4 statistics: a month's report over {args.stats_dossiers:,} dossiers")
        proc = subprocess.run(
            [sys.executable, str(stats_bench), "--dossiers", str(args.stats_dossiers)], capture_output=True, text=True
        )
        print("    " + (proc.stdout.strip() or proc.stderr.strip()[-2000:]).replace("\n", "\n    "))
        results["stats"] = proc.stdout
    else:
        print("4/4 statistics: catalog-svc/bench/stats_bench.py not present yet")
    print(f"5/5 officer search over {args.search_dossiers:,} dossiers (intake-svc)")
    search_json = out / "officer_search.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "intake-svc" / "bench" / "search_bench.py"), "--dossiers",
         str(args.search_dossiers), "--json", str(search_json)], capture_output=True, text=True
    )
    print("    " + (proc.stdout.strip() or proc.stderr.strip()[-2000:]).replace("\n", "\n    "))
    results["officer_search"] = json.loads(search_json.read_text()) if search_json.exists() else proc.stderr[-2000:]
    (out / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    print(f"\nresults: {out / 'results.json'}")


if __name__ == "__main__":
    asyncio.run(main())
