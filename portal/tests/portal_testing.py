"""What the portal's tests share: test data and the officers' side of a path, done through the API."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx

from devkit.testing import text_pdf

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\nstartxref\n0\n%%EOF\n"  # passes the upload check, signs nothing
# the applicant's papers as a real one-page PDF, so the documents the console shows inline render (a page in the
# screenshots, not the viewer's error); a result drafted from a real PDF would be signed and, at level 4 with the
# fees paid, handed over online by the system itself (the console tests walk the desk's own hand-over)
SCAN = text_pdf("BAN SAO GIAY TO - HO SO THU NGHIEM")
MARRIAGE = "1.000894.000.01.30.H19"  # Đăng ký kết hôn, UBND phường Tân Phong, level 3


def api_token(base_url: str, username: str, password: str) -> dict[str, str]:
    r = httpx.post(f"{base_url}/api/v1/auth/token",
                   data={"grant_type": "password", "username": username, "password": password}, timeout=30)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def officer(base_url: str, agency_code: str, role: str = "reception") -> dict[str, str]:
    """An officer of ``agency_code`` created through the admin API, logged in."""
    admin = api_token(base_url, "admin", "Admin@2026")
    username = f"{role}.{agency_code.replace('.', '').lower()}"
    r = httpx.post(f"{base_url}/api/v1/admin/users", headers=admin, timeout=30, json={
        "username": username, "password": "CanBo@2026x", "full_name": "Cán bộ Một cửa", "roles": [role],
        "agency_code": agency_code})
    assert r.status_code in (201, 409), r.text
    return api_token(base_url, username, "CanBo@2026x")


def accept(base_url: str, code: str, agency_code: str) -> dict[str, object]:
    headers = {**officer(base_url, agency_code), "Idempotency-Key": f"accept-{code}"}
    r = httpx.post(f"{base_url}/api/v1/dossiers/{code}/reception", headers=headers,
                   json={"decision": "accept", "note": "Hồ sơ đầy đủ"}, timeout=30)
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


LLTP = "2.000488.000.00.15.H19"  # Cấp Phiếu lý lịch tư pháp (Sở Tư pháp), level 4 with a fee


def answers(schema: dict[str, Any] | None) -> dict[str, Any]:
    """Plausible answers to the required fields of a procedure's online form (none when it has no form)."""
    out: dict[str, Any] = {}
    for name in (schema or {}).get("required", []):
        spec = schema["properties"][name]  # type: ignore[index]
        if spec.get("enum"):
            out[name] = spec["enum"][0]
        elif spec["type"] in ("integer", "number"):
            out[name] = spec.get("minimum", 1)
        elif spec["type"] == "boolean":
            out[name] = False
        elif spec.get("format") == "date":
            out[name] = "1990-05-20"
        else:
            out[name] = "Bổ sung hồ sơ xin việc"
    return out


def citizen_dossier(base_url: str, person: dict[str, str], procedure_code: str, *,
                    return_method: str = "online") -> str:
    """A citizen (registered through the API) files a dossier through the API; returns its code."""
    r = httpx.post(f"{base_url}/api/v1/auth/register", json=person, timeout=30)
    assert r.status_code == 201, r.text
    token = api_token(base_url, person["username"], person["password"])
    p = httpx.get(f"{base_url}/api/v1/catalog/procedures/{procedure_code}", timeout=30).json()
    documents = []
    for d in p["documents"]:
        if d.get("required", True):
            key = {"Idempotency-Key": f"f-{d['code']}-{person['username']}"}
            f = httpx.post(f"{base_url}/api/v1/files", headers={**token, **key},
                           files={"file": (f"{d['code']}.pdf", SCAN, "application/pdf")}, timeout=30)
            assert f.status_code == 201, f.text
            documents.append({"requirement_code": d["code"], "file_id": f.json()["id"]})
    r = httpx.post(f"{base_url}/api/v1/dossiers", headers={**token, "Idempotency-Key": f"d-{person['username']}"},
                   timeout=30, json={
                       "procedure_code": procedure_code, "documents": documents, "return_method": return_method,
                       "form_data": answers(p.get("form_schema")),
                       "applicant": {"full_name": person["full_name"], "id_number": person["id_number"],
                                     "phone": person["phone"], "email": person["email"],
                                     "address": "5 Phan Trung, Biên Hòa"}})
    assert r.status_code == 201, r.text
    code: str = r.json()["code"]
    return code


def new_officer(base_url: str, admin: dict[str, str], role: str = "specialist",
                agency_code: str = "000.00.15.H19") -> tuple[str, str]:
    """A new officer account (a fresh username) created by the admin through the API: (username, password)."""
    username, password = f"cb{uuid.uuid4().int % 10**9}", "CanBo@2026x"
    r = httpx.post(f"{base_url}/api/v1/admin/users", headers=admin, timeout=30, json={
        "username": username, "password": password, "full_name": "Trần Thị Bảo Mật", "roles": [role],
        "agency_code": agency_code, "department": "Phòng Hành chính tư pháp"})
    assert r.status_code == 201, r.text
    return username, password


class Codes:
    """An authenticator app: the account's codes, each time step given once (the gateway accepts a step once,
    and only the current one or the one either side)."""

    def __init__(self, secret: str) -> None:
        import pyotp

        self.totp = pyotp.TOTP(secret)
        self.last = -1

    def next(self) -> str:
        while True:
            now = int(time.time() // self.totp.interval)
            step = max(self.last + 1, now - 1)
            if step <= now + 1:
                self.last = step
                return str(self.totp.at(step * self.totp.interval))
            time.sleep(1)

    def wrong(self) -> str:
        """A code the gateway refuses now: none of the three steps it would accept."""
        now = time.time()
        good = {self.totp.at(now + d * self.totp.interval) for d in (-1, 0, 1, 2)}
        return next(c for c in (f"{n:06d}" for n in range(0, 10**6, 111_111)) if c not in good)
