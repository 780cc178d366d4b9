"""Backup and restore: ``python -m devkit.backup create`` while the platform runs, then ``restore`` into an empty
installation; the platform started on it finds every dossier and every file (the same bytes), and its audit
chains still verify."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from devkit import devstack
from devkit.stackrun import Platform

ROOT = Path(__file__).resolve().parents[1]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\nstartxref\n0\n%%EOF\n"
LLTP = "2.000488.000.00.15.H19"
LLTP_FORM = {"loai_phieu": "Phiếu lý lịch tư pháp số 2", "muc_dich": "Xin việc", "so_luong_phieu": 1,
             "ngay_sinh": "1990-05-12"}

pytestmark = pytest.mark.e2e


@contextmanager
def platform_on(root: Path) -> Iterator[Platform]:
    saved = dict(os.environ)
    p = Platform(root, json.loads((ROOT / "deploy" / "services.json").read_text()), demo=True,
                 gateway_port=devstack.free_port())
    try:
        p.start(timeout=180)
        yield p
    finally:
        p.stop()
        os.environ.clear()
        os.environ.update(saved)


def login(gw: httpx.Client, username: str, password: str) -> dict[str, str]:
    r = gw.post("/api/v1/auth/token", data={"grant_type": "password", "username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def backup_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run([sys.executable, "-m", "devkit.backup", *args], env=env, capture_output=True, text=True,
                          timeout=300)


def test_a_backup_restored_into_an_empty_installation_has_every_dossier_and_file(tmp_path: Path) -> None:
    first = Path(devstack.tempfile.mkdtemp(prefix="dvc-backup-a-"))
    second = Path(devstack.tempfile.mkdtemp(prefix="dvc-backup-b-"))
    archive = tmp_path / "dvc.tar.gz"
    try:
        contents: dict[str, bytes] = {}
        with platform_on(first) as p, httpx.Client(base_url=f"http://127.0.0.1:{p.gateway_port}", timeout=60) as gw:
            citizen = login(gw, "congdan1", "CongDan@2026")
            codes = []
            for n in range(2):
                ids = []
                for tp in ("TP1", "TP2"):
                    content = PDF + f"{n}-{tp}".encode()
                    r = gw.post("/api/v1/files", headers=citizen,
                                files={"file": (f"{tp}.pdf", io.BytesIO(content), "application/pdf")})
                    assert r.status_code == 201, r.text
                    ids.append(r.json()["id"])
                    contents[r.json()["id"]] = content
                r = gw.post("/api/v1/dossiers", headers=citizen, json={
                    "procedure_code": LLTP, "return_method": "postal", "form_data": dict(LLTP_FORM),
                    "applicant": {"full_name": "Nguyễn Văn An", "id_number": "075090001234", "phone": "0912345678",
                                  "email": "an@example.vn", "address": "Biên Hòa", "type": "citizen"},
                    "documents": [{"requirement_code": "TP1", "file_id": ids[0]},
                                  {"requirement_code": "TP2", "file_id": ids[1]}]})
                assert r.status_code == 201, r.text
                codes.append(r.json()["code"])
            made = backup_cli("create", "--data", str(first), "--out", str(archive))  # while it runs
            assert made.returncode == 0, made.stderr
        refused = backup_cli("restore", "--from", str(archive), "--data", str(first))
        assert refused.returncode != 0 and "empty installation" in (refused.stderr + refused.stdout)

        restored = backup_cli("restore", "--from", str(archive), "--data", str(second))
        assert restored.returncode == 0, restored.stderr
        with platform_on(second) as p, httpx.Client(base_url=f"http://127.0.0.1:{p.gateway_port}", timeout=60) as gw:
            citizen = login(gw, "congdan1", "CongDan@2026")
            for code in codes:
                r = gw.get(f"/api/v1/dossiers/{code}", headers=citizen)
                assert r.status_code == 200, r.text
                for doc in r.json()["documents"]:
                    f = gw.get(f"/api/v1/files/{doc['file_id']}", headers=citizen)
                    assert f.status_code == 200 and f.content == contents[doc["file_id"]]
            mine = gw.get("/api/v1/dossiers", headers=citizen).json()
            assert {d["code"] for d in mine["items"]} >= set(codes)
            audit = gw.get("/api/v1/audit/verify", headers=login(gw, "admin", "Admin@2026")).json()
            assert audit["services"]["intake"]["valid"] is True and audit["services"]["intake"]["entries"] >= 2
    finally:
        shutil.rmtree(first, ignore_errors=True)
        shutil.rmtree(second, ignore_errors=True)
