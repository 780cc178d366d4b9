"""Builds the raw bytes of an email.

Python's ``email`` package folds a long non-ASCII unstructured header (the Subject) into RFC 2047 encoded
words and, at a fold point, may leave the space between two words *outside* the encoded words, as folding
whitespace between two encoded words. RFC 2047 (6.2) tells decoders to drop whitespace between adjacent
encoded words, so mail clients showed "đến vớiCổng dịch vụ công" and "bổ sung,hoàn thiện". Here the
Subject (and any other unstructured header with non-ASCII text) is encoded by hand: a sequence of
``=?utf-8?b?…?=`` words, each ending at a word boundary with that boundary's whitespace *inside* the
encoded text, whole UTF-8 characters only, one encoded word per folded line, every line under 78 chars.

The messages the sender sends are built by :func:`plain_text_message` straight into bytes: handing an
``EmailMessage`` to the email package's generator re-parses and refolds every header (several milliseconds of CPU
per message, most of notify-svc's cost per event). Headers it cannot write as one short ASCII line (or as encoded
words, for the headers above) go through the email package as before.
"""

from __future__ import annotations

import base64
import email.policy
import re
from collections.abc import Sequence
from email.contentmanager import _encode_text  # type: ignore[attr-defined]  # what set_content uses
from email.message import EmailMessage
from email.policy import SMTP, EmailPolicy
from typing import Any

# "=?utf-8?b?" + "?=" = 12 characters; a 75-character encoded word carries 63 base64 characters: 45 bytes
# (a multiple of 3, so no padding inside a word). The first line also holds "Subject: ".
_MAX_BYTES = 45
_FIRST_LINE_BYTES = 39
ENCODED_HEADERS = frozenset({"subject", "x-dvc-title"})


def _b(chunk: str) -> str:
    return "=?utf-8?b?" + base64.b64encode(chunk.encode("utf-8")).decode("ascii") + "?="


def _split_chars(text: str, budget: int) -> list[str]:
    """Splits an over-long word into pieces of whole characters, each at most ``budget`` UTF-8 bytes."""
    pieces, cur, size = [], "", 0
    for ch in text:
        n = len(ch.encode("utf-8"))
        if cur and size + n > budget:
            pieces.append(cur)
            cur, size = "", 0
        cur, size = cur + ch, size + n
    if cur:
        pieces.append(cur)
    return pieces


def encode_words(value: str, *, first_budget: int = _FIRST_LINE_BYTES) -> list[str]:
    """``value`` as RFC 2047 encoded words whose concatenated decoded text is exactly ``value``: breaks only
    after whitespace, which stays inside the encoded text of the word before the break."""
    tokens = re.findall(r"\S*\s+|\S+$", value) or [value]  # each word with its trailing whitespace
    words: list[str] = []
    cur = ""
    budget = first_budget
    for tok in tokens:
        if len((cur + tok).encode("utf-8")) <= budget:
            cur += tok
            continue
        if cur:
            words.append(cur)
            budget, cur = _MAX_BYTES, ""
        if len(tok.encode("utf-8")) <= budget:
            cur = tok
        else:  # a single word longer than an encoded word: split it at character boundaries
            *full, cur = _split_chars(tok, budget)
            words.extend(full)
            budget = _MAX_BYTES
    if cur or not words:
        words.append(cur)
    return [_b(w) for w in words]


def fold_encoded(name: str, value: str, linesep: str = "\r\n") -> str:
    return f"{name}: " + f"{linesep} ".join(encode_words(value)) + linesep


class MailPolicy(EmailPolicy):
    """``email.policy.SMTP`` with the unstructured headers above encoded by :func:`encode_words` when they
    hold non-ASCII text (ASCII text folds at whitespace, which unfolding restores)."""

    def _needs_encoding(self, name: str, value: Any) -> bool:
        return name.lower() in ENCODED_HEADERS and not str(value).isascii()

    def fold(self, name: str, value: Any) -> str:
        if self._needs_encoding(name, value):
            return fold_encoded(name, str(value), self.linesep)
        return super().fold(name, value)

    def fold_binary(self, name: str, value: Any) -> bytes:
        if self._needs_encoding(name, value):
            return fold_encoded(name, str(value), self.linesep).encode("ascii")
        return super().fold_binary(name, value)


MAIL_POLICY = MailPolicy(**{k: getattr(SMTP, k) for k in ("linesep", "max_line_length", "utf8", "cte_type")})


def as_bytes(msg: EmailMessage) -> bytes:
    """What goes over SMTP (CRLF line ends)."""
    return msg.as_bytes(policy=MAIL_POLICY)


MAX_LINE = 78  # RFC 5322: lines SHOULD be no longer than 78 characters
_PRINTABLE = re.compile(r"[\x20-\x7e]*\Z")
_BODY_HEADERS = b'MIME-Version: 1.0\r\nContent-Type: text/plain; charset="utf-8"\r\n'


def _header_line(name: str, value: str) -> str:
    if name.lower() in ENCODED_HEADERS and not value.isascii() and "\r" not in value and "\n" not in value:
        return fold_encoded(name, value)
    line = f"{name}: {value}"
    if len(line) <= MAX_LINE and _PRINTABLE.match(value):
        return line + "\r\n"
    # an address with a display name, a long ASCII value, anything unusual: the email package (it also refuses
    # a value with a line break)
    msg = EmailMessage(policy=MAIL_POLICY)
    msg[name] = value
    return msg.as_bytes(policy=MAIL_POLICY).decode("ascii").removesuffix("\r\n")


class HeaderCache:
    """Header lines whose value never changes (the From of every message): folded once."""

    def __init__(self) -> None:
        self._lines: dict[tuple[str, str], str] = {}

    def line(self, name: str, value: str) -> str:
        key = (name, value)
        found = self._lines.get(key)
        if found is None:
            found = self._lines[key] = _header_line(name, value)
        return found


def _body(text: str) -> bytes:
    """The body part as ``EmailMessage().set_content(text)`` encodes it (the email package's own choice of 7bit,
    8bit, quoted-printable or base64), with CRLF line ends as the generator writes them."""
    cte, data = _encode_text(text, "utf-8", None, email.policy.default)
    body = data.encode("ascii", "surrogateescape").replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    return _BODY_HEADERS + b"Content-Transfer-Encoding: " + cte.encode("ascii") + b"\r\n\r\n" + body


def plain_text_message(headers: Sequence[tuple[str, str]], body: str, *, cache: HeaderCache | None = None) -> bytes:
    """The bytes of a text/plain UTF-8 message with ``headers`` (name, value) in order: the same message the
    email package would produce, each header one line unless it needs folding or encoding (see above)."""
    out = []
    for name, value in headers:
        out.append(cache.line(name, value) if cache is not None else _header_line(name, value))
    return "".join(out).encode("ascii") + _body(body)
