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


def sniff(head: bytes, path: Path) -> str:
    """``head`` holds the first bytes of the file stored at ``path``; returns the media type or raises."""
    if head.startswith(b"MZ") or head.startswith(b"\x7fELF") or head.startswith(b"#!") or head[:4] in (
        b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe"
    ):
        raise Rejected("Tệp thực thi (chương trình) không được phép tải lên.")
    if head.startswith(b"%PDF-"):
        return PDF
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
