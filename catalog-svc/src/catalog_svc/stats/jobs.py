"""Report builds and projection rebuilds as background jobs: the request returns 202 at once, the work runs in
a task of the replica that accepted it (database reads async, rendering in a worker thread), and its
progress and file are kept in ``report_jobs`` so any replica can answer ``GET /jobs/{id}``.

A running job is leased (``lease_owner``, ``lease_until``): its replica renews the lease every third of
``CATALOG_JOB_LEASE_SECONDS``. Every replica looks for jobs whose lease ran out (their replica crashed or was
killed) and runs them again from the start, so none stays "running" forever; a job interrupted
``CATALOG_JOB_MAX_ATTEMPTS`` times is failed. Both kinds are safe to run again: a report is rebuilt from the
database, a rebuild drops the generation the interrupted run left half-built."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
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
               finished_at=datetime.now(UTC), lease_until=None)


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
               file_name=f"stats-generation-{generation}.json", finished_at=datetime.now(UTC), lease_until=None)


RUNNERS: dict[str, Callable[[async_sessionmaker[AsyncSession], uuid.UUID, dict[str, Any]], Awaitable[None]]] = {
    "report": run_report, "rebuild": run_rebuild,
}


def instance_id(app: FastAPI) -> str:
    """Who holds a lease: host, process and port (two replicas on one host differ by port and pid)."""
    if getattr(app.state, "instance_id", None) is None:
        port = getattr(getattr(app.state, "settings", None), "port", "")
        app.state.instance_id = f"{socket.gethostname()}:{os.getpid()}:{port}"
    return str(app.state.instance_id)


def _lease(app: FastAPI) -> tuple[float, int]:
    settings = app.state.settings
    return float(getattr(settings, "job_lease_seconds", 30.0)), int(getattr(settings, "job_max_attempts", 3))


async def submit(app: FastAPI, kind: str, params: dict[str, Any], requested_by: str) -> uuid.UUID:
    """Records the job (committed first, so the task and every replica see it), then claims and starts it."""
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    job_id = uuid.uuid4()
    async with maker() as session, session.begin():
        await StatsRepository(session).add_job(job_id, kind, params, requested_by)
    await claim_and_start(app, job_id)
    return job_id


async def claim_and_start(app: FastAPI, job_id: uuid.UUID | None = None) -> bool:
    """Leases a job (``job_id``, or any whose lease ran out) to this replica and runs it; False if none."""
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    lease, attempts = _lease(app)
    async with maker() as session, session.begin():
        job = await StatsRepository(session).claim_job(job_id, instance_id(app), lease, attempts)
    if job is None:
        return False
    if job["attempts"]:
        log.warning("report job %s taken over after its lease ran out (attempt %d)", job["id"], job["attempts"] + 1)
    _start(app, job["id"], job["kind"], job["params"])
    return True


async def reclaim_jobs(app: FastAPI) -> None:
    """Background task of every replica: runs the jobs whose replica stopped renewing their lease."""
    lease, _ = _lease(app)
    while True:
        await asyncio.sleep(max(0.2, lease / 3))
        try:
            while await claim_and_start(app):
                pass
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the database away: tried again next round
            log.warning("report jobs: could not look for abandoned jobs: %s", exc)


async def _renew(app: FastAPI, job_id: uuid.UUID, task: asyncio.Task[None]) -> None:
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    lease, _ = _lease(app)
    while True:
        await asyncio.sleep(lease / 3)
        try:
            async with maker() as session, session.begin():
                ours = await StatsRepository(session).renew_lease(job_id, instance_id(app), lease)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("report job %s: lease not renewed: %s", job_id, exc)
            continue
        if not ours:  # another replica took it over (we were too slow to renew): leave it to that one
            log.warning("report job %s: lease lost; stopping here", job_id)
            task.cancel()
            return


def _start(app: FastAPI, job_id: uuid.UUID, kind: str, params: dict[str, Any]) -> None:
    """Runs the job in a task owned by the app (cancelled at shutdown) while another task renews its lease;
    failures are recorded, never raised."""
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    if getattr(app.state, "report_tasks", None) is None:
        app.state.report_tasks = set()
    tasks: set[asyncio.Task[None]] = app.state.report_tasks

    async def guarded() -> None:
        renewing = asyncio.current_task()
        assert renewing is not None
        renewer = asyncio.get_running_loop().create_task(_renew(app, job_id, renewing), name=f"lease-{job_id}")
        try:
            await RUNNERS[kind](maker, job_id, params)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("report job %s failed", job_id)
            await _set(maker, job_id, state="failed", error=f"{type(exc).__name__}", finished_at=datetime.now(UTC))
        finally:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer

    task = asyncio.get_running_loop().create_task(guarded(), name=f"report-job-{job_id}")
    tasks.add(task)
    task.add_done_callback(tasks.discard)


async def cancel_all(app: FastAPI) -> None:
    tasks: set[asyncio.Task[None]] = getattr(app.state, "report_tasks", set())
    for t in list(tasks):
        t.cancel()
    if tasks:
        await asyncio.wait(list(tasks), timeout=5)
