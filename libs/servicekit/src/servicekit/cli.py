"""The command line every service shares: ``python -m <pkg> [serve|migrate]``."""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path


def _load(path: str) -> object:
    module, _, attr = path.partition(":")
    return getattr(importlib.import_module(module), attr)


def migrations_dir(main_file: str) -> Path:
    """``<svc>/src/<pkg>/__main__.py`` → ``<svc>/migrations``."""
    return Path(main_file).resolve().parents[2] / "migrations"


def main(name: str, app_factory: str, settings_cls: str, main_file: str) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m {name}")
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "migrate"])
    args = parser.parse_args()
    settings = _load(settings_cls)()  # type: ignore[operator]
    if args.command == "migrate":
        from servicekit.migrations import upgrade

        upgrade(migrations_dir(main_file), settings.database_url)
        return
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
