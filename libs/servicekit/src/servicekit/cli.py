"""The command line every service shares: ``python -m <pkg> [serve|migrate|audit-verify]``."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any


def _load(path: str) -> object:
    module, _, attr = path.partition(":")
    return getattr(importlib.import_module(module), attr)


def migrations_dir(main_file: str) -> Path:
    """``<svc>/src/<pkg>/__main__.py`` → ``<svc>/migrations``."""
    return Path(main_file).resolve().parents[2] / "migrations"


def refuse_without_secrets(settings: Any, name: str) -> None:
    """Outside demo mode a start without its keys stops here, with one line saying what is missing."""
    if getattr(settings, "demo", False):
        return
    missing: list[str] = settings.missing_secrets()
    if missing:
        print(f"{name}: refusing to start outside demo mode, missing: {'; '.join(missing)} "
              "(set them, or their *_FILE variants; DVC_DEMO=1 generates throw-away ones)", file=sys.stderr)
        raise SystemExit(2)


def audit_verify(settings: Any, app_factory: str) -> int:
    """Walks the audit chain of this service's database; prints ``{entries, valid, first_broken?}``."""
    import asyncio

    from servicekit import audit
    from servicekit.db import make_engine, make_sessionmaker

    _load(app_factory)  # the service's modules: their audited tables register themselves

    async def run() -> dict[str, Any]:
        engine = make_engine(settings.database_url, pool_size=1)
        try:
            key = audit.load_anchor_key(settings)
            async with make_sessionmaker(engine)() as session:
                result = await audit.verify(session, [key.public_key()] if key else [],
                                            service=settings.service_name)
            return result.as_dict()
        finally:
            await engine.dispose()

    out = asyncio.run(run())
    print(json.dumps(out, ensure_ascii=False))
    return 0 if out["valid"] else 1


def main(name: str, app_factory: str, settings_cls: str, main_file: str) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m {name}")
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "migrate", "audit-verify"])
    args = parser.parse_args()
    try:
        settings = _load(settings_cls)()  # type: ignore[operator]
    except Exception as exc:  # a bad or unreadable setting: one line, not a traceback
        print(f"{name}: configuration error: {' '.join(str(exc).split())}", file=sys.stderr)
        raise SystemExit(2) from None
    if args.command == "migrate":
        from servicekit.migrations import upgrade

        upgrade(migrations_dir(main_file), settings.database_url)
        return
    if args.command == "audit-verify":
        raise SystemExit(audit_verify(settings, app_factory))
    refuse_without_secrets(settings, name)
    import uvicorn

    uvicorn.run(
        app_factory,
        factory=True,
        host=getattr(settings, "host", "127.0.0.1"),
        port=int(getattr(settings, "port", 8000)),
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level="warning",
        # longer than the gateway keeps idle pooled connections (30 s): it never reuses one we closed
        timeout_keep_alive=75,
        timeout_graceful_shutdown=10,
    )
