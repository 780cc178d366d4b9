"""The demo catalog that demo mode loads holds every constraint of its validator (catalog_demo_check.py)."""

from __future__ import annotations

import pytest
from catalog_demo_check import main


def test_demo_catalog_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main() == 0, capsys.readouterr().err
