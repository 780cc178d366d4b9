"""``python -m catalog_svc`` serves; ``migrate`` upgrades the database; ``load FILE.json|FILE.csv`` imports
procedures and reports what it rejected and why."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from servicekit.cli import main as service_main


def _load(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m catalog_svc load",
                                     description="Nhập thủ tục hành chính từ tệp JSON hoặc CSV.")
    parser.add_argument("file", type=Path)
    parser.add_argument("--no-update", action="store_true",
                        help="bỏ qua thủ tục đã có (mặc định: tạo phiên bản mới nếu nội dung khác)")
    parser.add_argument("--as", dest="actor", default="import", help="tên người thực hiện ghi vào phiên bản")
    args = parser.parse_args(argv)
    return asyncio.run(_run_load(args.file, update=not args.no_update, actor_name=args.actor))


async def _run_load(path: Path, *, update: bool, actor_name: str) -> int:
    from catalog_svc.loader import import_procedures, load_reference, read_records
    from catalog_svc.models import load_all
    from catalog_svc.procedure.service import Actor
    from catalog_svc.settings import Settings
    from servicekit.db import make_engine, make_sessionmaker

    load_all()
    try:
        refs, records = read_records(path)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        print(f"Không đọc được {path}: {exc}", file=sys.stderr)
        return 2
    settings = Settings()  # type: ignore[call-arg]
    engine = make_engine(settings.database_url, pool_size=1)
    total = len(records)
    step = max(1, total // 100)

    def progress(n: int) -> None:
        if n % step == 0 or n == total:
            print(f"\r  {n}/{total} thủ tục ({n * 100 // max(total, 1)}%)", end="", file=sys.stderr, flush=True)

    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            if refs:
                await load_reference(session, refs.get("sectors", []), refs.get("agencies", []))
            report = await import_procedures(session, records, Actor(actor_name, actor_name, actor_name),
                                             update=update, progress=progress)
    finally:
        await engine.dispose()
    print(file=sys.stderr)
    print(f"Đã thêm {len(report.created)}, cập nhật {len(report.revised)}, không đổi {len(report.unchanged)}, "
          f"từ chối {len({(r.where) for r in report.rejected})} bản ghi.")
    for r in report.rejected:
        print(f"  Từ chối {r}")
    return 1 if report.rejected else 0


def run() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "load":
        sys.exit(_load(sys.argv[2:]))
    service_main("catalog_svc", "catalog_svc.app:create_app", "catalog_svc.settings:Settings", __file__)


if __name__ == "__main__":
    run()
