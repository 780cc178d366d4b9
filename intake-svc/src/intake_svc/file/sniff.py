"""The type of an upload judged by its content (magic bytes), never by its name or declared type."""

from __future__ import annotations

import codecs
import zipfile
from pathlib import Path

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
XML = "application/xml"
TEXT = "text/plain"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

HEAD_BYTES = 8192
# a PDF reader finds the cross-reference table from ``startxref`` near the end (ISO 32000: in the last 1024
# bytes; some producers append a little after ``%%EOF``, so the last 4 KiB are searched)
PDF_TAIL_BYTES = 4096


class Rejected(Exception):
    """The content is not an accepted type; the message is for the user (Vietnamese)."""


def _zip_type(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            if "mimetype" in names:
                declared = zf.read("mimetype")[:100].decode("ascii", "replace").strip()
                if declared.startswith("application/vnd.oasis.opendocument."):
                    return declared
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return DOCX
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        raise Rejected("Tệp nén bị hỏng hoặc không đọc được.") from None
    raise Rejected("Chỉ chấp nhận tệp nén là văn bản ODF (.odt, .ods …) hoặc DOCX.")


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return all(b >= 0x20 or b in (0x09, 0x0A, 0x0D, 0x0C) for b in head)


def _pdf(path: Path) -> str:
    """As strict as the later use (signing the result, reading it): without ``startxref`` no reader can parse it."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        fh.seek(max(0, size - PDF_TAIL_BYTES))
        tail = fh.read()
    if b"startxref" not in tail:
        raise Rejected("Tệp PDF bị hỏng hoặc chưa hoàn chỉnh (không có bảng tham chiếu “startxref”), "
                       "vui lòng xuất lại tệp PDF rồi tải lên.")
    return PDF


def sniff(head: bytes, path: Path, name: str = "") -> str:
    """``head`` holds the first bytes of the file stored at ``path`` (uploaded as ``name``); returns the media
    type or raises. The content decides the type; a name ending in ``.pdf`` must also be a readable PDF."""
    if head.startswith(b"MZ") or head.startswith(b"\x7fELF") or head.startswith(b"#!") or head[:4] in (
        b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe"
    ):
        raise Rejected("Tệp thực thi (chương trình) không được phép tải lên.")
    if head.startswith(b"%PDF-"):
        return _pdf(path)
    if name.lower().rstrip().endswith(".pdf"):
        raise Rejected("Tệp có đuôi .pdf nhưng nội dung không phải PDF (thiếu phần đầu “%PDF-”).")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        return _zip_type(path)
    stripped = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if stripped.startswith(b"<?xml") and _is_text(head.removeprefix(b"\xef\xbb\xbf")):
        return XML
    if head and _is_text(head.removeprefix(b"\xef\xbb\xbf")):
        return TEXT
    raise Rejected("Định dạng tệp không được chấp nhận: chỉ nhận PDF, PNG, JPEG, ODF, DOCX, XML hoặc văn bản thuần.")
