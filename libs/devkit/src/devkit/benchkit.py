"""What the services' list benchmarks share (intake-svc/bench/search_bench.py, workflow-svc/bench/tasks_bench.py):
each kind of request timed through the app's real HTTP code path, the SQL it sends captured from the app's
engine, and that SQL EXPLAIN ANALYZEd once per kind: the indexes used, the time in PostgreSQL, and a sequential
scan of the big table named (the benchmark fails on one)."""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable
from typing import Any

# a kind of request: a label and what makes one request of it — (headers, params) or (headers, params, path)
Kind = tuple[str, Callable[[], tuple[Any, ...]]]


def pct(values: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank below); NaN for no values."""
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


class Captured:
    """The statements the app sends that name ``table`` (a ``before_cursor_execute`` listener), while ``on``."""

    def __init__(self, table: str) -> None:
        self.table = table
        self.statements: list[tuple[str, Any]] = []
        self.on = False

    def __call__(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if self.on and self.table in statement:
            self.statements.append((statement, parameters))


async def time_kinds(client: Any, engine: Any, kinds: list[Kind], *, path: str, repeat: int, table: str,
                     noun: str, width: int = 50) -> dict[str, Any]:
    """``repeat`` requests of each kind (after five of the first, to warm up): p50/p95 per kind and over all, the
    median ``total`` of the answers, and each kind's first statements (``plans``, for :func:`explain_plans`)."""
    from sqlalchemy import event

    captured = Captured(table)
    event.listen(engine.sync_engine, "before_cursor_execute", captured)
    results: dict[str, Any] = {"kinds": {}, "plans": {}}
    everything: list[float] = []
    for _ in range(5):  # warm-up: connections, prepared statements
        made = kinds[0][1]()
        await client.get(path, params=made[1], headers=made[0])
    for label, make in kinds:
        times: list[float] = []
        totals: list[int] = []
        for i in range(repeat):
            made = make()
            captured.on = i == 0
            t = time.perf_counter()
            r = await client.get(made[2] if len(made) > 2 else path, params=made[1], headers=made[0])
            times.append(time.perf_counter() - t)
            captured.on = False
            assert r.status_code == 200, r.text
            totals.append(r.json().get("total", 1))
        everything += times
        results["kinds"][label] = {"p50_ms": pct(times, 50) * 1000, "p95_ms": pct(times, 95) * 1000,
                                   "median_total": statistics.median(totals)}
        print(f"  {label:<{width}} p50 {pct(times, 50) * 1000:6.1f} ms  p95 {pct(times, 95) * 1000:6.1f} ms  "
              f"(≈{statistics.median(totals):,.0f} {noun})", flush=True)
        results["plans"][label] = list(captured.statements)
        captured.statements.clear()
    event.remove(engine.sync_engine, "before_cursor_execute", captured)
    results["all"] = {"requests": len(everything), "p50_ms": pct(everything, 50) * 1000,
                      "p95_ms": pct(everything, 95) * 1000}
    return results


async def explain_plans(url: str, plans: dict[str, list[tuple[str, Any]]], *, table: str,
                        width: int = 50, show: bool = False) -> dict[str, Any]:
    """EXPLAIN (ANALYZE, BUFFERS) of each kind's captured statements: the indexes used and the time spent in
    PostgreSQL, printed a line a kind (``show``: the plans too). Raises SystemExit, with the plan, when one scans
    the whole of ``table``."""
    import asyncpg

    report: dict[str, Any] = {}
    seq_scans: list[tuple[str, str]] = []
    conn = await asyncpg.connect(url)
    try:
        for label, statements in plans.items():
            names: set[str] = set()
            server_ms = 0.0
            for statement, params in statements:
                plan = "\n".join(r[0] for r in await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + statement, *params))
                if f"Seq Scan on {table}" in plan:
                    seq_scans.append((label, plan))
                names |= set(re.findall(r"Index (?:Only )?Scan (?:Backward )?using (\w+)", plan))
                names |= set(re.findall(r"Bitmap Index Scan on (\w+)", plan))
                server_ms += sum(float(x) for x in re.findall(r"Execution Time: ([\d.]+) ms", plan))
                if show:
                    print(f"--- {label}\n{plan}")
            print(f"  {label:<{width}} {server_ms:6.1f} ms in PostgreSQL  {', '.join(sorted(names)) or '-'}")
            report[label] = {"indexes": sorted(names), "execution_ms": server_ms}
    finally:
        await conn.close()
    for label, plan in seq_scans:
        print(f"SEQUENTIAL SCAN in '{label}':\n{plan}")
    if seq_scans:
        raise SystemExit(f"{', '.join(label for label, _ in seq_scans)}: scans the whole {table} table")
    return report
