"""Report builds and projection rebuilds as background jobs: the request returns 202 at once, the work runs in
a task of the replica that accepted it (database reads async, rendering in a worker thread), and its
progress and file are kept in ``report_jobs`` so any replica can answer ``GET /jobs/{id}``."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalog_svc.stats import render
from catalog_svc.stats.report import build_report, parse_period
from catalog_svc.stats.repository import StatsRepository
from catalog_svc.stats.service import rebuild

log = logging.getLogger(__name__)

MEDIA = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "pdf": "application/pdf",
}


def file_name(period: str, agency: str | None, fmt: str) -> str:
    return f"bao-cao-{period}-{agency or 'toan-tinh'}.{fmt}"


def render_file(report: dict[str, Any], fmt: str) -> bytes:
    if fmt == "csv":
        return render.to_csv(report)
    if fmt == "ods":
        return render.to_ods(report)
    if fmt == "pdf":
        return render.to_pdf(report)
    import json

    return json.dumps(report, ensure_ascii=False, default=str).encode()


async def _set(maker: async_sessionmaker[AsyncSession], job_id: uuid.UUID, **values: Any) -> None:
    async with maker() as session, session.begin():
        await StatsRepository(session).set_job(job_id, **values)


async def run_report(maker: async_sessionmaker[AsyncSession], job_id: uuid.UUID, params: dict[str, Any]) -> None:
    period = parse_period(params["period"])
    await _set(maker, job_id, state="running", progress=10)
    async with maker() as session:
        report = await build_report(session, period, params.get("agency"))
    await _set(maker, job_id, progress=60)
    content = await asyncio.to_thread(render_file, report, params["format"])
    await _set(maker, job_id, state="done", progress=100, content=content, media_type=MEDIA[params["format"]],
               file_name=file_name(period.label, params.get("agency"), params["format"]),
               finished_at=datetime.now(UTC))


async def run_rebuild(maker: async_sessionmaker[AsyncSession], job_id: uuid.UUID, params: dict[str, Any]) -> None:
    await _set(maker, job_id, state="running", progress=1)
    loop = asyncio.get_running_loop()
    pending: set[asyncio.Task[None]] = set()

    def progress(pct: int) -> None:
        task = loop.create_task(_set(maker, job_id, progress=max(1, min(pct, 99))))
        pending.add(task)
        task.add_done_callback(pending.discard)

    generation = await rebuild(maker, progress=progress)
    await asyncio.gather(*pending)
    content = f'{{"generation": {generation}}}'.encode()
    await _set(maker, job_id, state="done", progress=100, content=content, media_type="application/json",
               file_name=f"stats-generation-{generation}.json", finished_at=datetime.now(UTC))


RUNNERS: dict[str, Callable[[async_sessionmaker[AsyncSession], uuid.UUID, dict[str, Any]], Awaitable[None]]] = {
    "report": run_report, "rebuild": run_rebuild,
}


async def submit(app: FastAPI, kind: str, params: dict[str, Any], requested_by: str) -> uuid.UUID:
    """Records the job (committed first, so the task and every replica see it), then starts it."""
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    job_id = uuid.uuid4()
    async with maker() as session, session.begin():
        await StatsRepository(session).add_job(job_id, kind, params, requested_by)
    _start(app, job_id, kind, params)
    return job_id


def _start(app: FastAPI, job_id: uuid.UUID, kind: str, params: dict[str, Any]) -> None:
    """Runs the job in a task owned by the app (cancelled at shutdown); failures are recorded, never raised."""
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    if getattr(app.state, "report_tasks", None) is None:
        app.state.report_tasks = set()
    tasks: set[asyncio.Task[None]] = app.state.report_tasks

    async def guarded() -> None:
        try:
            await RUNNERS[kind](maker, job_id, params)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("report job %s failed", job_id)
            await _set(maker, job_id, state="failed", error=f"{type(exc).__name__}", finished_at=datetime.now(UTC))

    task = asyncio.get_running_loop().create_task(guarded(), name=f"report-job-{job_id}")
    tasks.add(task)
    task.add_done_callback(tasks.discard)


async def cancel_all(app: FastAPI) -> None:
    tasks: set[asyncio.Task[None]] = getattr(app.state, "report_tasks", set())
    for t in list(tasks):
        t.cancel()
    if tasks:
        await asyncio.wait(list(tasks), timeout=5)
