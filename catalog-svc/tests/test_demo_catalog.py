"""The demo catalog that demo mode loads holds every constraint of its validator (demo_catalog_check.py)."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest


def test_demo_catalog_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    check = runpy.run_path(str(Path(__file__).with_name("demo_catalog_check.py")))
    assert check["main"]() == 0, capsys.readouterr().err
