"""``make bench``: measured on this machine, every figure printed beside a same-run anchor.

The platform is started exactly as ``make run`` does (real PostgreSQL, NATS and service processes). HTTP load
comes from a separate process: Debian's ``wrk`` (``make bench`` installs it when root with apt; one thread,
so it takes one core's share at most, like one service), or, without it, several Python load processes. The
anchor is a bare FastAPI endpoint served the same way as the services (tests/bench_anchor.py), measured with
the same generator in the same run: each row prints its share of the anchor, since absolute figures drift on a
shared machine.

Rows (``make bench ONLY=search,procedure`` runs some of them; ``--list`` names them):

- ``anchor``: the bare FastAPI endpoint; with ``search``, also at the search target's rate (below).
- ``gateway``: the gateway's throughput against calling catalog-svc directly (one procedure).
- ``search``: catalog search through the gateway with 10,000 procedures, repeated citizens' queries; then the
  same queries at the target's rate (``--search-rate``, 1,000 a second offered on a fixed schedule: the p95 a
  searcher sees at that throughput, where a closed loop's p95 is mostly its own queue, connections divided by
  throughput), beside the anchor at that rate (what the machine's load alone does to a p95); and the same
  queries made unique (a page number each) so that no cached answer serves them.
- ``procedure``: one procedure (≈5 KB JSON) through the gateway; then with ``If-None-Match`` (304).
- ``sectors``: ``/api/v1/catalog/sectors`` directly on catalog-svc.
- ``certificate``: ``/interop/v1/certificate`` directly on interop-svc.
- ``portal``: the portal's pages (portal/bench/pages_bench.py).
- ``submission``: 2 uploads + submit through the gateway from separate load processes; dossiers/s, p95, and
  how long the ``intake.dossier.submitted`` event takes to be processed by notify-svc and by the statistics
  (catalog-svc), from the submit's transaction to each consumer's inbox row (p95).
- ``idle``: CPU of each service process at rest over ``--idle-seconds`` (from /proc), after the load above.
- ``rss``: resident memory of each service at rest and its peak under the load rows (from /proc).
- ``feed``: a signed feed page of 500 dossiers, build+sign and verify (interop-svc/bench/xml_bench.py).
- ``stats``: a month's report over a generated year of dossiers (catalog-svc/bench/stats_bench.py).
- ``growth``: officer search and tracking at 10k and at 2M dossiers (intake-svc/bench/search_bench.py run at
  both sizes; p95 ratio per kind, target within 2×); the reception desk's queue is its "desk queue" kinds.
- ``tasks``: the officer console's task lists (``GET /api/v1/workflow/tasks`` through workflow-svc's code) over
  ``--tasks-dossiers`` (2 million) dossiers (workflow-svc/bench/tasks_bench.py; target p95 ≤ 150 ms).

Each figure says how its load was offered: ``closed loop`` (each connection sends again as soon as it is answered:
the most it serves) or ``offered N/s`` (paced; the share of requests that left late, when the generator or every
connection was behind, is printed since their wait is not in the latency), with its connections and the load
average (``/proc/loadavg``) when it ended.

Results: stdout and ``.data/bench/results.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "libs" / "servicekit" / "src"))

from devkit import devstack  # noqa: E402
from devkit.benchkit import pct  # noqa: E402
from devkit.stackrun import Platform  # noqa: E402

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\nstartxref\n0\n%%EOF\n"
LLTP = "2.000488.000.00.15.H19"  # Cấp Phiếu lý lịch tư pháp (level 4, TP1 and TP2 required)
ROWS = ["anchor", "gateway", "search", "procedure", "sectors", "certificate", "portal", "submission", "idle", "rss",
        "feed", "stats", "growth", "tasks", "telemetry"]
WRK = shutil.which("wrk")


# ---------------------------------------------------------------- load generation (a separate process)


def wrk_load(url: str, *, seconds: float, connections: int, paths: list[str] | None = None,
             headers: dict[str, str] | None = None, rate: float | None = None) -> dict[str, Any]:
    """``wrk -t1``: one generator thread; ``paths`` are cycled (each request the next one). ``rate``: requests
    offered per second on a fixed schedule (tests/bench_wrk.lua; Debian's wrk 4 has no ``-R``), else each
    connection sends again as soon as it is answered (a closed loop: the figure is the most it serves)."""
    assert WRK is not None
    args = [WRK, "-t1", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s", "-s",
            str(ROOT / "tests" / "bench_wrk.lua"), url, "--", *(paths or []),
            *(f"H:{k}: {v}" for k, v in (headers or {}).items()), *([f"R:{rate:g}"] if rate else [])]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    found = re.search(r"^WRKJSON (.*)$", out, re.M)
    if found is None:
        raise RuntimeError(f"wrk printed no summary: {out[-500:]}")
    raw = json.loads(found.group(1))
    return {"generator": "wrk", "connections": connections, "offered_rps": rate, "requests": raw["requests"],
            "rps": raw["requests"] / (raw["duration_us"] / 1e6), "p50_ms": raw["p50_us"] / 1000,
            "p95_ms": raw["p95_us"] / 1000, "p99_ms": raw["p99_us"] / 1000, "max_ms": raw["max_us"] / 1000,
            "late_share": raw["late"] / raw["paced"] if raw["paced"] else None,
            "errors": raw["socket_errors"] + raw["status_errors"]}


async def _py_worker(url: str, paths: list[str], seconds: float, connections: int,
                     headers: dict[str, str], rate: float | None = None) -> dict[str, Any]:
    """``rate``: each request waits for the next slot of a fixed schedule (as tests/bench_wrk.lua does)."""
    latencies: list[float] = []
    errors = 0
    late = 0
    slot = time.monotonic()
    base = url.split("/", 3)
    origin = "/".join(base[:3])
    targets = [origin + p for p in paths] if paths else [url]
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections), headers=headers) as s:
        deadline = time.monotonic() + seconds

        async def worker(offset: int) -> None:
            nonlocal errors, late, slot
            i = offset
            while time.monotonic() < deadline:
                if rate:
                    due, slot = slot, slot + 1 / rate
                    wait = due - time.monotonic()
                    late += wait < -0.002
                    if wait > 0:
                        await asyncio.sleep(wait)
                t0 = time.perf_counter()
                try:
                    async with s.get(targets[i % len(targets)]) as r:
                        await r.read()
                        errors += r.status >= 400
                except aiohttp.ClientError:
                    errors += 1
                latencies.append(time.perf_counter() - t0)
                i += 1

        await asyncio.gather(*(worker(i) for i in range(connections)))
    return {"latencies": latencies, "errors": errors, "seconds": seconds, "late": late}


def py_load(url: str, *, seconds: float, connections: int, paths: list[str] | None = None,
            headers: dict[str, str] | None = None, rate: float | None = None, processes: int = 2) -> dict[str, Any]:
    """No wrk: ``processes`` Python load processes (this file's ``_load`` command), results merged."""
    spec = json.dumps({"url": url, "paths": paths or [], "seconds": seconds, "rate": rate / processes if rate else None,
                       "connections": max(1, connections // processes), "headers": headers or {}})
    procs = [subprocess.Popen([sys.executable, __file__, "_load", spec], stdout=subprocess.PIPE, text=True)
             for _ in range(processes)]
    parts = [json.loads(p.communicate()[0]) for p in procs]
    latencies = [x for part in parts for x in part["latencies"]]
    return {"generator": f"python×{processes}", "connections": connections, "offered_rps": rate,
            "requests": len(latencies), "rps": len(latencies) / seconds, "p50_ms": pct(latencies, 50) * 1000,
            "p95_ms": pct(latencies, 95) * 1000, "p99_ms": pct(latencies, 99) * 1000,
            "max_ms": max(latencies, default=0) * 1000,
            "late_share": sum(p["late"] for p in parts) / max(len(latencies), 1) if rate else None,
            "errors": sum(p["errors"] for p in parts)}


def http_load(url: str, *, seconds: float, connections: int, paths: list[str] | None = None,
              headers: dict[str, str] | None = None, warmup: bool = True, rate: float | None = None,
              cpu: dict[str, int] | None = None) -> dict[str, Any]:
    """The figure; with ``cpu`` (name → pid of each process the request goes through), also the CPU time each
    of them spent per request (``cpu_ms``) and what that allows on two free cores (``capacity_rps``)."""
    if warmup:  # connections, plans, caches
        (wrk_load if WRK else py_load)(url, seconds=1, connections=4, paths=paths, headers=headers)
    meter = CpuMeter(cpu or {})
    before = meter.sample()
    result = (wrk_load if WRK else py_load)(url, seconds=seconds, connections=connections, paths=paths,
                                            headers=headers, rate=rate)
    result["load_avg"] = os.getloadavg()[0]
    if cpu:
        result["cpu_ms"] = meter.per_request(before, meter.sample(), result["requests"])
        result["capacity_rps"], result["bound_by"] = capacity(result["cpu_ms"])
    return result


# ---------------------------------------------------------------- /proc: CPU and memory of the services


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def tree_cpu_seconds(pid: int) -> float:
    """A server of several processes (PostgreSQL: the postmaster and its backends): the CPU of ``pid``, of its
    children that ended (cutime + cstime) and of those alive."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == pid:
            total += sum(int(f) for f in fields[11:15]) / tick
        elif int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


GENERATOR = "load generator"


class CpuMeter:
    """CPU time (user + system, from /proc) that each process involved in a figure spends per request: far less
    sensitive to other load on a shared machine than req/s. ``postgres`` is the server's whole process tree; the
    load generator (wrk or the Python load processes) is this process's children that ended meanwhile."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids

    def sample(self) -> dict[str, float]:
        out = {name: tree_cpu_seconds(pid) if name == "postgres" else cpu_seconds(pid)
               for name, pid in self.pids.items()}
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        out[GENERATOR] = usage.ru_utime + usage.ru_stime
        return out

    @staticmethod
    def per_request(before: dict[str, float], after: dict[str, float], requests: int) -> dict[str, float]:
        return {name: (after[name] - before[name]) * 1000 / max(requests, 1) for name in before}


def capacity(cpu_ms: dict[str, float], cores: int = 2) -> tuple[float, str]:
    """Requests per second the measured CPU per request allows on ``cores`` free cores (the load generator left
    out: clients run elsewhere): all the processes together share the cores, and a Python service process (one
    event loop) uses one core at most; PostgreSQL's backends spread over them."""
    served = {n: v for n, v in cpu_ms.items() if n != GENERATOR and v > 0}
    if not served:
        return float("nan"), "-"
    limits = {"all processes": cores * 1000 / sum(served.values())}
    limits |= {n: 1000 / v for n, v in served.items() if n != "postgres"}
    bound = min(limits, key=lambda n: limits[n])
    return limits[bound], bound


def infra_pids(platform: Platform) -> dict[str, int]:
    """PostgreSQL's postmaster and the NATS server(s) the platform started (none when it uses external ones)."""
    out: dict[str, int] = {}
    if platform.postgres is not None and (platform.postgres.data / "postmaster.pid").exists():
        out["postgres"] = int((platform.postgres.data / "postmaster.pid").read_text().split()[0])
    nodes = getattr(platform.nats, "nodes", None) or [platform.nats]
    for i, node in enumerate(n for n in nodes if n is not None and n.proc is not None):
        out["nats" if i == 0 else f"nats-{i + 1}"] = node.proc.pid
    return out


async def settle(pids: dict[str, int], *, quiet: float = 0.05, limit: float = 30.0) -> None:
    """Until the processes together use under ``quiet`` of a core for a second (the load's tail: deliveries)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = sum(tree_cpu_seconds(p) for p in pids.values())
        await asyncio.sleep(1.0)
        if sum(tree_cpu_seconds(p) for p in pids.values()) - before < quiet:
            return


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class RssSampler:
    """Samples every service's RSS twice a second while the load rows run; keeps the peak."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.peak = {name: 0.0 for name in pids}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            for name, pid in self.pids.items():
                try:
                    self.peak[name] = max(self.peak[name], rss_mib(pid))
                except OSError:
                    pass

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# ---------------------------------------------------------------- printing


class Report:
    def __init__(self) -> None:
        self.results: dict[str, Any] = {}
        self.anchor: dict[str, Any] | None = None

    def http(self, key: str, label: str, r: dict[str, Any], *, target: str = "") -> None:
        self.results[key] = {**r, "anchor_rps": self.anchor["rps"] if self.anchor else None,
                             "share_of_anchor": r["rps"] / self.anchor["rps"] if self.anchor else None}
        # a share of the anchor compares throughputs: none for a figure at an offered rate
        share = f"  {r['rps'] / self.anchor['rps']:4.0%} of anchor" if self.anchor and not r.get("offered_rps") else ""
        # how the load was offered, beside the figure: a closed loop's latency is its own queue (Little's law:
        # connections / throughput), a paced one's is what a request waits at that rate
        offered = f"offered {r['offered_rps']:,.0f}/s" if r.get("offered_rps") else "closed loop"
        print(f"    {label:<46}{r['rps']:8.0f} req/s  p50 {r['p50_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms  "
              f"errors {r['errors']}{share}  [{r['connections']} conn., {offered}, load {r['load_avg']:.1f}]"
              f"{'  (target ' + target + ')' if target else ''}")
        if r.get("late_share"):
            print(f"      {r['late_share']:.1%} of the requests left over 2 ms after their slot (the generator was "
                  "late, or every connection busy): that wait is not in the latency")
        if "cpu_ms" in r:
            print("      CPU per request: " + ", ".join(f"{n} {v:.3f} ms" for n, v in r["cpu_ms"].items())
                  + f"  → on 2 free cores ≈ {r['capacity_rps']:,.0f} req/s (bound: {r['bound_by']})")


def procedure_paths(n: int) -> list[str]:
    return [f"/api/v1/catalog/procedures/{code}" for code in [LLTP][:n]]


# ---------------------------------------------------------------- the submission path


async def _submit_worker(base: str, count: int, concurrency: int) -> dict[str, Any]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency * 2)) as session:
        async with session.post(
            f"{base}/api/v1/auth/token",
            data={"grant_type": "password", "username": "congdan1", "password": "CongDan@2026"},
        ) as r:
            token = (await r.json())["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        latencies: list[float] = []
        errors: list[str] = []
        codes: list[str] = []
        sem = asyncio.Semaphore(concurrency)

        async def upload(content: bytes) -> str:
            form = aiohttp.FormData()
            form.add_field("file", content, filename="giay-to.pdf", content_type="application/pdf")
            async with session.post(f"{base}/api/v1/files", data=form, headers=auth) as r:
                return str((await r.json())["id"])

        async def one() -> None:
            async with sem:
                t0 = time.perf_counter()
                try:
                    tp1, tp2 = await asyncio.gather(upload(PDF + uuid.uuid4().hex.encode()),
                                                    upload(PDF + uuid.uuid4().hex.encode()))
                    body = {
                        "procedure_code": LLTP,
                        "return_method": "counter",
                        "applicant": {
                            "full_name": "Nguyễn Thị Lan", "id_number": "075190001234", "phone": "0912345678",
                            "email": "lan.nguyen@example.vn", "address": "Biên Hòa, Đồng Nai", "type": "citizen",
                        },
                        "form_data": {"loai_phieu": "Phiếu lý lịch tư pháp số 1", "muc_dich": "Xin việc",
                                      "so_luong_phieu": 1, "ngay_sinh": "1990-05-12"},
                        "documents": [{"requirement_code": "TP1", "file_id": tp1},
                                      {"requirement_code": "TP2", "file_id": tp2}],
                    }
                    async with session.post(f"{base}/api/v1/dossiers", json=body,
                                            headers={**auth, "Idempotency-Key": uuid.uuid4().hex}) as r:
                        if r.status != 201:
                            errors.append(f"{r.status} {(await r.text())[:200]}")
                        else:
                            codes.append((await r.json())["code"])
                except (aiohttp.ClientError, KeyError, ValueError) as exc:
                    errors.append(repr(exc)[:200])
                latencies.append(time.perf_counter() - t0)

        start = time.monotonic()
        await asyncio.gather(*(one() for _ in range(count)))
        elapsed = time.monotonic() - start
    return {"latencies": latencies, "errors": errors, "codes": codes, "elapsed": elapsed}


async def submissions(base: str, env: dict[str, str], *, count: int, concurrency: int,
                      processes: int = 2) -> dict[str, Any]:
    """``processes`` load processes share ``count`` dossiers; then the events' lag to notify and statistics."""
    import asyncpg

    warm = await _submit_worker(base, 2, 1)  # warm-up: the catalog cache, connections
    if warm["errors"]:
        raise RuntimeError(f"submission fails: {warm['errors'][0]}")
    spec = json.dumps({"base": base, "count": count // processes, "concurrency": max(1, concurrency // processes)})
    start = time.monotonic()
    procs = [await asyncio.create_subprocess_exec(sys.executable, __file__, "_submit", spec,
                                                  stdout=asyncio.subprocess.PIPE) for _ in range(processes)]
    parts = [json.loads((await p.communicate())[0]) for p in procs]
    elapsed = time.monotonic() - start
    latencies = [x for p in parts for x in p["latencies"]]
    errors = [e for p in parts for e in p["errors"]]
    codes = [c for p in parts for c in p["codes"]]
    result: dict[str, Any] = {
        "dossiers": len(latencies), "per_second": len(latencies) / elapsed, "p50_ms": pct(latencies, 50) * 1000,
        "p95_ms": pct(latencies, 95) * 1000, "errors": len(errors), "first_error": errors[:1],
    }
    # event lag: from the submit's transaction (its outbox row) to each consumer's inbox row, same database server
    pg = {name: env[f"{name.upper()}_DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")
          for name in ("intake", "notify", "catalog")}
    conn = await asyncpg.connect(pg["intake"])
    try:
        rows = await conn.fetch(
            "SELECT event_id, created_at FROM kit_outbox WHERE subject = 'intake.dossier.submitted.v1' "
            "AND (body::jsonb ->> 'subject' = ANY($1::text[]) OR body::jsonb -> 'data' ->> 'code' = ANY($1::text[]))",
            codes)
    finally:
        await conn.close()
    submitted = {r["event_id"]: r["created_at"] for r in rows}
    for consumer_db in ("notify", "catalog"):
        lags: list[float] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            conn = await asyncpg.connect(pg[consumer_db])
            try:
                seen = await conn.fetch("SELECT event_id, min(processed_at) AS at FROM kit_inbox "
                                        "WHERE event_id = ANY($1::text[]) GROUP BY event_id", list(submitted))
            finally:
                await conn.close()
            if len(seen) >= len(submitted):
                break
            await asyncio.sleep(0.5)
        lags = [(r["at"] - submitted[r["event_id"]]).total_seconds() for r in seen]
        result[f"event_to_{consumer_db}"] = {"events": len(submitted), "processed": len(seen),
                                             "p50_ms": pct(lags, 50) * 1000, "p95_ms": pct(lags, 95) * 1000}
    return result


# ---------------------------------------------------------------- rows


def load_bench(path: Path) -> Any:
    """A service's bench module (``<service>/bench/*.py``: not part of its installed package), by path."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def revocation_bench(calls: int = 200_000) -> dict[str, Any]:
    """What the gateway's revocation check adds to every proxied request with a token: one unverified decode of
    the token's claims (cached per token) and two set look-ups, against 10,000 revoked sessions."""
    import base64

    from gateway.revocation import Revocations

    revocations = Revocations(None, horizon=360)
    revocations.sessions = frozenset(str(uuid.uuid4()) for _ in range(10_000))
    revocations.users = frozenset(str(uuid.uuid4()) for _ in range(1_000))
    claims = {"sub": str(uuid.uuid4()), "sid": str(uuid.uuid4()), "roles": ["citizen"], "username": "congdan1",
              "name": "Nguyễn Văn An", "exp": 2_000_000_000, "iat": 1_900_000_000, "aud": "dvc", "iss": "dvc-gateway"}
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    token = f"eyJhbGciOiJFZERTQSJ9.{payload}.{'A' * 86}"
    started = time.perf_counter()
    for _ in range(calls):
        revocations.refused_token(token)
    per_call_us = (time.perf_counter() - started) / calls * 1e6
    fresh = [f"eyJhbGciOiJFZERTQSJ9.{payload}.{i:086d}" for i in range(calls // 10)]  # never seen: decoded
    started = time.perf_counter()
    for t in fresh:
        revocations.refused_token(t)
    first_us = (time.perf_counter() - started) / len(fresh) * 1e6
    return {"calls": calls, "per_call_us": per_call_us, "first_sight_us": first_us}


def start_anchor() -> tuple[subprocess.Popen[bytes], str]:
    port = devstack.free_port()
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "bench_anchor.py"), str(port)])
    devstack.wait_port(port, timeout=30)
    return proc, f"http://127.0.0.1:{port}/anchor"


async def platform_rows(args: argparse.Namespace, only: set[str], report: Report) -> None:
    services = json.loads((ROOT / "deploy" / "services.json").read_text())
    port = devstack.free_port()
    os.environ["WORKFLOW_AUTO_FORWARD_AFTER"] = "6h"
    # all the load comes from one address: the gateway's per-address limits (still counted on every call) are
    # raised so that they measure their cost, not refuse the bench
    for name in ("SEARCH", "UPLOAD", "TRACKING"):
        os.environ.setdefault(f"GATEWAY_RATE_{name}_PER_MINUTE", "100000000")
    platform = Platform(Path(tempfile.mkdtemp(prefix="dvc-bench-")), services, demo=True, gateway_port=port)
    anchor, anchor_url = start_anchor()
    results = report.results
    c, s = args.connections, args.seconds
    results["revocation_check"] = revocation = revocation_bench()
    print(f"revocation check per proxied request: {revocation['per_call_us']:.2f} µs, "
          f"{revocation['first_sight_us']:.2f} µs for a token not seen before (10,000 revoked sessions)")
    try:
        env = platform.start(timeout=args.start_timeout)
        base = f"http://127.0.0.1:{port}"
        pids = {name: proc.pid for name, proc in platform.children.items()}
        postmaster = (int((platform.postgres.data / "postmaster.pid").read_text().split()[0])
                      if platform.postgres else 0)

        def involved(*names: str) -> dict[str, int]:
            """The processes a figure's requests go through, whose CPU per request is measured."""
            return {n: postmaster if n == "postgres" else pids[n] for n in names if n != "postgres" or postmaster}

        via_gateway = involved("gateway", "catalog", "postgres")
        direct = involved("catalog", "postgres")
        rss_rest = {name: rss_mib(pid) for name, pid in pids.items()}
        print(f"load: {'wrk -t1' if WRK else 'Python load processes (no wrk: make bench installs it as root)'}, "
              f"{c} connections, {s:g} s per figure")
        report.anchor = http_load(anchor_url, seconds=s, connections=c, cpu={"anchor": anchor.pid})
        print("anchor: a bare FastAPI endpoint, served like the services")
        report.http("anchor", "GET /anchor", report.anchor)
        if "search" in only:  # what this machine's load alone does to a p95 at the search target's rate
            report.http("anchor_at_search_rate", "GET /anchor at the search target's rate",
                        http_load(anchor_url, seconds=s, connections=c, warmup=False, rate=args.search_rate,
                                  cpu={"anchor": anchor.pid}))
        with RssSampler(pids) as sampler:
            if "gateway" in only:
                print("gateway vs direct: one procedure from catalog-svc")
                path = f"/api/v1/catalog/procedures/{LLTP}"
                report.http("gateway_direct", "direct to catalog-svc",
                            http_load(env["DVC_CATALOG_URL"] + path, seconds=s, connections=c, cpu=direct))
                report.http("gateway_proxied", "through the gateway",
                            http_load(base + path, seconds=s, connections=c, cpu=via_gateway))
                results["gateway_ratio"] = results["gateway_proxied"]["rps"] / results["gateway_direct"]["rps"]
                print(f"    the gateway keeps {results['gateway_ratio']:.0%} of direct")
            if "search" in only:
                module = load_bench(ROOT / "catalog-svc" / "bench" / "search_bench.py")
                count = await module.seed(env["CATALOG_DATABASE_URL"], args.procedures)
                print(f"catalog search through the gateway, {count:,} procedures, {len(module.QUERIES)} queries")
                paths = [f"/api/v1/catalog/procedures?q={quote(q)}" for q in module.QUERIES]
                report.http("search", "repeated queries",
                            http_load(base + paths[0], seconds=s, connections=c, paths=paths, cpu=via_gateway),
                            target="≥ 1,000 req/s, p95 ≤ 20 ms")
                # the target is a throughput and a p95 together: the p95 when 1,000 searches a second arrive (a
                # closed loop's p95 is mostly its own queue, connections / throughput, at whatever rate it reaches)
                report.http("search_at_target", "repeated queries at the target's rate",
                            http_load(base + paths[0], seconds=s, connections=c, paths=paths, warmup=False,
                                      rate=args.search_rate, cpu=via_gateway),
                            target="p95 ≤ 20 ms at 1,000 req/s")
                # the service's own figure, without the gateway (which counts each search per address, in memory)
                report.http("search_direct", "repeated queries, direct to catalog-svc",
                            http_load(env["DVC_CATALOG_URL"] + paths[0], seconds=s, connections=c, paths=paths,
                                      cpu=direct))
                unique = [f"{p}&page={n}" for n in range(2, 200) for p in paths]
                report.http("search_uncached", "each query new (no cached answer)",
                            http_load(base + unique[0], seconds=s, connections=c, paths=unique, warmup=False,
                                      cpu=via_gateway))
            if "procedure" in only:
                print("one procedure through the gateway")
                url = f"{base}/api/v1/catalog/procedures/{LLTP}"
                report.http("procedure", "GET", http_load(url, seconds=s, connections=c, cpu=via_gateway),
                            target="≥ 2,000 req/s")
                async with aiohttp.ClientSession() as session, session.get(url) as r:
                    etag, size = r.headers.get("ETag"), len(await r.read())
                results["procedure"]["bytes"] = size
                if etag:
                    report.http("procedure_304", "GET with If-None-Match (304)",
                                http_load(url, seconds=s, connections=c, headers={"If-None-Match": etag},
                                          cpu=via_gateway))
                else:
                    print("    no ETag on the procedure: no 304 figure")
            if "sectors" in only:
                print("a trivial list from PostgreSQL, direct to catalog-svc")
                report.http("sectors", "GET /api/v1/catalog/sectors",
                            http_load(env["DVC_CATALOG_URL"] + "/api/v1/catalog/sectors", seconds=s, connections=c,
                                      cpu=direct),
                            target="≥ 3,000 req/s")
            if "certificate" in only:
                print("a static answer, direct to interop-svc")
                report.http("certificate", "GET /interop/v1/certificate",
                            http_load(env["DVC_INTEROP_URL"] + "/interop/v1/certificate", seconds=s, connections=c,
                                      cpu=involved("interop")),
                            target="≥ 5,000 req/s")
            if "portal" in only and (ROOT / "portal" / "bench" / "pages_bench.py").exists():
                pages = load_bench(ROOT / "portal" / "bench" / "pages_bench.py")
                print(f"portal pages through the gateway: TTFB at {c} visitors (aiohttp in this process)")
                results["portal_pages"] = await pages.run(base, seconds=s, concurrency=c)
                print(pages.report(results["portal_pages"]))
            if "submission" in only:
                print(f"dossier submission through the gateway: {args.dossiers} dossiers (2 uploads + submit), "
                      f"16 at a time from 2 load processes")
                # the measured reason when the target is not met: the CPU each process spends per dossier, the
                # services' and PostgreSQL's and NATS's, from /proc (far steadier than throughput on a shared machine)
                infra = infra_pids(platform)
                every = {**pids, **infra}
                await settle(every)
                cpu_before = {n: tree_cpu_seconds(p) for n, p in every.items()}
                sub = await submissions(base, env, count=args.dossiers, concurrency=16)
                await settle(every)  # the tail: deliveries sent, events consumed
                sub["load_avg"] = os.getloadavg()
                per = {n: (tree_cpu_seconds(p) - cpu_before[n]) * 1000 / max(sub["dossiers"], 1)
                       for n, p in every.items()}
                sub["cpu_ms_per_dossier"] = per
                services_ms = sum(v for n, v in per.items() if n in pids)
                total_ms = sum(per.values())
                # what that CPU allows on this machine's cores with nothing else running: all the processes share
                # them, and one service process (one event loop) uses one core at most
                cores = os.cpu_count() or 1
                bound, by = capacity(per, cores)
                sub["capacity"] = {"cores": cores, "per_second": bound, "bound_by": by}
                results["submission"] = sub
                print(f"    {sub['per_second']:.1f} dossiers/s  p50 {sub['p50_ms']:.0f} ms  p95 {sub['p95_ms']:.0f} ms "
                      f"errors {sub['errors']} {sub['first_error']}  (target ≥ 200/s, p95 ≤ 250 ms; load average "
                      f"{sub['load_avg'][0]:.1f})")
                print("    CPU per dossier (ms, /proc): " + ", ".join(f"{n} {v:.1f}" for n, v in per.items())
                      + f"; services {services_ms:.1f}, all {total_ms:.1f}")
                print(f"    capacity that follows on {cores} free cores: {bound:.0f} dossiers/s (bound by {by})")
                for k in ("event_to_notify", "event_to_catalog"):
                    e = sub[k]
                    print(f"    {k.replace('_', ' ')}: {e['processed']}/{e['events']} events, p50 {e['p50_ms']:.0f} ms"
                          f"  p95 {e['p95_ms']:.0f} ms  (target p95 < 1 s)")
        if "rss" in only:
            results["rss_mib"] = {n: {"at_rest": rss_rest[n], "under_load": max(sampler.peak[n], rss_rest[n])}
                                  for n in pids}
            print("resident memory per service (MiB): at rest after start / peak under the load rows")
            for n, v in results["rss_mib"].items():
                print(f"    {n:<10}{v['at_rest']:7.0f} {v['under_load']:7.0f}")
        if "idle" in only:
            await asyncio.sleep(5)  # the load's tail (events, deliveries) settles
            print(f"CPU at rest per service over {args.idle_seconds:g} s (/proc, user+system; target < 0.5 %)")
            before = {n: cpu_seconds(p) for n, p in pids.items()}
            t0 = time.monotonic()
            await asyncio.sleep(args.idle_seconds)
            wall = time.monotonic() - t0
            results["idle_cpu_percent"] = {n: (cpu_seconds(p) - before[n]) / wall * 100 for n, p in pids.items()}
            for n, v in results["idle_cpu_percent"].items():
                print(f"    {n:<10}{v:6.2f} %")
            print(f"    the stack: {sum(results['idle_cpu_percent'].values()):.2f} % of one core")
    finally:
        anchor.terminate()
        anchor.wait(10)
        platform.stop()
        shutil.rmtree(platform.root, ignore_errors=True)


def offline_rows(args: argparse.Namespace, only: set[str], report: Report) -> None:
    results = report.results
    if "telemetry" in only:
        print("telemetry: the cost per request of servicekit's TelemetryMiddleware (default sampling 1.0, OTLP export)")
        path = ROOT / ".data" / "bench" / "telemetry.json"
        proc = subprocess.run([sys.executable, str(ROOT / "libs" / "servicekit" / "bench" / "telemetry_bench.py"),
                               "--json", str(path)], capture_output=True, text=True)
        print("    " + (proc.stdout.strip() or proc.stderr.strip()[-2000:]).replace("\n", "\n    "))
        results["telemetry"] = json.loads(path.read_text()) if path.exists() else proc.stderr[-2000:]
    if "feed" in only:
        import dataclasses

        module = load_bench(ROOT / "interop-svc" / "bench" / "xml_bench.py")
        print("signed feed pages (interop-svc): median build+sign and verify, wall and CPU time (target ≤ 150 ms for "
              "500, RSA)")
        rows = [dataclasses.asdict(r) for r in module.bench_sign_verify(30)]
        results["feed"] = rows
        for r in rows:
            print(f"    {r['algorithm']:<14}{r['dossiers']:5} dossiers {r['size_bytes'] / 1024:7.0f} KiB  "
                  f"build+sign {r['build_sign_ms']:7.1f} ms  verify {r['verify_ms']:7.1f} ms  (CPU time: build+sign "
                  f"{r['build_sign_cpu_ms']:.1f} ms, verify {r['verify_cpu_ms']:.1f} ms; load average "
                  f"{os.getloadavg()[0]:.1f})")
    if "stats" in only:
        print(f"statistics: a month's report over {args.stats_dossiers:,} dossiers")
        proc = subprocess.run([sys.executable, str(ROOT / "catalog-svc" / "bench" / "stats_bench.py"), "--dossiers",
                               str(args.stats_dossiers)], capture_output=True, text=True)
        print("    " + (proc.stdout.strip() or proc.stderr.strip()[-2000:]).replace("\n", "\n    "))
        results["stats"] = proc.stdout
    if "growth" in only:
        sizes = [int(x) for x in args.growth_dossiers.split(",")]
        out = ROOT / ".data" / "bench"
        runs: dict[int, Any] = {}
        for n in sizes:
            print(f"officer search and tracking over {n:,} dossiers (intake-svc/bench/search_bench.py)")
            path = out / f"officer_search_{n}.json"
            proc = subprocess.run([sys.executable, str(ROOT / "intake-svc" / "bench" / "search_bench.py"),
                                   "--dossiers", str(n), "--json", str(path)], capture_output=True, text=True)
            print("    " + (proc.stdout.strip() or proc.stderr.strip()[-2000:]).replace("\n", "\n    "))
            runs[n] = json.loads(path.read_text()) if path.exists() else None
        results["growth"] = {"sizes": sizes, "runs": runs}
        small, big = runs.get(sizes[0]), runs.get(sizes[-1])
        if small and big and len(sizes) > 1:
            print(f"flat growth, p95 at {sizes[-1]:,} / p95 at {sizes[0]:,} (target ≤ 2×):")
            ratios = {}
            for kind, v in big["kinds"].items():
                if kind in small["kinds"]:
                    ratios[kind] = v["p95_ms"] / max(small["kinds"][kind]["p95_ms"], 0.001)
                    print(f"    {kind:<52}{small['kinds'][kind]['p95_ms']:7.1f} → {v['p95_ms']:7.1f} ms  "
                          f"{ratios[kind]:4.1f}×")
            results["growth"]["ratios"] = ratios
    if "tasks" in only:
        print(f"the console's task lists over {args.tasks_dossiers:,} dossiers (workflow-svc/bench/tasks_bench.py)")
        path = ROOT / ".data" / "bench" / "task_lists.json"
        proc = subprocess.run([sys.executable, str(ROOT / "workflow-svc" / "bench" / "tasks_bench.py"),
                               "--dossiers", str(args.tasks_dossiers), "--json", str(path)], capture_output=True,
                              text=True)
        print("    " + (proc.stdout.strip() or proc.stderr.strip()[-2000:]).replace("\n", "\n    "))
        results["tasks"] = json.loads(path.read_text()) if path.exists() else proc.stderr[-2000:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", help="comma-separated rows (default: all): " + ",".join(ROWS))
    parser.add_argument("--list", action="store_true", help="print the rows and exit")
    parser.add_argument("--seconds", type=float, default=8.0, help="per HTTP figure")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--dossiers", type=int, default=600, help="dossiers submitted in the submission row")
    parser.add_argument("--idle-seconds", type=float, default=30.0)
    parser.add_argument("--start-timeout", type=float, default=300.0, help="seconds the platform may take to start")
    parser.add_argument("--stats-dossiers", type=int, default=2_000_000)
    parser.add_argument("--procedures", type=int, default=10_000, help="catalog size for the search row")
    parser.add_argument("--search-rate", type=float, default=1_000.0,
                        help="searches a second offered for the search row's latency at the target's rate")
    parser.add_argument("--growth-dossiers", default="10000,2000000", help="dossier counts of the growth row")
    parser.add_argument("--tasks-dossiers", type=int, default=2_000_000, help="dossiers of the task-list row")
    args = parser.parse_args()
    if args.list:
        print("\n".join(ROWS))
        return
    only = set(filter(None, args.only.split(","))) or set(ROWS)
    unknown = only - set(ROWS)
    if unknown:
        parser.error(f"unknown rows {sorted(unknown)}; rows: {','.join(ROWS)}")
    out = ROOT / ".data" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    report = Report()
    report.results["machine"] = {"cpus": os.cpu_count(), "load_avg_at_start": os.getloadavg(),
                                 "generator": "wrk -t1" if WRK else "python processes", "seconds": args.seconds,
                                 "connections": args.connections, "rows": sorted(only)}
    if only & {"anchor", "gateway", "search", "procedure", "sectors", "certificate", "portal", "submission", "idle",
               "rss"}:
        asyncio.run(platform_rows(args, only, report))
    offline_rows(args, only, report)
    path = out / "results.json"
    path.write_text(json.dumps(report.results, indent=2, ensure_ascii=False, default=str))
    print(f"\nresults: {path}")


def _command() -> bool:
    """This file's load-process commands (``_load``, ``_submit``), run by the rows above."""
    if len(sys.argv) == 3 and sys.argv[1] == "_load":
        spec = json.loads(sys.argv[2])
        print(json.dumps(asyncio.run(_py_worker(spec["url"], spec["paths"], spec["seconds"], spec["connections"],
                                                 spec["headers"], spec["rate"]))))
        return True
    if len(sys.argv) == 3 and sys.argv[1] == "_submit":
        spec = json.loads(sys.argv[2])
        print(json.dumps(asyncio.run(_submit_worker(spec["base"], spec["count"], spec["concurrency"]))))
        return True
    return False


if __name__ == "__main__":
    if not _command():
        main()
