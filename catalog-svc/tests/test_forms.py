from __future__ import annotations

import io
import zipfile
from typing import Any

from catalog_testkit import KET_HON

URL = "/api/v1/catalog/procedures"
PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >>"
       b" endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64 + b"This program cannot run"


def odt() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        zf.writestr("META-INF/manifest.xml", "<manifest/>", compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("content.xml", "<office:document-content/>", compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


async def upload(client: Any, headers: dict[str, str], name: str, content: bytes, ctype: str,
                 code: str = KET_HON) -> Any:
    return await client.post(f"{URL}/{code}/forms", headers=headers, data={"name": "Tờ khai"},
                             files={"file": (name, content, ctype)})


async def test_exe_renamed_pdf_is_refused_and_real_pdf_is_served(client: Any, editor: dict[str, str]) -> None:
    r = await upload(client, editor, "to-khai.pdf", EXE, "application/pdf")
    assert r.status_code == 415 and r.headers["content-type"] == "application/problem+json"
    r = await upload(client, editor, "to-khai.pdf", PDF, "application/octet-stream")
    assert r.status_code == 201, r.text
    form = r.json()
    assert form["media_type"] == "application/pdf"
    got = await client.get(f"{URL}/{KET_HON}/forms/{form['id']}")
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["x-content-type-options"] == "nosniff"
    # the upload is a change of the procedure: a new revision listing the form
    p = (await client.get(f"{URL}/{KET_HON}")).json()
    assert p["revision"] == 2 and form["id"] in [f["id"] for f in p["forms"]]
    rev = (await client.get(f"{URL}/{KET_HON}/revisions")).json()[0]
    assert [c["field"] for c in rev["changes"]] == ["forms"]


async def test_open_formats_by_content(client: Any, editor: dict[str, str]) -> None:
    cases = [
        ("mau.odt", odt(), "application/vnd.oasis.opendocument.text"),
        ("mau.xml", "<?xml version='1.0'?><don><ho_ten>Nguyễn Văn A</ho_ten></don>".encode(), "application/xml"),
        ("mau.html", "<!DOCTYPE html><html lang='vi'><body>Tờ khai</body></html>".encode(), "text/html"),
        ("mau.txt", "TỜ KHAI ĐĂNG KÝ\nHọ và tên: ....\n".encode(), "text/plain"),
    ]
    for name, content, expected in cases:
        r = await upload(client, editor, name, content, "application/octet-stream")
        assert r.status_code == 201 and r.json()["media_type"] == expected, (name, r.text)
    refused = [
        ("mau.docx", b"PK\x03\x04" + b"\x00" * 40),  # a zip that is not ODF
        ("mau.xml", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'),
        ("mau.txt", b"\xff\xfe\x00binary\x00"),
        ("mau.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20),
    ]
    for name, content in refused:
        assert (await upload(client, editor, name, content, "text/plain")).status_code == 415, name


async def test_limits_levels_and_roles(client: Any, editor: dict[str, str], citizen: dict[str, str]) -> None:
    assert (await upload(client, citizen, "a.pdf", PDF, "application/pdf")).status_code == 403
    big = PDF[:-6] + b" " * (10 * 1024 * 1024) + b"%%EOF\n"
    assert (await upload(client, editor, "big.pdf", big, "application/pdf")).status_code == 413
    level1 = (await client.get(URL, params={"level": 1})).json()["items"][0]["code"]
    assert (await upload(client, editor, "a.pdf", PDF, "application/pdf", code=level1)).status_code == 409
    # a form of a procedure later lowered to level 1 is no longer served
    r = await upload(client, editor, "a.pdf", PDF, "application/pdf")
    form_id = r.json()["id"]
    body = (await client.get(f"{URL}/{KET_HON}")).json()
    content = {k: body[k] for k in ("name", "sector_code", "agency_code", "steps", "method", "documents",
                                    "processing_time", "applicants", "result", "fees", "form_names",
                                    "requirements", "legal_basis", "effective_date", "online_registration",
                                    "guide", "interagency")}
    lowered = await client.put(f"{URL}/{KET_HON}", json={**content, "level": 1}, headers=editor)
    assert lowered.status_code == 200 and lowered.json()["online_class"] == "info"
    assert (await client.get(f"{URL}/{KET_HON}/forms/{form_id}")).status_code == 404
    assert (await client.get(f"{URL}/{KET_HON}/forms/not-a-uuid")).status_code == 404


async def test_demo_forms_are_served(client: Any) -> None:
    p = (await client.get(f"{URL}/{KET_HON}")).json()
    r = await client.get(f"{URL}/{KET_HON}/forms/{p['forms'][0]['id']}")
    assert r.status_code == 200 and r.headers["content-type"] == "text/html; charset=utf-8"
    assert "Tờ khai đăng ký kết hôn" in r.text
