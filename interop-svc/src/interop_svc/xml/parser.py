"""Hardened parsing of XML received from outside: no DTD, no entities, no network, bounded size and depth."""

from __future__ import annotations

from lxml import etree

from .errors import RejectReason, XmlRejected

__all__ = ["DEFAULT_MAX_BYTES", "DEFAULT_MAX_DEPTH", "XmlRejected", "hardened_parser", "parse_untrusted"]

DEFAULT_MAX_BYTES = 2 * 1024 * 1024
# The deepest legitimate path is ds:Signature/SignedInfo/Reference/Transforms/Transform/InclusiveNamespaces
# (7 levels) or Envelope/Body/DossierFeed/Dossier/History/Entry/Note (7); 32 leaves ample room.
DEFAULT_MAX_DEPTH = 32

_CHUNK = 64 * 1024
_DOCTYPE_MARKERS = tuple(
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
)


def _parser_options() -> dict[str, bool]:
    return {
        "resolve_entities": False,
        "no_network": True,
        "dtd_validation": False,
        "load_dtd": False,
        "huge_tree": False,
        "remove_comments": False,
    }


def hardened_parser() -> etree.XMLParser:
    """A fresh parser with the same safety options (lxml parsers are not shared across threads)."""
    return etree.XMLParser(**_parser_options())


def parse_untrusted(
    data: bytes, max_bytes: int = DEFAULT_MAX_BYTES, max_depth: int = DEFAULT_MAX_DEPTH
) -> etree._Element:
    """Parse bytes from an untrusted sender, or raise XmlRejected.

    Any DOCTYPE is refused outright (so no entity is ever declared, let alone expanded), the size is
    checked before parsing and the depth while parsing, so a hostile document is dropped early.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError("parse_untrusted expects the raw received bytes")
    if len(data) > max_bytes:
        raise XmlRejected(
            RejectReason.TOO_LARGE,
            f"Tài liệu XML vượt quá giới hạn kích thước cho phép ({max_bytes} byte).",
        )
    raw = bytes(data)
    if not raw.strip():
        raise XmlRejected(RejectReason.EMPTY, "Tài liệu XML rỗng.")
    # Cheap early refusal before any parsing; the docinfo check below catches any other encoding.
    # (A comment or CDATA section that merely mentions "<!DOCTYPE" is refused too: acceptable.)
    if any(marker in raw for marker in _DOCTYPE_MARKERS):
        raise _doctype_rejected()

    parser = etree.XMLPullParser(events=("start", "end"), **_parser_options())
    # A feed parser reports through the thread's global error log: clear it, or the errors of a
    # document parsed earlier (maybe another sender's) would show up in this one's details.
    etree.clear_error_log()
    depth = 0
    try:
        for offset in range(0, len(raw), _CHUNK):
            parser.feed(raw[offset : offset + _CHUNK])
            for event, _element in parser.read_events():
                if event == "start":
                    depth += 1
                    if depth > max_depth:
                        raise _too_deep(max_depth)
                else:
                    depth -= 1
        root = parser.close()
    except etree.XMLSyntaxError as exc:
        errors = list(exc.error_log)
        # libxml2 stops at 256 levels by itself, possibly inside one chunk, before we see the events.
        if any(e.type_name == "ERR_RESOURCE_LIMIT" and "depth" in e.message.lower() for e in errors):
            raise _too_deep(max_depth) from None
        first = errors[0] if errors else None
        line = first.line if first is not None else (exc.lineno or 0)
        message = first.message if first is not None else str(exc.msg)
        raise XmlRejected(
            RejectReason.MALFORMED,
            "Tài liệu XML không đúng cú pháp.",
            [f"dòng {line}: {message}"],
        ) from None

    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise _doctype_rejected()
    for _entity in root.iter(etree.Entity):
        raise XmlRejected(
            RejectReason.ENTITY_FORBIDDEN,
            "Tài liệu XML không được chứa tham chiếu thực thể (entity).",
        )
    return root


def _too_deep(max_depth: int) -> XmlRejected:
    return XmlRejected(RejectReason.TOO_DEEP, f"Tài liệu XML lồng nhau quá {max_depth} cấp.")


def _doctype_rejected() -> XmlRejected:
    return XmlRejected(
        RejectReason.DOCTYPE_FORBIDDEN,
        "Tài liệu XML không được chứa khai báo DOCTYPE, DTD hay thực thể (entity).",
    )
