"""intake-svc's test kit: helpers its tests share (importable through the pytest ``pythonpath`` setting)."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

ROOT = Path(__file__).resolve().parents[1]
MIGRATIONS = ROOT / "migrations"
CATALOG_MIGRATIONS = ROOT.parent / "catalog-svc" / "migrations"  # test_form_data.py only

AGENCY = "000.00.15.H19"  # Sở Tư pháp
LLTP = "2.000488.000.00.15.H19"  # Cấp Phiếu lý lịch tư pháp: level 4, TP1 and TP2 required, 10 working days
LEVEL2 = "2.000522.000.00.15.H19"

# what the criminal record form (the demo's form_schema of LLTP) requires
LLTP_FORM = {"loai_phieu": "Phiếu lý lịch tư pháp số 1", "muc_dich": "Bổ sung hồ sơ xin việc", "so_luong_phieu": 1,
             "ngay_sinh": "1990-05-12"}

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\nstartxref\n0\n%%EOF\n"


@dataclass
class Clock:
    fixed: datetime | None = None

    def __call__(self) -> datetime:
        return self.fixed or datetime.now(UTC)


@dataclass
class Env:
    client: httpx.AsyncClient
    app: FastAPI
    clock: Clock
    tokens: Any
    users: dict[str, dict[str, str]] = field(default_factory=dict)

    def citizen(self, sub: str = "citizen-1", name: str = "Nguyễn Văn An") -> dict[str, str]:
        return self.tokens.header(sub=sub, username=sub, roles=("citizen",), name=name)

    def reception(self, agency: str = AGENCY, sub: str = "officer-1", name: str = "Lê Thị Tiếp Nhận") -> dict[str, str]:
        return self.tokens.header(sub=sub, username=sub, roles=("reception",), agency_code=agency, name=name)

    async def upload(self, headers: dict[str, str], content: bytes = PDF_BYTES, name: str = "to-khai.pdf") -> str:
        resp = await self.client.post("/api/v1/files", headers=headers,
                                      files={"file": (name, io.BytesIO(content), "application/octet-stream")})
        assert resp.status_code == 201, resp.text
        return str(resp.json()["id"])

    async def submit(self, headers: dict[str, str], *, key: str | None = None, **overrides: Any) -> httpx.Response:
        tp1 = await self.upload(headers, PDF_BYTES + uuid.uuid4().hex.encode())
        tp2 = await self.upload(headers, PDF_BYTES + uuid.uuid4().hex.encode(), "giay-to.pdf")
        body = dossier_body([("TP1", tp1), ("TP2", tp2)])
        body.update(overrides)
        extra = {"Idempotency-Key": key} if key else {}
        return await self.client.post("/api/v1/dossiers", json=body, headers={**headers, **extra})

    async def sql(self, query: str, **params: Any) -> list[Any]:
        from sqlalchemy import text

        async with self.app.state.sessionmaker() as session:
            return list((await session.execute(text(query), params)).all())


def dossier_body(docs: list[tuple[str, str]], procedure_code: str = LLTP) -> dict[str, Any]:
    return {
        "procedure_code": procedure_code,
        "applicant": {"full_name": "Nguyễn Văn An", "id_number": "075090001234", "phone": "0912345678",
                      "email": "an.nguyen@example.vn", "address": "12 Võ Thị Sáu, Thống Nhất, Biên Hòa, Đồng Nai",
                      "type": "citizen"},
        "form_data": dict(LLTP_FORM),
        "documents": [{"requirement_code": c, "file_id": f} for c, f in docs],
        "return_method": "postal",
    }




def intake_settings_for(stack: Any, tokens: Any, tmp_path: Path, **kw: Any) -> Any:
    from intake_svc.settings import Settings

    return Settings(database_url=stack.fresh_database("intake", MIGRATIONS), nats_url=stack.nats.url,
                    auth_public_key_file=str(tokens.public_key_file), storage_dir=str(tmp_path / "files"),
                    **{"catalog_url": "http://catalog.internal", "run_background": False, **kw})
