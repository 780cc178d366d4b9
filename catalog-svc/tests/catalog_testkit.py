"""catalog-svc's test kit: helpers its tests share (importable through the pytest ``pythonpath`` setting)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from catalog_svc.settings import Settings

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def make_settings(stack: Any, tokens: Any, **kw: Any) -> Settings:
    """The service's settings on the suite's PostgreSQL (a fresh database) and NATS."""
    return Settings(database_url=stack.fresh_database("catalog", MIGRATIONS), nats_url=stack.nats.url,
                    auth_public_key_file=str(tokens.public_key_file), **kw)
DEMO = Path(__file__).resolve().parents[1] / "src" / "catalog_svc" / "demo"
KET_HON = "1.000894.000.01.30.H19"


def demo_procedure(code: str) -> dict[str, Any]:
    """The record as the demo loads it: with its online form, if it has one."""
    from catalog_svc.loader import demo_form_schemas

    for p in json.loads((DEMO / "procedures.json").read_text("utf-8")):
        if p["code"] == code:
            schema = demo_form_schemas().get(code)
            return copy.deepcopy({**p, "form_schema": schema} if schema else p)
    raise KeyError(code)
