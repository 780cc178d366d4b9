"""Hardened parsing: no DTD, no entities, no network, bounded size and depth."""

from __future__ import annotations

import pytest
from lxml import etree

from interop_svc.xml import DEFAULT_MAX_DEPTH, RejectReason, XmlRejected, parse_untrusted
from interop_svc.xml import parser as parser_module
from interop_svc.xml.parser import hardened_parser

BILLION_LAUGHS = """<?xml version="1.0" encoding="{encoding}"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>"""

XXE = """<?xml version="1.0" encoding="{encoding}"?>
<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<x>&secret;</x>"""

EXTERNAL_DTD = '<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://127.0.0.1:9/evil.dtd"><x/>'
INTERNAL_ENTITY = '<!DOCTYPE x [<!ENTITY word "EXPANDED">]><x a="1">&word;</x>'


def rejected(data: bytes, **limits: int) -> XmlRejected:
    with pytest.raises(XmlRejected) as caught:
        parse_untrusted(data, **limits)
    return caught.value


def nested(depth: int) -> bytes:
    return b"<a>" * depth + b"</a>" * depth


@pytest.fixture
def no_prescan(monkeypatch: pytest.MonkeyPatch) -> None:
    """Switch off the byte scan for DOCTYPE so the parser-level defences are tested on their own."""
    monkeypatch.setattr(parser_module, "_DOCTYPE_MARKERS", ())


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-be", "utf-32"])
def test_billion_laughs_rejected(encoding: str) -> None:
    data = BILLION_LAUGHS.format(encoding=encoding.upper()).encode(encoding)
    assert rejected(data).reason_code == RejectReason.DOCTYPE_FORBIDDEN


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_billion_laughs_rejected_by_parser_alone(no_prescan: None, encoding: str) -> None:
    data = BILLION_LAUGHS.format(encoding=encoding.upper()).encode(encoding)
    error = rejected(data)
    assert error.reason_code in {RejectReason.DOCTYPE_FORBIDDEN, RejectReason.MALFORMED}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_external_entity_rejected(encoding: str) -> None:
    data = XXE.format(encoding=encoding.upper()).encode(encoding)
    error = rejected(data)
    assert error.reason_code == RejectReason.DOCTYPE_FORBIDDEN
    assert "root:" not in str(error) + "".join(error.details)


def test_external_entity_rejected_by_parser_alone(no_prescan: None) -> None:
    assert rejected(XXE.format(encoding="UTF-8").encode()).reason_code == RejectReason.DOCTYPE_FORBIDDEN


def test_parser_options_never_expand_or_fetch() -> None:
    # What the docinfo check sits on: even before refusing, nothing was expanded or read from disk.
    xxe = etree.fromstring(XXE.format(encoding="UTF-8").encode(), hardened_parser())
    assert b"root:" not in etree.tostring(xxe)
    internal = etree.fromstring(INTERNAL_ENTITY.encode(), hardened_parser())
    assert "EXPANDED" not in "".join(internal.itertext())


def test_internal_entity_rejected_after_parsing(no_prescan: None) -> None:
    assert rejected(INTERNAL_ENTITY.encode()).reason_code == RejectReason.DOCTYPE_FORBIDDEN


def test_external_dtd_rejected_without_network(no_prescan: None) -> None:
    assert rejected(EXTERNAL_DTD.encode()).reason_code == RejectReason.DOCTYPE_FORBIDDEN


def test_undeclared_entity_is_malformed() -> None:
    error = rejected(b"<x>&secret;</x>")
    assert error.reason_code == RejectReason.MALFORMED
    assert "secret" in error.details[0]


def test_over_size_rejected_before_parsing() -> None:
    document = b"<x>" + b"a" * 100 + b"</x>"
    assert parse_untrusted(document, max_bytes=len(document)).tag == "x"
    error = rejected(document, max_bytes=len(document) - 1)
    assert error.reason_code == RejectReason.TOO_LARGE
    assert str(len(document) - 1) in error.message_vi


def test_default_size_limit() -> None:
    huge = b"<x>" + b"a" * parser_module.DEFAULT_MAX_BYTES + b"</x>"
    assert rejected(huge).reason_code == RejectReason.TOO_LARGE


def test_over_depth_rejected() -> None:
    assert parse_untrusted(nested(DEFAULT_MAX_DEPTH)).tag == "a"
    assert rejected(nested(DEFAULT_MAX_DEPTH + 1)).reason_code == RejectReason.TOO_DEEP
    assert rejected(nested(5), max_depth=4).reason_code == RejectReason.TOO_DEEP


def test_very_deep_input_stops_early() -> None:
    # Unclosed and far beyond libxml2's own limit: refused as too deep, not as a parser crash.
    assert rejected(b"<a>" * 200_000).reason_code == RejectReason.TOO_DEEP


@pytest.mark.parametrize("data", [b"", b"   \n"])
def test_empty_rejected(data: bytes) -> None:
    assert rejected(data).reason_code == RejectReason.EMPTY


def test_malformed_rejected_with_line() -> None:
    error = rejected(b"<a>\n<b>\n</a>")
    assert error.reason_code == RejectReason.MALFORMED
    assert error.details[0].startswith("dòng ")
    assert error.message_vi == "Tài liệu XML không đúng cú pháp."


def test_text_input_refused() -> None:
    with pytest.raises(TypeError):
        parse_untrusted("<x/>")  # type: ignore[arg-type]


def test_ordinary_document_parses() -> None:
    root = parse_untrusted('<?xml version="1.0" encoding="UTF-8"?><x><!-- c --><y>Đồng Nai</y></x>'.encode())
    assert root.findtext("y") == "Đồng Nai"


def test_errors_of_an_earlier_document_do_not_leak() -> None:
    rejected(b"<x>&someone_elses_entity;</x>")
    error = rejected(b"<y>\n<z></y>")
    assert "someone_elses_entity" not in "".join(error.details)
