"""The portal is tested as people use it: the whole platform as ``make run`` starts it (real PostgreSQL, NATS,
SMTP sink, payment provider, every service) and pages fetched through the gateway."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from devkit.stackrun import Platform, running_platform

sys.path.insert(0, str(Path(__file__).resolve().parent))
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def platform() -> Iterator[Platform]:
    with running_platform(ROOT / "deploy" / "services.json", timeout=180) as p:
        yield p


@pytest.fixture(scope="module")
def base_url(platform: Platform) -> str:
    return f"http://127.0.0.1:{platform.gateway_port}"

