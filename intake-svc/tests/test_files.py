from __future__ import annotations

import hashlib
import io
import zipfile
from typing import Any

import pytest

from devkit.testing import text_pdf
from intake_testkit import PDF_BYTES, Env


def _zip(entries: dict[str, bytes], *, mimetype_first: bool = True) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


ODT = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office:document/>"})
DOCX = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40


async def _post(env: Env, headers: dict[str, str], content: bytes, name: str = "tep.pdf",
                ctype: str = "application/pdf") -> Any:
    return await env.client.post("/api/v1/files", headers=headers, files={"file": (name, io.BytesIO(content), ctype)})


@pytest.mark.parametrize(("content", "media_type"), [
    (PDF_BYTES, "application/pdf"),
    (PNG, "image/png"),
    (JPEG, "image/jpeg"),
    (ODT, "application/vnd.oasis.opendocument.text"),
    (DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ('<?xml version="1.0" encoding="UTF-8"?><don>Tờ khai</don>'.encode(), "application/xml"),
    ("Đơn đề nghị cấp phiếu lý lịch tư pháp\n".encode(), "text/plain"),
])
async def test_upload_judges_type_by_content(files_env: Env, content: bytes, media_type: str) -> None:
    resp = await _post(files_env, files_env.citizen(), content, name="khong-quan-trong.bin")
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["media_type"] == media_type
    assert body["size"] == len(content)
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["name"] == "khong-quan-trong.bin"


@pytest.mark.parametrize("content", [
    b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100,  # Windows executable named .pdf
    b"\x7fELF\x02\x01\x01" + b"\x00" * 100,  # Linux executable
    _zip({"a.exe": b"MZ"}),  # a plain zip
    bytes(range(256)),  # unknown binary
])
async def test_disguised_or_unknown_types_are_415(files_env: Env, content: bytes) -> None:
    resp = await _post(files_env, files_env.citizen(), content, name="ho-so.pdf", ctype="application/pdf")
    assert resp.status_code == 415, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")


async def test_a_pdf_that_cannot_be_parsed_is_refused_at_upload(files_env: Env) -> None:
    """As strict as its later use: a PDF without ``startxref`` could never be signed or read (issue 13)."""
    truncated = b"%PDF-1.7\n1 0 obj<</Type/Catalog>>endobj\n" + b"x" * 5000  # cut before its xref and trailer
    resp = await _post(files_env, files_env.citizen(), truncated[:4000], name="to-khai.pdf")
    assert resp.status_code == 415, resp.text
    assert "startxref" in resp.json()["detail"]
    # a text named .pdf is no PDF; the same text named .txt is a text
    text = "Đơn đề nghị\n".encode()
    named_pdf = await _post(files_env, files_env.citizen(), text, name="don.pdf")
    assert named_pdf.status_code == 415 and "%PDF-" in named_pdf.json()["detail"]
    assert (await _post(files_env, files_env.citizen(), text, name="don.txt", ctype="text/plain")).status_code == 201
    assert await files_env.sql("SELECT name FROM files") == [("don.txt",)]


async def test_oversized_upload_is_413_and_leaves_nothing(files_env: Env) -> None:
    resp = await _post(files_env, files_env.citizen(), PDF_BYTES + b"0" * 5000)
    assert resp.status_code == 413, resp.text
    assert await files_env.sql("SELECT id FROM files") == []
    storage = files_env.app.state.storage
    assert list((storage.root / "tmp").iterdir()) == []
    # exactly at the limit is fine
    ok = await _post(files_env, files_env.citizen(), PDF_BYTES + b"0" * (4096 - len(PDF_BYTES)))
    assert ok.status_code == 201, ok.text


async def test_oversized_streamed_upload_without_length_is_413(files_env: Env) -> None:
    boundary = "xYzBoundary"

    async def body():
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n"
               "Content-Type: application/pdf\r\n\r\n").encode()
        yield PDF_BYTES
        for _ in range(10):
            yield b"0" * 1000
        yield f"\r\n--{boundary}--\r\n".encode()

    resp = await files_env.client.post(
        "/api/v1/files", content=body(),
        headers={**files_env.citizen(), "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert resp.status_code == 413, resp.text


async def test_same_content_is_stored_once(files_env: Env) -> None:
    a = await _post(files_env, files_env.citizen("c-a"), PDF_BYTES)
    b = await _post(files_env, files_env.citizen("c-b"), PDF_BYTES)
    assert a.json()["id"] != b.json()["id"] and a.json()["sha256"] == b.json()["sha256"]
    stored = [p for p in files_env.app.state.storage.root.rglob("*") if p.is_file() and p.parent.name != "tmp"]
    assert len(stored) == 1


async def test_only_the_owner_downloads(files_env: Env) -> None:
    owner = files_env.citizen("owner")
    file_id = (await _post(files_env, owner, PDF_BYTES)).json()["id"]
    got = await files_env.client.get(f"/api/v1/files/{file_id}", headers=owner)
    assert got.status_code == 200 and got.content == PDF_BYTES
    assert got.headers["content-type"] == "application/pdf"
    other = await files_env.client.get(f"/api/v1/files/{file_id}", headers=files_env.citizen("someone-else"))
    assert other.status_code == 404
    # an officer sees it only once it is attached to a dossier of their agency
    officer = await files_env.client.get(f"/api/v1/files/{file_id}", headers=files_env.reception())
    assert officer.status_code == 404
    anonymous = await files_env.client.get(f"/api/v1/files/{file_id}")
    assert anonymous.status_code == 401


async def test_upload_without_file_field_is_422(files_env: Env) -> None:
    resp = await files_env.client.post("/api/v1/files", headers=files_env.citizen(), data={"x": "1"},
                                       files={"other": ("a.txt", io.BytesIO(b"abc"), "text/plain")})
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["loc"] == ["body", "file"]
    resp = await files_env.client.post("/api/v1/files", headers=files_env.citizen(), json={"file": "x"})
    assert resp.status_code == 422


async def test_overlong_multipart_boundary_is_422(files_env: Env) -> None:
    boundary = "B" * 300
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n"
            f"Content-Type: application/pdf\r\n\r\n%PDF-1.4 x\r\n--{boundary}--\r\n").encode()
    r = await files_env.client.post("/api/v1/files", content=body, headers={
        **files_env.citizen(), "content-type": f"multipart/form-data; boundary={boundary}"})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json", r.text


async def test_an_officer_token_before_its_second_factor_is_set_up_cannot_upload(files_env: Env) -> None:
    """The gateway gives an officer who must set up a second factor a token without roles, good for that set-up
    only: as a plain signed-in user it would upload files (or file dossiers, send feedback) — refused (403)."""
    setup = files_env.tokens.header(sub="officer-in-setup", roles=(), mfa_setup_required=True)
    resp = await _post(files_env, setup, text_pdf(), name="to-khai.pdf")
    assert resp.status_code == 403, resp.text
    assert "xác thực hai lớp" in resp.json()["detail"]
    assert (await files_env.client.get("/api/v1/dossiers", headers=setup)).status_code == 403
