"""``make run``: the whole platform on one machine, on real servers, from one command.

Starts PostgreSQL, NATS with JetStream, the SMTP and SMS sinks (each unless DATABASE_URL, NATS_URL,
SMTP_URL or SMS_URL points at one you run), creates and migrates each service's database (once, as its own
step), starts every service and the gateway (http://127.0.0.1:8000, ``GATEWAY_PORT`` changes it) in demo
mode, prints the URLs and demo accounts, and stops everything cleanly on Ctrl-C.

It supervises what it started: a service process or a NATS server that exits is started again (same port,
same data) after a backoff growing from 0.5 s to 30 s, and each exit and restart is logged (stdout and
``logs/supervisor.log``); the others keep serving meanwhile.

``make run REPLICAS=N`` (``DVC_REPLICAS``) starts every service N times behind the gateway, which balances
across them, and NATS as a 3-node JetStream cluster (``DVC_NATS_NODES``) whose streams keep 3 replicas.
The first replica of each service starts alone (it creates what a first start creates: demo data, keys),
the others once the platform is ready.
"""

from __future__ import annotations

import argparse
import contextlib
import email
import email.policy
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
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


BACKOFF_FIRST, BACKOFF_MAX, STEADY_AFTER = 0.5, 30.0, 60.0


@dataclass
class Child:
    """A supervised process: ``launch`` starts it (again) with the same command, port and data."""

    name: str
    launch: Callable[[], subprocess.Popen[bytes]]
    proc: subprocess.Popen[bytes]
    backoff: float = BACKOFF_FIRST
    restarts: int = 0
    due: float | None = None
    since: float = field(default_factory=time.monotonic)


def replica_name(name: str, index: int) -> str:
    """``intake`` for the first replica (as without replicas), ``intake-2``… for the others."""
    return name if index == 0 else f"{name}-{index + 1}"


class Platform:
    def __init__(
        self,
        root: Path,
        services: list[dict[str, Any]],
        *,
        demo: bool = True,
        gateway_port: int = 8000,
        replicas: int | None = None,
        nats_nodes: int | None = None,
    ) -> None:
        self.root = root
        self.services = services
        self.demo = demo
        self.gateway_port = gateway_port
        self.replicas = max(1, replicas or int(os.environ.get("DVC_REPLICAS") or 1))
        self.nats_nodes = nats_nodes or int(os.environ.get("DVC_NATS_NODES") or (3 if self.replicas > 1 else 1))
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.supervised: dict[str, Child] = {}
        self.nats: devstack.Nats | devstack.NatsCluster | None = None
        self.postgres: devstack.Postgres | None = None  # the one started here (None with DATABASE_URL)
        self.stoppers: list[Any] = []
        self.env: dict[str, str] = {}
        self.service_envs: dict[str, dict[str, str]] = {}
        self._stopping = threading.Event()
        self._supervisor: threading.Thread | None = None
        self._lock = threading.Lock()
        self._parked: dict[str, Child] = {}  # stopped by stop_service: not restarted until start_service

    # ------------------------------------------------------------------------------------------ supervision
    def log(self, message: str) -> None:
        line = f"[{time.strftime('%H:%M:%S')}] {message}"
        print(line, flush=True)
        with contextlib.suppress(OSError), open(self.root / "logs" / "supervisor.log", "a") as f:
            f.write(line + "\n")

    def supervise(self, name: str, launch: Callable[[], subprocess.Popen[bytes]]) -> Child:
        child = Child(name, launch, launch())
        with self._lock:
            self.supervised[name] = child
        return child

    def supervise_once(self) -> None:
        """Restarts each exited child once its backoff has passed; a child up for a minute is steady again."""
        now = time.monotonic()
        with self._lock:
            children = list(self.supervised.values())
        for child in children:
            if self._stopping.is_set():
                return
            code = child.proc.poll()
            if code is None:
                if child.backoff > BACKOFF_FIRST and now - child.since > STEADY_AFTER:
                    child.backoff = BACKOFF_FIRST
                continue
            if child.due is None:
                child.due = now + child.backoff
                self.log(f"{child.name} exited with code {code}; restarting in {child.backoff:.1f}s")
                child.backoff = min(child.backoff * 2, BACKOFF_MAX)
            elif now >= child.due:
                try:
                    child.proc = child.launch()
                except Exception as exc:  # e.g. its port still held: tried again after the next backoff
                    child.due = None
                    self.log(f"{child.name} could not be restarted: {exc}")
                    continue
                child.restarts += 1
                child.due, child.since = None, now
                if child.name in self.children:
                    self.children[child.name] = child.proc
                self.log(f"{child.name} restarted (pid {child.proc.pid}, restart {child.restarts})")

    def stop_service(self, name: str, timeout: float = 15) -> None:
        """Stops one service (a replica name) as an operator would, SIGTERM then SIGKILL after ``timeout``, and
        keeps it stopped: the supervisor leaves it alone until :meth:`start_service`."""
        with self._lock:
            child = self.supervised.pop(name)
            self._parked[name] = child
        if child.proc.poll() is None:
            child.proc.send_signal(signal.SIGTERM)
            try:
                child.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                child.proc.kill()
                child.proc.wait()

    def start_service(self, name: str) -> None:
        """Starts a service :meth:`stop_service` stopped, supervised again."""
        with self._lock:
            child = self._parked.pop(name)
        child.proc = child.launch()
        child.due, child.since = None, time.monotonic()
        with self._lock:
            self.supervised[name] = child
        self.children[name] = child.proc

    def mails_to(self, address: str) -> list[email.message.EmailMessage]:
        """The emails the SMTP sink kept for ``address``, oldest first."""
        out = []
        for p in sorted((self.root / "mail").glob("[!.]*.eml")):
            msg = email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            if msg["To"] == address:
                out.append(msg)
        return out  # type: ignore[return-value]

    def start_supervisor(self) -> None:
        def loop() -> None:
            while not self._stopping.wait(0.25):
                try:
                    self.supervise_once()
                except Exception as exc:  # the supervisor itself never dies of one child
                    self.log(f"supervisor: {exc!r}")

        self._supervisor = threading.Thread(target=loop, name="supervisor", daemon=True)
        self._supervisor.start()

    def start_infrastructure(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o755)
        if os.environ.get("DATABASE_URL"):
            self.admin_url = os.environ["DATABASE_URL"]
        else:
            pg = devstack.Postgres(self.root / "postgres", port=int(os.environ.get("DVC_PG_PORT", 0))).start()
            self.postgres = pg
            self.stoppers.append(pg.stop)
            self.admin_url = pg.url("postgres")
            print(f"  PostgreSQL  {self.admin_url}  (files: {pg.root})")
        (self.root / "logs").mkdir(exist_ok=True)
        stream_env: dict[str, str] = {}
        if os.environ.get("NATS_URL"):
            self.nats_url = os.environ["NATS_URL"]
        elif self.nats_nodes > 1:
            cluster = devstack.NatsCluster(self.root / "nats", size=self.nats_nodes).start()
            self.nats = cluster
            self.stoppers.append(cluster.stop)
            for node in cluster.nodes:
                self.supervise(f"nats-{node.name.removeprefix('dvc-')}", self._nats_launcher(node))
            self.nats_url = cluster.url
            stream_env["DVC_STREAM_REPLICAS"] = os.environ.get("DVC_STREAM_REPLICAS", str(min(3, self.nats_nodes)))
            print(f"  NATS        {self.nats_nodes}-node JetStream cluster {self.nats_url}  (under {cluster.root})")
        else:
            nats = devstack.Nats(self.root / "nats").start()
            self.nats = nats
            self.stoppers.append(nats.stop)
            self.supervise("nats", self._nats_launcher(nats))
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
            # the portal calls the API from this machine and passes the browser's address on
            "GATEWAY_TRUSTED_PROXIES": os.environ.get("GATEWAY_TRUSTED_PROXIES", '["127.0.0.1"]'),
            # the public address (links in emails, feeds, metadata) is the gateway's
            "DVC_PUBLIC_URL": os.environ.get("DVC_PUBLIC_URL", f"http://127.0.0.1:{self.gateway_port}"),
            "NOTIFY_PORTAL_URL": os.environ.get("NOTIFY_PORTAL_URL", f"http://127.0.0.1:{self.gateway_port}"),
            **stream_env,
            **payment_env,
        }

    @staticmethod
    def _nats_launcher(node: devstack.Nats) -> Callable[[], subprocess.Popen[bytes]]:
        """The node as started (its first process), then the same node again on its ports and storage."""
        first: list[subprocess.Popen[bytes]] = [node.proc] if node.proc else []

        def launch() -> subprocess.Popen[bytes]:
            if first:
                return first.pop()
            node.start(wait=False)
            assert node.proc is not None
            return node.proc

        return launch

    def service_env(self) -> dict[str, str]:
        """The environment every service shares (databases, the gateway's routes); each replica's own port is in
        ``service_envs``. With replicas, services reach one another through the gateway, which balances."""
        env = dict(self.env)
        gateway = f"http://127.0.0.1:{self.gateway_port}"
        for svc in self.services:
            db = f"dvc_{svc['name']}"
            devstack.create_database(self.admin_url, db)
            env[f"{svc['env_prefix']}DATABASE_URL"] = devstack.database_url_for(self.admin_url, db)
            count = 1 if svc["name"] == "gateway" else self.replicas
            ports = [self.gateway_port] if svc["name"] == "gateway" else [devstack.free_port() for _ in range(count)]
            svc["port"], svc["ports"] = ports[0], ports
            for i, port in enumerate(ports):
                self.service_envs[replica_name(svc["name"], i)] = {f"{svc['env_prefix']}PORT": str(port)}
            if svc["name"] != "gateway":
                # the gateway routes to it; services that read another's data synchronously use DVC_<NAME>_URL
                urls = [f"http://127.0.0.1:{p}" for p in ports]
                env[f"GATEWAY_{svc['name'].upper()}_URL"] = ",".join(urls)
                env[f"DVC_{svc['name'].upper()}_URL"] = urls[0] if count == 1 else gateway
        return env

    def migrate(self, env: dict[str, str]) -> None:
        """Each service's migrations once, as their own step (never from a replica's start)."""
        for svc in self.services:
            subprocess.run([sys.executable, "-m", svc["module"], "migrate"], env={**os.environ, **env}, check=True)

    def _launcher(self, svc: dict[str, Any], name: str, env: dict[str, str]) -> Callable[[], subprocess.Popen[bytes]]:
        logs = self.root / "logs"
        logs.mkdir(exist_ok=True)
        own = {**os.environ, **env, **self.service_envs[name]}

        def launch() -> subprocess.Popen[bytes]:
            with open(logs / f"{name}.log", "ab") as log:  # the child keeps its own copy of the descriptor
                return subprocess.Popen([sys.executable, "-m", svc["module"]], env=own, stdout=log, stderr=log)

        return launch

    def start_services(self, env: dict[str, str], replicas: range | None = None) -> None:
        """Starts the given replicas (by default the first) of every service, supervised."""
        for i in replicas or range(1):
            for svc in self.services:
                if i >= len(svc["ports"]):
                    continue
                name = replica_name(svc["name"], i)
                child = self.supervise(name, self._launcher(svc, name, env))
                self.children[name] = child.proc
        if self._supervisor is None:
            self.start_supervisor()

    def start_replicas(self, env: dict[str, str], timeout: float = 120) -> None:
        """The other replicas of every service, once the first ones are ready; waits until all are."""
        if self.replicas > 1:
            self.start_services(env, range(1, self.replicas))
            self.wait_ready(timeout, all_replicas=True)

    def start(self, timeout: float = 90) -> dict[str, str]:
        """Infrastructure, migrations, every service, then waits until the gateway reports all of it ready;
        returns the environment the services were started with (their URLs, the databases')."""
        self.start_infrastructure()
        env = self.service_env()
        self.migrate(env)
        self.start_services(env)
        self.wait_ready(timeout)
        self.start_replicas(env, timeout)
        return env

    def wait_ready(self, timeout: float = 90, *, all_replicas: bool = False) -> dict[str, Any]:
        """Until the gateway reports every service ready (``all_replicas``: every replica of each). A process that
        exits before is an error (a start that fails for good, e.g. a bad setting, must not loop unseen)."""
        url = f"http://127.0.0.1:{self.gateway_port}/readyz"
        deadline = time.monotonic() + timeout
        last: dict[str, Any] | None = None
        while time.monotonic() < deadline:
            for name, proc in self.children.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}; see {self.root / 'logs' / name}.log")
            last = _ready(url)
            if last and last.get("status") == "ok":
                counts = last.get("checks", {}).get("services", {}).get("replicas", {})
                if not all_replicas or all(c == f"{self.replicas}/{self.replicas}" for c in counts.values()):
                    return last
            time.sleep(0.3)
        raise RuntimeError(f"the platform is not ready after {timeout}s: {last}")

    def stop(self) -> None:
        self._stopping.set()
        if self._supervisor is not None:
            self._supervisor.join(5)
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
                     timeout: float = 120, demo: bool = True) -> Iterator[Platform]:
    """The whole platform in demo mode (``demo=False``: as in production, which needs ``DVC_ADMIN_PASSWORD`` in
    ``env``) in a temporary folder (tests and benchmarks): started, ready, then stopped and removed; ``env`` is
    set for the services and restored afterwards."""
    saved = dict(os.environ)
    os.environ.update(env or {})
    root = Path(tempfile.mkdtemp(prefix="dvc-"))
    platform = Platform(root, json.loads(services_file.read_text()), demo=demo, gateway_port=devstack.free_port())
    try:
        platform.start_infrastructure()
        service_env = platform.service_env()
        platform.migrate(service_env)
        platform.start_services(service_env)
        platform.wait_ready(timeout=timeout)
        platform.start_replicas(service_env, timeout=timeout)
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
    parser.add_argument("--replicas", type=int, default=None, help="processes per service (default DVC_REPLICAS or 1)")
    args = parser.parse_args()
    services = json.loads(Path(args.services).read_text())
    port = int(os.environ.get("GATEWAY_PORT", "8000"))
    platform = Platform(Path(args.data).resolve(), services, demo=not args.no_demo, gateway_port=port,
                        replicas=args.replicas)
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
        if platform.replicas > 1:
            print(f"\n{platform.replicas} replicas of every service behind the gateway; NATS: {platform.nats_url}")
        print("\nA process that exits is restarted (logs/supervisor.log). Ctrl-C stops everything.")
        while True:
            time.sleep(1)
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
