"""``make backup`` / ``make restore``: every service database, the stored files and the keys of an installation,
in one archive, and back into an empty installation.

    python -m devkit.backup create  [--data .data] [--out backups/dvc-<time>.tar.gz]
    python -m devkit.backup restore --from backups/dvc-<time>.tar.gz [--data .data]

The databases are dumped with the ``pg_dump`` of the embedded PostgreSQL wheel (the server's own version),
one custom-format dump per service database (``dvc_*``), each a consistent snapshot. The server is the one
``DATABASE_URL`` names, else the installation's own (``<data>/postgres``): the running one (``make run``
may keep serving meanwhile) or, when it is stopped, started for the backup and stopped again.

Consistency across services: the dumps are taken first, then the files and keys are copied. Stored files are
content-addressed and never change, so every file a dumped row names is in the archive (a file uploaded after
the dumps may be in it too, unreferenced and harmless); keys change only by an operator's hand.

Restore wants an empty installation (no database yet under ``<data>/postgres``), creates each database, restores
its dump (``pg_restore``) and puts the files and keys back; ``make run`` then starts on it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from devkit import devstack

# what an installation keeps beside its databases (relative to DVC_DATA_DIR): intake's files, the token keys
# and the audit keys, the document-signing CA and agency keys, interop's XML-signing identity
FOLDERS = ("files", "keys", "signing", "interop")
FORMAT = 1


def _tool(name: str) -> str:
    return str(devstack._pg_bin_dir() / name)


def _running_port(pg: devstack.Postgres) -> int | None:
    """The port of the server already running on this data folder (its ``postmaster.pid``), if any."""
    pid_file = pg.data / "postmaster.pid"
    try:
        lines = pid_file.read_text().splitlines()
        os.kill(int(lines[0]), 0)
        return int(lines[3])
    except (OSError, ValueError, IndexError):
        return None


@contextmanager
def server(data: Path, *, create: bool = False) -> Iterator[str]:
    """The admin URL of the installation's PostgreSQL: ``DATABASE_URL``, the running server, or one started
    here for the duration (``create``: a new, empty one)."""
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
        return
    # the folder as ``make run`` leaves it (devkit.stackrun opens it to 0755), so that devstack.Postgres puts the
    # server's files at the same place as make run does (run as root they move when the folder is private)
    data.mkdir(parents=True, exist_ok=True)
    data.chmod(0o755)
    pg = devstack.Postgres(data / "postgres")
    port = _running_port(pg)
    if port is not None:
        if create:
            raise SystemExit(f"restore: a PostgreSQL server already runs on {pg.data}; stop it first")
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        return
    if not create and not (pg.data / "PG_VERSION").exists():
        raise SystemExit(f"backup: no database under {pg.root} (is --data the installation's data folder?)")
    if create and (pg.data / "PG_VERSION").exists():
        raise SystemExit(f"restore: {pg.data} already holds a database; restore into an empty installation")
    pg.start()
    try:
        yield pg.url("postgres")
    finally:
        pg.stop()


def _databases(admin_url: str) -> list[str]:
    out = subprocess.run([_tool("psql"), admin_url, "-At", "-c",
                          "SELECT datname FROM pg_database WHERE datname LIKE 'dvc\\_%' ORDER BY 1"],
                         check=True, capture_output=True, text=True)
    return [line for line in out.stdout.splitlines() if line]


def _url(admin_url: str, db: str) -> str:
    return admin_url.rsplit("/", 1)[0] + "/" + db


def create(data: Path, out: Path) -> Path:
    data = data.resolve()
    with tempfile.TemporaryDirectory(prefix="dvc-backup-") as tmp:
        staging = Path(tmp) / "dvc-backup"
        (staging / "databases").mkdir(parents=True)
        with server(data) as admin_url:
            dbs = _databases(admin_url)
            if not dbs:
                raise SystemExit("backup: the server has no service database (dvc_*)")
            for db in dbs:
                subprocess.run([_tool("pg_dump"), "-Fc", "--no-owner", "-f", str(staging / "databases" / f"{db}.dump"),
                                _url(admin_url, db)], check=True, capture_output=True, text=True)
        copied = []
        for folder in FOLDERS:
            if (data / folder).is_dir():
                shutil.copytree(data / folder, staging / folder, symlinks=False)
                copied.append(folder)
        (staging / "manifest.json").write_text(json.dumps({
            "format": FORMAT, "created_at": datetime.now(UTC).isoformat(), "databases": dbs, "folders": copied,
        }, indent=2))
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(staging, arcname="dvc-backup")
        partial.replace(out)  # a backup interrupted half-way never looks like a complete one
    return out


def restore(archive: Path, data: Path) -> dict[str, object]:
    data = data.resolve()
    with tempfile.TemporaryDirectory(prefix="dvc-restore-") as tmp:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(tmp, filter="data")
        staging = Path(tmp) / "dvc-backup"
        manifest = json.loads((staging / "manifest.json").read_text())
        if manifest.get("format") != FORMAT:
            raise SystemExit(f"restore: unknown backup format {manifest.get('format')!r}")
        for folder in manifest["folders"]:
            if (data / folder).exists() and any((data / folder).iterdir()):
                raise SystemExit(f"restore: {data / folder} is not empty; restore into an empty installation")
        data.mkdir(parents=True, exist_ok=True)
        with server(data, create=True) as admin_url:
            for db in manifest["databases"]:
                devstack.create_database(admin_url, db)
                subprocess.run([_tool("pg_restore"), "--no-owner", "--exit-on-error", "-d", _url(admin_url, db),
                                str(staging / "databases" / f"{db}.dump")], check=True, capture_output=True, text=True)
        for folder in manifest["folders"]:
            shutil.copytree(staging / folder, data / folder, dirs_exist_ok=True)
    return manifest  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m devkit.backup")
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("create", help="back up every service database, the stored files and the keys")
    c.add_argument("--data", default=os.environ.get("DVC_DATA_DIR", ".data"))
    c.add_argument("--out", default=None)
    r = sub.add_parser("restore", help="restore a backup into an empty installation")
    r.add_argument("--from", dest="archive", required=True)
    r.add_argument("--data", default=os.environ.get("DVC_DATA_DIR", ".data"))
    args = parser.parse_args()
    try:
        if args.command == "create":
            out = Path(args.out or f"backups/dvc-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.tar.gz")
            print(f"backup written: {create(Path(args.data), out)}")
        else:
            manifest = restore(Path(args.archive), Path(args.data))
            print(f"restored {len(manifest['databases'])} databases and {', '.join(manifest['folders'])} "  # type: ignore[arg-type]
                  f"into {Path(args.data).resolve()}")
    except subprocess.CalledProcessError as exc:
        print(f"{Path(exc.cmd[0]).name} failed: {(exc.stderr or '').strip()[-1000:]}", file=sys.stderr)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
