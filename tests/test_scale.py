"""The platform as ``make run`` starts it, under kill -9: supervised processes come back by themselves, and with
replicas on a 3-node NATS cluster a bounded load of keyed submissions loses nothing, duplicates nothing and never
fails at the gateway. Heavy (a whole platform each, 2 with replicas): ``pytest -m scale`` runs them alone."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import os
import shutil
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from devkit import devstack
from devkit.stackrun import Platform
from devkit.testing import eventually

ROOT = Path(__file__).resolve().parents[1]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\nstartxref\n0\n%%EOF\n"
LLTP = "2.000488.000.00.15.H19"  # Cấp Phiếu lý lịch tư pháp (Sở Tư pháp), TP1 and TP2 required
LLTP_FORM = {"loai_phieu": "Phiếu lý lịch tư pháp số 2", "muc_dich": "Xin việc", "so_luong_phieu": 1,
             "ngay_sinh": "1990-05-12"}

pytestmark = [pytest.mark.e2e, pytest.mark.scale]


@pytest.fixture
def platform_env() -> Iterator[None]:
    saved = dict(os.environ)
    os.environ["CATALOG_JOB_LEASE_SECONDS"] = "3"  # a killed replica's report job is taken over within seconds
    yield
    os.environ.clear()
    os.environ.update(saved)


def start_platform(replicas: int, nats_nodes: int) -> Platform:
    root = Path(devstack.tempfile.mkdtemp(prefix="dvc-scale-"))
    services = json.loads((ROOT / "deploy" / "services.json").read_text())
    p = Platform(root, services, demo=True, gateway_port=devstack.free_port(), replicas=replicas,
                 nats_nodes=nats_nodes)
    try:
        p.env_of_services = p.start(timeout=240)  # type: ignore[attr-defined]
    except BaseException:
        p.stop()
        shutil.rmtree(root, ignore_errors=True)
        raise
    return p


@pytest.fixture
def single(platform_env: None) -> Iterator[Platform]:
    """As ``make run`` starts it: one process per service, one NATS server."""
    yield from running(replicas=1, nats_nodes=1)


@pytest.fixture
def replicated(platform_env: None) -> Iterator[Platform]:
    """As ``make run REPLICAS=2`` starts it: two processes per service, a 3-node NATS cluster."""
    yield from running(replicas=2, nats_nodes=3)


def running(replicas: int, nats_nodes: int) -> Iterator[Platform]:
    p = start_platform(replicas, nats_nodes)
    try:
        yield p
    finally:
        p.stop()
        shutil.rmtree(p.root, ignore_errors=True)


async def login(gw: httpx.AsyncClient, username: str, password: str) -> dict[str, str]:
    r = await gw.post("/api/v1/auth/token", data={"grant_type": "password", "username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def prepared_bodies(gw: httpx.AsyncClient, citizen: dict[str, str], n: int, tag: str) -> list[dict[str, Any]]:
    """``n`` dossier bodies, their documents uploaded beforehand; each applicant with an address of its own so
    the submission emails can be counted per dossier."""
    bodies = []
    for i in range(n):
        documents = []
        for tp in ("TP1", "TP2"):
            r = await gw.post("/api/v1/files", headers=citizen,
                              files={"file": ("giay-to.pdf", PDF + uuid.uuid4().bytes, "application/pdf")})
            assert r.status_code == 201, r.text
            documents.append({"requirement_code": tp, "file_id": r.json()["id"]})
        bodies.append({
            "procedure_code": LLTP, "return_method": "postal", "form_data": dict(LLTP_FORM), "documents": documents,
            "applicant": {"full_name": "Lê Thị Tải", "id_number": "075190009999", "phone": "0912000999",
                          "email": f"{tag}-{i}@example.vn", "address": "Biên Hòa, Đồng Nai", "type": "citizen"},
        })
    return bodies


async def submit_all(gw: httpx.AsyncClient, citizen: dict[str, str], bodies: list[dict[str, Any]],
                     workers: int) -> dict[str, httpx.Response]:
    """Each body once, with its own Idempotency-Key, ``workers`` at a time; the gateway's first answer is kept
    (no client retry: a failure must show)."""
    answers: dict[str, httpx.Response] = {}
    queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait((uuid.uuid4().hex, body))

    async def worker() -> None:
        while not queue.empty():
            key, body = queue.get_nowait()
            answers[key] = await gw.post("/api/v1/dossiers", json=body, headers={**citizen, "Idempotency-Key": key})

    await asyncio.gather(*(worker() for _ in range(workers)))
    return answers


def submission_mails(platform: Platform, tag: str) -> dict[str, list[str]]:
    """The submission emails per applicant address of this test's dossiers: address → dossier codes."""
    out: dict[str, list[str]] = {}
    for path in sorted((platform.root / "mail").glob("[!.]*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if str(msg["To"]).startswith(f"{tag}-") and msg["X-Dvc-Event-Type"] == "intake.dossier.submitted.v1":
            out.setdefault(str(msg["To"]), []).append(str(msg["X-Dvc-Dossier-Code"]))
    return out


def kill(platform: Platform, name: str) -> int:
    proc = platform.supervised[name].proc
    os.kill(proc.pid, signal.SIGKILL)
    return proc.pid


async def back(platform: Platform, *names: str, timeout: float = 120) -> None:
    """Until the supervisor restarted each of ``names`` and the gateway reports every replica ready again."""
    async def restarted() -> bool:
        return all(platform.supervised[n].restarts >= 1 and platform.supervised[n].proc.poll() is None for n in names)

    await eventually(restarted, timeout=timeout, interval=0.2)
    await asyncio.to_thread(platform.wait_ready, timeout, all_replicas=True)


def assert_nothing_lost(answers: dict[str, httpx.Response], mails: dict[str, list[str]], n: int) -> None:
    assert sorted({r.status_code for r in answers.values()}) == [201], {
        k: (r.status_code, r.text[:200]) for k, r in answers.items() if r.status_code != 201}
    codes = [r.json()["code"] for r in answers.values()]
    assert len(codes) == n and len(set(codes)) == n  # one dossier per key, no code twice
    assert sorted(c for cs in mails.values() for c in cs) == sorted(codes)  # each notified exactly once
    assert all(len(cs) == 1 for cs in mails.values())


async def test_make_run_brings_back_killed_notify_and_nats_while_submissions_keep_answering(
    single: Platform,
) -> None:
    """Issue 18: kill -9 of notify (no part in submitting) and of the NATS server: submissions keep answering
    201, the gateway stays ready, both processes come back by themselves and every email goes out once."""
    n, tag = 10, f"sup-{uuid.uuid4().hex[:6]}"
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{single.gateway_port}", timeout=60) as gw:
        citizen = await login(gw, "congdan1", "CongDan@2026")
        bodies = await prepared_bodies(gw, citizen, n, tag)
        kill(single, "notify")
        kill(single, "nats")
        answers = await submit_all(gw, citizen, bodies[: n // 2], workers=2)
        ready = await gw.get("/readyz")
        assert ready.status_code == 200, ready.text  # a service down never takes the gateway out of rotation
        answers.update(await submit_all(gw, citizen, bodies[n // 2:], workers=2))
        await back(single, "notify", "nats")
        mails = await eventually(lambda: len(m := submission_mails(single, tag)) == n and m, timeout=120)
        await asyncio.sleep(3)  # a duplicate would come right after the first
        assert_nothing_lost(answers, submission_mails(single, tag), n)
        log = (single.root / "logs" / "supervisor.log").read_text()
        assert "notify exited with code -9" in log and "nats exited with code -9" in log
        assert "notify restarted" in log and "nats restarted" in log
        assert mails


async def test_replicas_on_a_nats_cluster_lose_nothing_when_one_of_each_is_killed(replicated: Platform) -> None:
    """Issue 19, checks 1-3: REPLICAS=2 on a 3-node JetStream cluster. During a bounded load of keyed
    submissions, kill -9 of one replica of every service and of one NATS node: every keyed request answered 201
    by the gateway, no dossier lost or doubled, no code twice, each submission email once. Then a report job
    whose replica is killed mid-way finishes on the other replica."""
    n, tag = 24, f"rep-{uuid.uuid4().hex[:6]}"
    platform = replicated
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{platform.gateway_port}", timeout=60) as gw:
        ready = (await gw.get("/readyz")).json()
        assert set(ready["checks"]["services"]["replicas"].values()) == {"2/2"}
        citizen = await login(gw, "congdan1", "CongDan@2026")
        bodies = await prepared_bodies(gw, citizen, n, tag)
        load = asyncio.create_task(submit_all(gw, citizen, bodies, workers=4))
        await asyncio.sleep(1.0)
        victims = [f"{s['name']}-2" for s in platform.services if s["name"] != "gateway"] + ["nats-n2"]
        for name in victims:
            kill(platform, name)
        answers = await load
        await back(platform, *victims)
        await eventually(lambda: len(submission_mails(platform, tag)) == n, timeout=180, interval=0.5)
        await asyncio.sleep(3)
        assert_nothing_lost(answers, submission_mails(platform, tag), n)
        cluster = await _stream_replicas(platform)
        assert cluster == {"INTAKE": 3}

        await _report_job_survives_its_replica(platform, gw)


async def _stream_replicas(platform: Platform) -> dict[str, int]:
    import nats

    nc = await nats.connect(platform.nats_url.split(","))
    try:
        info = await nc.jetstream().stream_info("INTAKE")
        return {"INTAKE": info.config.num_replicas or 1}
    finally:
        await nc.close()


async def _report_job_survives_its_replica(platform: Platform, gw: httpx.AsyncClient) -> None:
    """A statistics rebuild over enough dossiers to take a while; the catalog replica running it is killed
    mid-way; the other replica takes the job over once its lease runs out and finishes it."""
    env: dict[str, str] = platform.env_of_services  # type: ignore[attr-defined]
    db = await asyncpg.connect(env["CATALOG_DATABASE_URL"].replace("+asyncpg", ""))
    try:
        # the stored events of this test's dossiers, copied under 30,000 other dossier codes
        await db.execute(
            "INSERT INTO stats_events (event_id, type, dossier_code, at, time, data) "
            "SELECT e.event_id || '-' || g, e.type, e.dossier_code || '-' || g, e.at, e.time, e.data "
            "FROM stats_events e CROSS JOIN generate_series(1, $1) g", 30_000 // max(1, await db.fetchval(
                "SELECT count(DISTINCT dossier_code) FROM stats_events")))
        admin = await login(gw, "admin", "Admin@2026")
        r = await gw.post("/api/v1/reports/stats/rebuild", headers={**admin, "Idempotency-Key": uuid.uuid4().hex})
        assert r.status_code == 202, r.text
        job_id = uuid.UUID(r.json()["id"])

        async def running_owner() -> str | None:
            row = await db.fetchrow("SELECT state, lease_owner, progress FROM report_jobs WHERE id = $1", job_id)
            assert row["state"] != "done", "the rebuild finished before its replica could be killed"
            return str(row["lease_owner"]) if row["state"] == "running" and row["lease_owner"] else None

        owner = await eventually(running_owner, timeout=60, interval=0.1)
        port = int(owner.rsplit(":", 1)[1])
        [victim] = [n for n, c in platform.supervised.items() if n.startswith("catalog")
                    and platform.service_envs[n].get("CATALOG_PORT") == str(port)]
        kill(platform, victim)

        async def finished() -> Any:
            row = await db.fetchrow("SELECT state, lease_owner, attempts FROM report_jobs WHERE id = $1", job_id)
            return row if row["state"] in ("done", "failed") else None

        row = await eventually(finished, timeout=180, interval=0.5)
        assert row["state"] == "done" and row["lease_owner"] != owner and row["attempts"] == 2
    finally:
        await db.close()
