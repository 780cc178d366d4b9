"""``make run``: the whole platform on one machine, on real servers, from one command.

Starts PostgreSQL, NATS with JetStream, the SMTP and SMS sinks (each unless DATABASE_URL, NATS_URL,
SMTP_URL or SMS_URL points at one you run), creates and migrates each service's database, starts every
service and the gateway (http://127.0.0.1:8000, ``GATEWAY_PORT`` changes it) in demo mode, prints the
URLs and demo accounts, and stops everything cleanly on Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from devkit import devstack
from servicekit.auth import ensure_signing_keys


def _ready(url: str) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            body: dict[str, Any] = json.loads(r.read())
            return body
    except Exception:
        return None


class Platform:
    def __init__(
        self, root: Path, services: list[dict[str, Any]], *, demo: bool = True, gateway_port: int = 8000
    ) -> None:
        self.root = root
        self.services = services
        self.demo = demo
        self.gateway_port = gateway_port
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.stoppers: list[Any] = []
        self.env: dict[str, str] = {}

    def start_infrastructure(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o755)
        if os.environ.get("DATABASE_URL"):
            self.admin_url = os.environ["DATABASE_URL"]
        else:
            pg = devstack.Postgres(self.root / "postgres", port=int(os.environ.get("DVC_PG_PORT", 0))).start()
            self.stoppers.append(pg.stop)
            self.admin_url = pg.url("postgres")
            print(f"  PostgreSQL  {self.admin_url}  (files: {pg.root})")
        if os.environ.get("NATS_URL"):
            self.nats_url = os.environ["NATS_URL"]
        else:
            nats = devstack.Nats(self.root / "nats").start()
            self.stoppers.append(nats.stop)
            self.nats_url = nats.url
            print(f"  NATS        {self.nats_url}  (JetStream under {nats.root})")
        if os.environ.get("SMTP_URL"):
            self.smtp_url = os.environ["SMTP_URL"]
        else:
            smtp = devstack.SmtpSink(self.root / "mail").start()
            self.stoppers.append(smtp.stop)
            self.smtp_url = smtp.url
            print(f"  SMTP sink   {self.smtp_url}  (messages kept as .eml under {smtp.root})")
        if os.environ.get("SMS_URL"):
            self.sms_url = os.environ["SMS_URL"]
        else:
            sms = devstack.SmsSink(self.root / "sms").start()
            self.stoppers.append(sms.stop)
            self.sms_url = sms.url
            print(f"  SMS sink    {self.sms_url}  (messages kept as .json under {sms.root})")
        if os.environ.get("INTAKE_PAYMENT_URL"):
            payment_env: dict[str, str] = {}
        else:
            # a local payment provider speaking the usual Vietnamese gateway protocol (signed redirect + IPN)
            import secrets

            from devkit.payprovider import PaymentProvider

            secret, tmn = secrets.token_hex(32), "DVCDEMO1"
            ipn = f"http://127.0.0.1:{self.gateway_port}/api/v1/payments/ipn"
            provider = PaymentProvider(self.root / "payments", secret, tmn, ipn_url=ipn).start()
            self.stoppers.append(provider.stop)
            payment_env = {
                "INTAKE_PAYMENT_URL": provider.url,
                "INTAKE_PAYMENT_TMN_CODE": tmn,
                "INTAKE_PAYMENT_HASH_SECRET": secret,
                "INTAKE_PAYMENT_IPN_URL": ipn,
                # the browser comes back to the portal's payment result page (intake's default, on DVC_PUBLIC_URL)
            }
            print(f"  Payments    {provider.url}  (local provider; transactions kept under {provider.root})")
        private, public = ensure_signing_keys(self.root / "keys")
        self.env = {
            "NATS_URL": self.nats_url,
            "SMTP_URL": self.smtp_url,
            "SMS_URL": self.sms_url,
            "AUTH_PUBLIC_KEY_FILE": str(public),
            "GATEWAY_SIGNING_KEY_FILE": str(private),
            "DVC_DATA_DIR": str(self.root),
            "DVC_DEMO": "1" if self.demo else "0",
            # the public address (links in emails, feeds, metadata) is the gateway's
            "DVC_PUBLIC_URL": os.environ.get("DVC_PUBLIC_URL", f"http://127.0.0.1:{self.gateway_port}"),
            "NOTIFY_PORTAL_URL": os.environ.get("NOTIFY_PORTAL_URL", f"http://127.0.0.1:{self.gateway_port}"),
            **payment_env,
        }

    def service_env(self) -> dict[str, str]:
        env = dict(self.env)
        for svc in self.services:
            db = f"dvc_{svc['name']}"
            devstack.create_database(self.admin_url, db)
            env[f"{svc['env_prefix']}DATABASE_URL"] = devstack.database_url_for(self.admin_url, db)
            port = self.gateway_port if svc["name"] == "gateway" else devstack.free_port()
            svc["port"] = port
            env[f"{svc['env_prefix']}PORT"] = str(port)
            if svc["name"] != "gateway":
                # the gateway routes to it; services that read another's data synchronously use DVC_<NAME>_URL
                env[f"GATEWAY_{svc['name'].upper()}_URL"] = f"http://127.0.0.1:{port}"
                env[f"DVC_{svc['name'].upper()}_URL"] = f"http://127.0.0.1:{port}"
        return env

    def migrate(self, env: dict[str, str]) -> None:
        for svc in self.services:
            subprocess.run([sys.executable, "-m", svc["module"], "migrate"], env={**os.environ, **env}, check=True)

    def start_services(self, env: dict[str, str]) -> None:
        logs = self.root / "logs"
        logs.mkdir(exist_ok=True)
        for svc in self.services:
            log = open(logs / f"{svc['name']}.log", "ab")  # noqa: SIM115 (kept open for the child)
            self.children[svc["name"]] = subprocess.Popen(
                [sys.executable, "-m", svc["module"]],
                env={**os.environ, **env},
                stdout=log,
                stderr=log,
            )

    def start(self, timeout: float = 90) -> dict[str, str]:
        """Infrastructure, migrations, every service, then waits until the gateway reports all of it ready;
        returns the environment the services were started with (their URLs, the databases')."""
        self.start_infrastructure()
        env = self.service_env()
        self.migrate(env)
        self.start_services(env)
        self.wait_ready(timeout)
        return env

    def wait_ready(self, timeout: float = 90) -> dict[str, Any]:
        url = f"http://127.0.0.1:{self.gateway_port}/readyz"
        deadline = time.monotonic() + timeout
        last: dict[str, Any] | None = None
        while time.monotonic() < deadline:
            for name, proc in self.children.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}; see {self.root / 'logs' / name}.log")
            last = _ready(url)
            if last and last.get("status") == "ok":
                return last
            time.sleep(0.3)
        raise RuntimeError(f"the platform is not ready after {timeout}s: {last}")

    def stop(self) -> None:
        for proc in self.children.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.children.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        for stop in reversed(self.stoppers):
            stop()


@contextlib.contextmanager
def running_platform(services_file: Path, *, env: dict[str, str] | None = None,
                     timeout: float = 120) -> Iterator[Platform]:
    """The whole platform in demo mode in a temporary folder (tests and benchmarks): started, ready, then
    stopped and removed; ``env`` is set for the services and restored afterwards."""
    saved = dict(os.environ)
    os.environ.update(env or {})
    root = Path(tempfile.mkdtemp(prefix="dvc-"))
    platform = Platform(root, json.loads(services_file.read_text()), demo=True, gateway_port=devstack.free_port())
    try:
        platform.start_infrastructure()
        service_env = platform.service_env()
        platform.migrate(service_env)
        platform.start_services(service_env)
        platform.wait_ready(timeout=timeout)
        yield platform
    finally:
        platform.stop()
        shutil.rmtree(root, ignore_errors=True)
        os.environ.clear()
        os.environ.update(saved)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m devkit.stackrun")
    parser.add_argument("--services", default="deploy/services.json")
    parser.add_argument("--data", default=".data")
    parser.add_argument("--no-demo", action="store_true")
    args = parser.parse_args()
    services = json.loads(Path(args.services).read_text())
    port = int(os.environ.get("GATEWAY_PORT", "8000"))
    platform = Platform(Path(args.data).resolve(), services, demo=not args.no_demo, gateway_port=port)
    stopping = False

    def on_signal(signum: int, frame: Any) -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)  # also when started in the background, where SIGINT is ignored
    print("Starting the Đồng Nai online public-service platform…")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            print(f"Error: port {port} is already in use; set GATEWAY_PORT to another port.", file=sys.stderr)
            sys.exit(1)
    try:
        platform.start()
        base = f"http://127.0.0.1:{port}"
        print(
            f"\nReady: {base}\n  API docs     {base}/docs\n  readiness    {base}/readyz\n"
            f"  logs         {platform.root / 'logs'}"
        )
        if not args.no_demo:
            from importlib import resources

            accounts = json.loads(resources.files("gateway").joinpath("demo_accounts.json").read_text("utf-8"))
            print("\nDemo accounts (username / password / roles / agency):")
            for a in accounts:
                print(
                    f"  {a['username']:<18} {a['password']:<14} {','.join(a['roles']):<16} {a.get('agency_code') or ''}"
                )
        print("\nCtrl-C stops everything.")
        while True:
            time.sleep(1)
            for name, proc in platform.children.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}; see its log")
    except KeyboardInterrupt:
        print("\nStopping…")
    except Exception as exc:
        print(f"\nError: {exc}", file=sys.stderr)
        platform.stop()
        sys.exit(1)
    platform.stop()
    print("Stopped.")


if __name__ == "__main__":
    main()
