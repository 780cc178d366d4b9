"""Reads a multipart upload straight from the request stream into a temporary file, chunk by chunk.

The whole body is never held in memory, the limit is enforced while bytes arrive (413 at once),
and the sha256 is computed on the way in.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from fastapi import Request
from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError, MultipartParseError
from python_multipart.multipart import parse_options_header

from intake_svc.errors import Invalid, TooLarge
from intake_svc.file.sniff import HEAD_BYTES
from intake_svc.file.storage import FileStorage

# Room for the multipart framing and a few small fields around the file itself.
FRAMING_ALLOWANCE = 64 * 1024
MAX_NAME = 255


@dataclass
class Received:
    name: str
    size: int
    sha256: str
    head: bytes
    temp_path: Path


def _too_large(limit: int) -> TooLarge:
    mb = limit / (1024 * 1024)
    return TooLarge(f"Tệp vượt quá dung lượng cho phép ({mb:g} MB).", max_bytes=limit)


def clean_name(raw: str) -> str:
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch >= " " and ch != "\x7f").strip()
    return name[:MAX_NAME] or "tep-dinh-kem"


@dataclass
class _State:
    storage: FileStorage
    limit: int
    header_field: bytearray = field(default_factory=bytearray)
    header_value: bytearray = field(default_factory=bytearray)
    headers: dict[str, bytes] = field(default_factory=dict)
    in_file: bool = False
    out: IO[bytes] | None = None
    temp_path: Path | None = None
    name: str = ""
    size: int = 0
    digest: object = field(default_factory=hashlib.sha256)
    head: bytearray = field(default_factory=bytearray)
    seen_file: bool = False

    def on_part_begin(self) -> None:
        self.headers = {}
        self.in_file = False

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.headers[bytes(self.header_field).decode("latin-1").lower()] = bytes(self.header_value)
        self.header_field.clear()
        self.header_value.clear()

    def on_headers_finished(self) -> None:
        _, params = parse_options_header(self.headers.get("content-disposition", b""))
        if params.get(b"name") == b"file" and not self.seen_file:
            self.in_file = self.seen_file = True
            raw = params.get(b"filename", b"")
            try:
                self.name = clean_name(raw.decode("utf-8"))
            except UnicodeDecodeError:
                self.name = clean_name(raw.decode("latin-1"))
            self.out, self.temp_path = self.storage.temp_file()

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if not self.in_file or self.out is None:
            return
        chunk = data[start:end]
        self.size += len(chunk)
        if self.size > self.limit:
            raise _too_large(self.limit)
        if len(self.head) < HEAD_BYTES:
            self.head += chunk[: HEAD_BYTES - len(self.head)]
        self.digest.update(chunk)  # type: ignore[attr-defined]
        self.out.write(chunk)

    def on_part_end(self) -> None:
        if self.in_file and self.out is not None:
            self.out.close()
        self.in_file = False


async def receive_upload(request: Request, storage: FileStorage, limit: int) -> Received:
    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if ctype != b"multipart/form-data" or not boundary:
        raise Invalid.field(("body", "file"), "Cần gửi tệp dạng multipart/form-data trong trường 'file'.")
    if len(boundary) > 70:  # RFC 2046: 1–70 characters
        raise Invalid.field(("header", "content-type"), "Chuỗi phân cách (boundary) multipart quá dài.")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + FRAMING_ALLOWANCE:
        raise _too_large(limit)
    state = _State(storage, limit)
    callbacks = {name: getattr(state, name) for name in (
        "on_part_begin", "on_header_field", "on_header_value", "on_header_end", "on_headers_finished",
        "on_part_data", "on_part_end")}
    parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except BaseException as exc:
        if state.out is not None:
            state.out.close()
        if state.temp_path is not None:
            storage.discard(state.temp_path)
        if isinstance(exc, MultipartParseError | FormParserError):
            raise Invalid.field(("body", "file"), "Dữ liệu multipart không hợp lệ.") from None
        raise
    if state.out is not None and not state.out.closed:
        state.out.close()
    if not state.seen_file or state.temp_path is None:
        raise Invalid.field(("body", "file"), "Thiếu tệp trong trường 'file'.")
    if state.size == 0:
        storage.discard(state.temp_path)
        raise Invalid.field(("body", "file"), "Tệp rỗng.")
    return Received(state.name, state.size, state.digest.hexdigest(), bytes(state.head),  # type: ignore[attr-defined]
                    state.temp_path)
