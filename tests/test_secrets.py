"""Outside demo mode the keys come from configuration only: a service started without them stops at once with
one line saying what is missing; given as files (``*_FILE`` variables too), the same start serves."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from devkit import devstack
from devkit.testing import Stack, Tokens
from servicekit.audit import ensure_key

ROOT = Path(__file__).resolve().parents[1]


def _start(module: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DVC_", "GATEWAY_", "INTAKE_", "INTEROP_",
                                                                      "AUTH_"))}
    return subprocess.run([sys.executable, "-m", module], env={**clean, "DVC_DEMO": "0", **env},
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize(("module", "prefix", "named"), [
    ("gateway", "GATEWAY_", "GATEWAY_SIGNING_KEY_FILE"),
    ("interop_svc", "INTEROP_", "INTEROP_SIGNING_KEY_FILE"),
    ("intake_svc", "INTAKE_", "INTAKE_SIGNING_DIR"),
    ("workflow_svc", "WORKFLOW_", "WORKFLOW_AUDIT_KEY_FILE"),
])
def test_a_start_without_its_keys_stops_with_one_line(module: str, prefix: str, named: str, tmp_path: Path) -> None:
    proc = _start(module, {f"{prefix}DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none",
                           f"{prefix}PORT": str(devstack.free_port()), "DVC_DATA_DIR": str(tmp_path),
                           f"{prefix}SIGNING_DIR": str(tmp_path / "empty")})
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "refusing to start outside demo mode" in lines[0] and named in lines[0]
    assert not (tmp_path / "keys").exists() and not (tmp_path / "interop").exists()  # nothing generated


def test_a_start_with_its_keys_as_files_serves(stack: Stack, tokens: Tokens, signing_key_file: Path,
                                                tmp_path: Path) -> None:
    """The gateway outside demo mode: signing key, audit key and the admin's password each from a file."""
    password_file = tmp_path / "admin-password"
    password_file.write_text("Quantri@2026\n")
    port = devstack.free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DVC_", "GATEWAY_"))}
    env.update({
        "DVC_DEMO": "0", "DVC_DATA_DIR": str(tmp_path),
        "GATEWAY_DATABASE_URL": stack.fresh_database("gateway", ROOT / "gateway" / "migrations"),
        "NATS_URL": stack.nats.url, "GATEWAY_PORT": str(port),
        "GATEWAY_SIGNING_KEY_FILE": str(signing_key_file),
        "GATEWAY_AUDIT_KEY_FILE": str(_key(tmp_path / "audit.pem")),
        "DVC_ADMIN_PASSWORD_FILE": str(password_file),
    })
    proc = subprocess.Popen([sys.executable, "-m", "gateway"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        token = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                r = httpx.post(f"http://127.0.0.1:{port}/api/v1/auth/token", timeout=5,
                               data={"grant_type": "password", "username": "admin", "password": "Quantri@2026"})
                if r.status_code == 200:
                    token = r.json()["access_token"]
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        assert token, proc.stderr.read() if proc.poll() is not None else "no answer"
        assert not (tmp_path / "keys").exists()  # nothing generated
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _key(path: Path) -> Path:
    ensure_key(path)
    return path


def test_an_unreadable_secret_file_stops_the_start_with_one_line(tmp_path: Path) -> None:
    proc = _start("gateway", {"GATEWAY_DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none",
                              "DVC_ADMIN_PASSWORD_FILE": str(tmp_path / "missing")})
    assert proc.returncode == 2, proc.stderr
    [line] = proc.stderr.strip().splitlines()
    assert "configuration error" in line and "DVC_ADMIN_PASSWORD_FILE" in line


def test_secrets_are_read_from_file_variables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from intake_svc.settings import Settings as IntakeSettings

    secret = tmp_path / "hash-secret"
    secret.write_text("s3cr3t-vnpay\n")
    monkeypatch.setenv("INTAKE_PAYMENT_HASH_SECRET_FILE", str(secret))
    monkeypatch.setenv("NATS_PASSWORD_FILE", str(secret))
    s = IntakeSettings(database_url="postgresql://x@127.0.0.1/x")
    assert s.payment_hash_secret == "s3cr3t-vnpay"
    assert s.nats_password == "s3cr3t-vnpay"
    monkeypatch.setenv("INTAKE_PAYMENT_HASH_SECRET", "from-the-variable")  # the variable itself wins
    assert IntakeSettings(database_url="postgresql://x@127.0.0.1/x").payment_hash_secret == "from-the-variable"
