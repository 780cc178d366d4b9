"""The portal's public pages through the gateway: p95 time to first byte at 32 concurrent visitors, and the
page weight of a first visit (HTML + CSS + JS, target ≤ 200 KB; the font is not counted).

``make bench`` runs it on the platform it starts (tests/bench.py); alone:
``python portal/bench/pages_bench.py http://127.0.0.1:8000``.
"""

from __future__ import annotations

import asyncio
import re
import sys
import time
from typing import Any

import aiohttp

from devkit.benchkit import pct

PAGES = [
    ("home", "/"),
    ("search", "/thu-tuc?q=dang+ky+ket+hon"),
    ("procedure", "/thu-tuc/1.000894.000.01.30.H19"),
]
WEIGHT_LIMIT = 200 * 1024


async def page_weight(session: aiohttp.ClientSession, base: str, path: str) -> dict[str, int]:
    """Bytes a first visit downloads: the page, then each stylesheet and script it links (same origin)."""
    async with session.get(base + path) as r:
        html = await r.read()
    assets = re.findall(rb'<(?:link rel="stylesheet" href|script src)="([^"]+)"', html)
    sizes = {"html": len(html), "css": 0, "js": 0}
    for url in assets:
        async with session.get(base + url.decode()) as r:
            body = await r.read()
        sizes["css" if url.split(b"?")[0].endswith(b".css") else "js"] += len(body)
    sizes["total"] = sizes["html"] + sizes["css"] + sizes["js"]
    return sizes


async def ttfb(base: str, path: str, *, seconds: float, concurrency: int) -> dict[str, Any]:
    first_bytes: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        for _ in range(20):  # warm-up: pools, caches
            async with session.get(base + path) as r:
                await r.read()
        deadline = time.monotonic() + seconds

        async def visitor() -> None:
            nonlocal errors
            while time.monotonic() < deadline:
                t0 = time.perf_counter()
                async with session.get(base + path) as r:
                    first_bytes.append(time.perf_counter() - t0)  # the status line and headers have arrived
                    await r.read()
                    if r.status != 200:
                        errors += 1

        start = time.monotonic()
        await asyncio.gather(*(visitor() for _ in range(concurrency)))
        elapsed = time.monotonic() - start
    return {"requests": len(first_bytes), "rps": len(first_bytes) / elapsed,
            "ttfb_p50_ms": pct(first_bytes, 50) * 1000, "ttfb_p95_ms": pct(first_bytes, 95) * 1000,
            "errors": errors}


async def run(base: str, *, seconds: float = 8.0, concurrency: int = 32) -> list[dict[str, Any]]:
    rows = []
    async with aiohttp.ClientSession() as session:
        for name, path in PAGES:
            weight = await page_weight(session, base, path)
            load = await ttfb(base, path, seconds=seconds, concurrency=concurrency)
            rows.append({"page": name, "path": path, **load, "weight": weight,
                         "weight_ok": weight["total"] <= WEIGHT_LIMIT})
    return rows


def report(rows: list[dict[str, Any]]) -> str:
    lines = []
    for r in rows:
        w = {k: v / 1024 for k, v in r["weight"].items()}
        lines.append(f"    {r['page']:<10} {r['rps']:6.0f} req/s  TTFB p50 {r['ttfb_p50_ms']:6.1f} ms  "
                     f"p95 {r['ttfb_p95_ms']:6.1f} ms  errors {r['errors']}  first visit {w['total']:.1f} KB "
                     f"(HTML {w['html']:.1f} + CSS {w['css']:.1f} + JS {w['js']:.1f}; target ≤ 200 KB)")
    return "\n".join(lines)

if __name__ == "__main__":
    print(report(asyncio.run(run(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"))))
