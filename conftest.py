"""Repository-wide test configuration: the unit / integration split.

A test is ``integration`` when it needs the servers the suite starts (PostgreSQL, NATS: the session
fixture ``stack``, directly or through another fixture) or runs the platform end to end (``e2e``);
every other test is ``unit`` and runs in a fraction of a second: ``pytest -m unit``.
"""

from __future__ import annotations

import pytest

# The gateway's and the portal's folders and their Python packages share a name; importing the real packages
# first keeps pytest's importlib mode from shadowing them with the folders when it collects their tests.
import gateway  # noqa: F401
import portal  # noqa: F401

SERVER_FIXTURES = frozenset({"stack"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        uses_servers = SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ()))
        if uses_servers or item.get_closest_marker("e2e") is not None:
            item.add_marker(pytest.mark.integration)
        elif item.get_closest_marker("integration") is None:
            item.add_marker(pytest.mark.unit)
