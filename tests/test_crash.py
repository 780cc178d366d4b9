"""Crash test: kill -9 of intake-svc, notify-svc and the NATS server during a bounded load of keyed submissions
through the gateway. Once everything is back: every submission the clients kept retrying is one dossier (no
loss, no duplicate), every code is unique, and the submission email of each dossier was sent exactly once.

Bounded in time (about 60 submissions; every wait has a deadline) and marked ``crash``, so it runs alone with
``pytest -m crash tests/test_crash.py``. Its servers are its own: the platform as ``make run`` starts it, whose
supervisor starts a killed service or NATS server again (the test waits for that restart).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import io
import json
import os
import shutil
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from devkit import devstack
from devkit.stackrun import Platform
from devkit.testing import eventually
from servicekit.db import make_engine

ROOT = Path(__file__).resolve().parents[1]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\nstartxref\n0\n%%EOF\n"
LLTP = "2.000488.000.00.15.H19"
LLTP_FORM = {"loai_phieu": "Phiếu lý lịch tư pháp số 2", "muc_dich": "Xin việc", "so_luong_phieu": 1,
             "ngay_sinh": "1990-05-12"}
SUBMISSIONS = 60
WORKERS = 6
SUBMIT_DEADLINE = 240.0  # seconds for the whole load, crashes included

pytestmark = [pytest.mark.e2e, pytest.mark.crash]


class Chaos:
    """The platform as ``make run`` starts it, supervised (devkit.stackrun): a killed process is started again
    on its port and data; the test kills and waits for the restart."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.platform = Platform(root, json.loads((ROOT / "deploy" / "services.json").read_text()), demo=True,
                                 gateway_port=devstack.free_port(), replicas=1, nats_nodes=1)
        self.env: dict[str, str] = {}
        self.kills: list[str] = []

    def start(self) -> None:
        os.environ.pop("NATS_URL", None)  # the platform's own NATS server, supervised like the services
        self.env = self.platform.start(timeout=180)

    def port(self, name: str) -> int:
        return int(next(s for s in self.platform.services if s["name"] == name)["port"])

    def kill(self, name: str) -> None:
        """kill -9, then wait until the supervisor has started it again and it answers."""
        child = self.platform.supervised[name]
        restarts = child.restarts
        child.proc.send_signal(signal.SIGKILL)
        self.kills.append(name)
        deadline = time.monotonic() + 120
        while child.restarts == restarts:
            assert time.monotonic() < deadline, f"{name} was not restarted"
            time.sleep(0.1)
        if name == "nats":
            devstack.wait_port(int(self.platform.nats_url.rsplit(":", 1)[1]), 60)
            return
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port(name)}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"{name} did not answer after its restart"
            time.sleep(0.2)

    def stop(self) -> None:
        self.platform.stop()


@pytest.fixture(scope="module")
def chaos() -> Iterator[Chaos]:
    saved = dict(os.environ)
    root = Path(devstack.tempfile.mkdtemp(prefix="dvc-crash-"))
    c = Chaos(root)
    try:
        c.start()
        yield c
    finally:
        c.stop()
        shutil.rmtree(root, ignore_errors=True)
        os.environ.clear()
        os.environ.update(saved)


async def _retrying(deadline: float, call: Any) -> httpx.Response:
    """What a careful client does: the same request again after an error or a 5xx, until the deadline."""
    while True:
        try:
            r: httpx.Response = await call()
            if r.status_code < 500:
                return r
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError("no answer before the deadline")
        await asyncio.sleep(0.5)


async def test_kill_9_of_intake_notify_and_nats_loses_and_duplicates_nothing(chaos: Chaos) -> None:
    base = f"http://127.0.0.1:{chaos.platform.gateway_port}"
    deadline = time.monotonic() + SUBMIT_DEADLINE
    async with httpx.AsyncClient(base_url=base, timeout=30) as gw:
        r = await gw.post("/api/v1/auth/token", data={"grant_type": "password", "username": "congdan1",
                                                       "password": "CongDan@2026"})
        assert r.status_code == 200, r.text
        citizen = {"Authorization": f"Bearer {r.json()['access_token']}"}
        keys = [f"crash-{uuid.uuid4().hex}" for _ in range(SUBMISSIONS)]
        codes: dict[str, str] = {}
        queue: asyncio.Queue[str] = asyncio.Queue()
        for k in keys:
            queue.put_nowait(k)

        async def upload(n: int) -> str:
            content = PDF + uuid.uuid4().hex.encode()
            r = await _retrying(deadline, lambda: gw.post("/api/v1/files", headers=citizen, files={
                "file": (f"tp{n}.pdf", io.BytesIO(content), "application/pdf")}))
            assert r.status_code == 201, r.text
            return str(r.json()["id"])

        async def worker() -> None:
            while not queue.empty():
                key = queue.get_nowait()
                tp1, tp2 = await upload(1), await upload(2)
                body = {"procedure_code": LLTP, "return_method": "postal", "form_data": dict(LLTP_FORM),
                        "applicant": {"full_name": "Nguyễn Văn An", "id_number": "075090001234",
                                      "phone": "0912345678", "email": f"{key}@example.vn", "address": "Biên Hòa",
                                      "type": "citizen"},
                        "documents": [{"requirement_code": "TP1", "file_id": tp1},
                                      {"requirement_code": "TP2", "file_id": tp2}]}
                headers = {**citizen, "Idempotency-Key": key}
                r = await _retrying(deadline, lambda b=body, h=headers: gw.post("/api/v1/dossiers", json=b, headers=h))
                assert r.status_code in (200, 201), r.text
                codes[key] = str(r.json()["code"])

        async def crashes() -> None:
            async def when(done: int) -> None:
                while len(codes) < done and time.monotonic() < deadline:
                    await asyncio.sleep(0.05)

            await when(SUBMISSIONS // 6)
            await asyncio.to_thread(chaos.kill, "intake")
            await when(SUBMISSIONS // 2)
            await asyncio.to_thread(chaos.kill, "notify")
            await when(2 * SUBMISSIONS // 3)
            await asyncio.to_thread(chaos.kill, "nats")

        await asyncio.gather(crashes(), *(worker() for _ in range(WORKERS)))
        assert chaos.kills == ["intake", "notify", "nats"]
        assert len(codes) == SUBMISSIONS

    # intake: one dossier per key, unique codes, one submission action each
    intake = make_engine(chaos.env["INTAKE_DATABASE_URL"], pool_size=1)
    notify = make_engine(chaos.env["NOTIFY_DATABASE_URL"], pool_size=1)
    try:
        async with intake.connect() as conn:
            rows = (await conn.execute(text(
                "SELECT d.code, count(a.id) FROM dossiers d JOIN dossier_actions a ON a.dossier_id = d.id "
                "AND a.action = 'submit' GROUP BY d.code"))).all()
        stored: dict[str, int] = {str(code): int(n) for code, n in rows}
        assert sorted(stored) == sorted(codes.values())  # nothing lost, nothing extra
        assert len(set(codes.values())) == SUBMISSIONS  # no code given twice
        assert set(stored.values()) == {1}

        # notify: every submission email sent, each exactly once (delivery rows and the SMTP sink's files)
        async def all_sent() -> bool:
            async with notify.connect() as conn:
                n = (await conn.execute(text(
                    "SELECT count(*) FROM deliveries WHERE event_type = 'intake.dossier.submitted.v1' "
                    "AND channel = 'email' AND status = 'sent'"))).scalar_one()
            return int(n) >= SUBMISSIONS

        await eventually(all_sent, timeout=180, interval=1.0)
        async with notify.connect() as conn:
            per_code = {str(c): int(n) for c, n in (await conn.execute(text(
                "SELECT dossier_code, count(*) FROM deliveries WHERE event_type = 'intake.dossier.submitted.v1' "
                "AND channel = 'email' GROUP BY dossier_code"))).all()}
        assert per_code == dict.fromkeys(codes.values(), 1)
        # one message per dossier in the SMTP sink. A kill of notify after the MTA accepted a message and before
        # 'sent' committed may hand the MTA a second copy (SMTP has no idempotent submission; notify's README):
        # it must then be the same message, with the same Message-ID, which mail stores collapse
        message_ids: dict[str, set[str]] = {code: set() for code in codes.values()}
        for eml in (chaos.root / "mail").glob("*.eml"):
            msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
            for key, code in codes.items():
                if f"{key}@example.vn" in str(msg["To"]):
                    message_ids[code].add(str(msg["Message-ID"]))
        assert {code: len(ids) for code, ids in message_ids.items()} == dict.fromkeys(codes.values(), 1)
    finally:
        await intake.dispose()
        await notify.dispose()
