"""pytest plugin: real PostgreSQL and NATS started by the suite itself on free ports (one pair per
xdist worker), a migrated template database per service, a fresh copy of it per test, and tokens."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from devkit import devstack
from servicekit.auth import AUDIENCE, key_id


@dataclass
class Stack:
    root: Path
    pg: devstack.Postgres
    nats: devstack.Nats
    smtp: devstack.SmtpSink
    sms: devstack.SmsSink
    _templates: dict[str, str]

    def admin_url(self) -> str:
        return self.pg.url("postgres")

    def template(self, name: str, migrations_dir: Path) -> str:
        """A database migrated to head once per session; fresh test databases copy it."""
        if name not in self._templates:
            from servicekit.migrations import upgrade

            tmpl = f"tmpl_{name}"
            devstack.create_database(self.admin_url(), tmpl)
            upgrade(migrations_dir, self.pg.url(tmpl))
            self._templates[name] = tmpl
        return self._templates[name]

    def fresh_database(self, name: str, migrations_dir: Path) -> str:
        tmpl = self.template(name, migrations_dir)
        db = f"t_{name}_{uuid.uuid4().hex[:10]}"
        devstack.create_database(self.admin_url(), db, template=tmpl)
        return self.pg.url(db)


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    root = Path(tempfile.mkdtemp(prefix="dvc-test-"))
    root.chmod(0o755)
    pg = devstack.Postgres(root / "pg", fast=True).start()
    nats = devstack.Nats(root / "nats").start()
    smtp = devstack.SmtpSink(root / "mail").start()
    sms = devstack.SmsSink(root / "sms").start()
    try:
        yield Stack(root, pg, nats, smtp, sms, {})
    finally:
        sms.stop()
        smtp.stop()
        nats.stop()
        pg.stop()
        shutil.rmtree(pg.root, ignore_errors=True)
        shutil.rmtree(root, ignore_errors=True)


async def reset_jetstream(nats_url: str) -> None:
    """Deletes every stream (and so every consumer): each test starts from an empty bus."""
    import nats

    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        for name in await js.streams_info():
            await js.delete_stream(name.config.name)  # type: ignore[arg-type]
    finally:
        await nc.close()


@dataclass
class Tokens:
    key: Ed25519PrivateKey
    public_key_file: Path
    issuer: str = "dvc-gateway"

    def mint(
        self,
        *,
        sub: str | None = None,
        username: str = "u",
        roles: tuple[str, ...] = ("citizen",),
        agency_code: str | None = None,
        department: str | None = None,
        name: str = "Người dùng thử",
        ttl: int = 600,
        **extra: Any,
    ) -> str:
        import jwt

        now = datetime.now(UTC)
        claims = {
            "sub": sub or str(uuid.uuid4()),
            "username": username,
            "roles": list(roles),
            "name": name,
            "agency_code": agency_code,
            "department": department,
            "iss": self.issuer,
            "aud": AUDIENCE,
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(seconds=ttl)).timestamp()),
            **extra,
        }
        return jwt.encode(claims, self.key, algorithm="EdDSA", headers={"kid": key_id(self.key.public_key())})

    def header(self, **kw: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.mint(**kw)}"}


@pytest.fixture(scope="session")
def tokens(stack: Stack) -> Tokens:
    key = Ed25519PrivateKey.generate()
    path = stack.root / "token.pub.pem"
    path.write_bytes(key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo))
    return Tokens(key, path)


@pytest.fixture(scope="session")
def fake_catalog_url() -> Iterator[str]:
    """The base URL of a stand-in catalog-svc over real HTTP (``devkit.fakecatalog``), for the services that
    read procedures and agencies; catalog-svc's contract test keeps it answering like the real one."""
    from devkit.fakecatalog import fake_catalog

    with fake_catalog() as url:
        yield url


@contextlib.asynccontextmanager
async def serving(app: Any, *, port: int | None = None, lifespan: Literal["auto", "on", "off"] = "auto",
                  log_level: str = "warning") -> AsyncIterator[str]:
    """Serves an ASGI app over real HTTP on a loopback port (a free one unless given) while the block runs;
    yields its base URL. For tests where something else must call the app: a proxy, a provider's IPN."""
    import uvicorn

    port = port or devstack.free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan=lifespan, log_level=log_level))
    task = asyncio.create_task(server.serve())
    await eventually(lambda: server.started or task.done(), interval=0.01)
    if not server.started:
        await task  # it stopped before serving (the port taken…): its error, not a silent hang
        raise RuntimeError(f"the test server on port {port} did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@contextlib.asynccontextmanager
async def running(app: Any) -> AsyncIterator[Any]:
    """Runs an app's lifespan and yields an httpx client bound to it (no socket)."""
    import httpx

    inner = app
    while not hasattr(inner, "router") and hasattr(inner, "app"):  # ASGI middleware around a FastAPI app
        inner = inner.app
    async with inner.router.lifespan_context(inner):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


async def eventually(predicate: Any, timeout: float = 15.0, interval: float = 0.05) -> Any:
    """Polls an (async or sync) predicate until it returns a truthy value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(interval)


async def api_login(client: Any, username: str, password: str) -> dict[str, str]:
    """The bearer header of ``username`` (password grant at the gateway), for an httpx.AsyncClient on it."""
    r = await client.post("/api/v1/auth/token",
                          data={"grant_type": "password", "username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def text_pdf(line: str = "PHIEU LY LICH TU PHAP SO 1") -> bytes:
    """A real one-page PDF (reportlab) holding ``line``: a result or a scan the strict upload check accepts."""
    import io

    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 760, line)
    c.save()
    return buf.getvalue()
