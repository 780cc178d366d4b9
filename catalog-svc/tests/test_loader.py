from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from catalog_svc.loader import load_demo
from catalog_testkit import DEMO, KET_HON, MIGRATIONS, demo_procedure


async def test_demo_load_is_idempotent(client: Any) -> None:
    async with client.app.state.sessionmaker() as session, session.begin():
        report = await load_demo(session)
    assert report.created == [] and len(report.unchanged) == 62 and report.rejected == []
    body = (await client.get("/api/v1/catalog/procedures", params={"size": 100})).json()
    assert body["total"] == 62
    assert len({i["sector_code"] for i in body["items"]}) >= 8
    assert len({i["agency_code"] for i in body["items"]}) >= 5


def run_load(stack: Any, path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CATALOG_DATABASE_URL": stack.fresh_database("catalog", MIGRATIONS)}
    return subprocess.run([sys.executable, "-m", "catalog_svc", "load", str(path), *args], env=env,
                          capture_output=True, text=True, timeout=60)


def test_load_json_reports_rejections(stack: Any, tmp_path: Path) -> None:
    good = demo_procedure(KET_HON)
    no_name = {**demo_procedure("1.001193.000.01.30.H19"), "name": ""}
    bad_sector = {**demo_procedure("2.000635.000.01.31.H19"), "sector_code": "KHONGCO"}
    doc = {"sectors": json.loads((DEMO / "sectors.json").read_text("utf-8")),
           "agencies": json.loads((DEMO / "agencies.json").read_text("utf-8")),
           "procedures": [good, no_name, bad_sector, good]}
    path = tmp_path / "tthc.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    r = run_load(stack, path)
    assert r.returncode == 1, r.stderr
    assert "Đã thêm 1, cập nhật 0, không đổi 1, từ chối 2 bản ghi." in r.stdout
    assert "bản ghi 1 (1.001193.000.01.30.H19): name: Giá trị quá ngắn" in r.stdout
    assert "bản ghi 2 (2.000635.000.01.31.H19): sector_code: Không có lĩnh vực mã KHONGCO." in r.stdout
    assert "4/4 thủ tục (100%)" in r.stderr


def test_load_csv(stack: Any, tmp_path: Path) -> None:
    p = demo_procedure(KET_HON)
    path = tmp_path / "tthc.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["code", "name", "sector_code", "level", "agency_code", "steps", "method", "documents",
                    "processing_time_value", "processing_time_unit", "applicants", "result", "fees",
                    "legal_basis", "effective_date", "online_registration", "guide"])
        w.writerow([p["code"], p["name"], p["sector_code"], p["level"], p["agency_code"], "\n".join(p["steps"]),
                    p["method"], json.dumps(p["documents"], ensure_ascii=False), "5", "working_days",
                    p["applicants"], p["result"], "[]", " | ".join(p["legal_basis"]), p["effective_date"],
                    p["online_registration"], p["guide"]])
        w.writerow(["1.000001", "Thủ tục lỗi", "HOTICH", "9", "000.00.15.H19", "Bước 1", "Trực tiếp", "[]",
                    "1", "tuần", "Công dân", "Giấy", "[]", "Luật", "2020-01-01", "", ""])
    r = run_load(stack, path)
    # no sectors in the CSV and a fresh database: the good row is rejected for its references
    # the first record spans lines 2–6 (multi-line steps): the second starts on line 7
    assert "dòng 2 (1.000894.000.01.30.H19): sector_code" in r.stdout and "dòng 7 (1.000001): level" in r.stdout
    assert "processing_time.unit" in r.stdout
