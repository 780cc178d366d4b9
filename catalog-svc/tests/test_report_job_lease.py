"""Report jobs are leased: a job whose replica stopped renewing its lease (crashed, killed) is taken over by
another replica and finishes there; one interrupted too often is failed, never left "running"."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text

from catalog_svc.app import create_app
from catalog_svc.stats.jobs import instance_id
from catalog_testkit import make_settings
from devkit.testing import eventually, running


async def _job(app: Any, job_id: uuid.UUID) -> dict[str, Any]:
    async with app.state.sessionmaker() as session:
        row = (await session.execute(text(
            "SELECT state, lease_owner, attempts, error, octet_length(content) AS size FROM report_jobs "
            "WHERE id = :id"), {"id": job_id})).one()
        return dict(row._mapping)


async def _until(app: Any, job_id: uuid.UUID, state: str, timeout: float = 120) -> dict[str, Any]:
    async def reached() -> dict[str, Any] | None:
        job = await _job(app, job_id)
        return job if job["state"] == state else None

    result: dict[str, Any] = await eventually(reached, timeout=timeout)
    return result


async def _abandoned_job(app: Any, attempts: int) -> uuid.UUID:
    """A job as a killed replica leaves it: running, its lease run out, its owner gone."""
    job_id = uuid.uuid4()
    async with app.state.sessionmaker() as session, session.begin():
        await session.execute(text(
            "INSERT INTO report_jobs (id, kind, params, requested_by, state, progress, lease_owner, lease_until, "
            "attempts) VALUES (:id, 'report', CAST(:params AS jsonb), 'off-1', 'running', 10, 'gone:1:8001', "
            "now() - interval '1 second', :attempts)"),
            {"id": job_id, "attempts": attempts,
             "params": '{"period": "2026-11", "agency": "000.00.15.H19", "format": "csv"}'})
    return job_id


async def test_a_job_whose_replica_died_finishes_on_another(stack: Any, tokens: Any) -> None:
    settings = make_settings(stack, tokens, demo=True, job_lease_seconds=0.6)
    app = create_app(settings)
    async with running(app):
        job = await _until(app, await _abandoned_job(app, attempts=1), "done")
        assert job["lease_owner"] == instance_id(app) and job["attempts"] == 2 and job["size"] > 0


async def test_a_job_interrupted_too_often_is_failed(stack: Any, tokens: Any) -> None:
    settings = make_settings(stack, tokens, demo=True, job_lease_seconds=0.6, job_max_attempts=2)
    app = create_app(settings)
    async with running(app):
        assert (await _until(app, await _abandoned_job(app, attempts=2), "failed"))["error"] == "interrupted"


async def test_a_running_job_keeps_its_lease_while_it_works(stack: Any, tokens: Any) -> None:
    """Two replicas on one database: the one running a job renews its lease, the other never takes it."""
    settings = make_settings(stack, tokens, demo=True, job_lease_seconds=2.0)
    first, second = create_app(settings), create_app(settings.model_copy(update={"port": 8011}))
    officer = tokens.header(sub="off-1", roles=("leader",), agency_code="000.00.15.H19")
    async with running(first) as client, running(second):
        r = await client.post("/api/v1/reports/jobs",
                              json={"period": "2026-11", "agency": "000.00.15.H19", "format": "pdf"},
                              headers={**officer, "Idempotency-Key": "lease-1"})
        assert r.status_code == 202, r.text
        job = await _until(first, uuid.UUID(r.json()["id"]), "done", timeout=120)
        assert job["lease_owner"] == instance_id(first) and job["attempts"] == 1
