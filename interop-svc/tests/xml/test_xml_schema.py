"""The published XSD set and the contract's minimal messages (docs/contract.md § XML exchange)."""

from __future__ import annotations

from datetime import datetime

import pytest
from lxml import etree

from interop_svc.xml import (
    NS,
    VN_TZ,
    RejectReason,
    SchemaNotFound,
    StatusUpdate,
    XmlRejected,
    parse_status_update,
    parse_untrusted,
    schema_bytes,
    schema_files,
    validate,
)
from interop_svc.xml.schema import SCHEMA_DIR

# Verbatim from docs/contract.md, including the comment and the elided signature.
API_STATUS_UPDATE = """<Envelope xmlns="urn:dvc:dongnai:interop:v1">
  <Header>
    <MessageId>7d0c5a4e-2b1f-4c36-9a53-0f7f5b2c9e11</MessageId>
    <From><OrganId>000.00.15.H19</OrganId></From>
    <To><OrganId>000.00.00.H19</OrganId></To>
    <SentAt>2026-11-30T09:15:00+07:00</SentAt>
    <MessageType>StatusUpdate</MessageType>
  </Header>
  <Body>
    <StatusUpdate>
      <DossierCode>000.00.15.H19-261127-0001</DossierCode>
      <StatusCode>9</StatusCode>            <!-- national status 1–10 -->
      <At>2026-11-30T09:10:00+07:00</At>
      <Officer>Nguyễn Văn An</Officer>
      <Note>Đã xử lý xong</Note>
    </StatusUpdate>
  </Body>
  <Signature xmlns="http://www.w3.org/2000/09/xmldsig#">…</Signature>
</Envelope>"""

API_SIGNATURE_LINE = '  <Signature xmlns="http://www.w3.org/2000/09/xmldsig#">…</Signature>\n'

HEADER = """<Header>
    <MessageId>7d0c5a4e-2b1f-4c36-9a53-0f7f5b2c9e11</MessageId>
    <From><OrganId>000.00.15.H19</OrganId></From>
    <To><OrganId>000.00.00.H19</OrganId></To>
    <SentAt>2026-11-30T09:15:00+07:00</SentAt>
    <MessageType>{message_type}</MessageType>
  </Header>"""

# docs/contract.md gives this body with "…" placeholders; these are values of the right shape, nothing added.
API_COUNTER_BODY = (
    "<CounterDossier><DossierCode>000.00.15.H19-261130-0007</DossierCode>"
    "<ProcedureCode>1.001612</ProcedureCode><ApplicantName>Trần Thị Hoa</ApplicantName>"
    "<ReceivedAt>2026-11-30T08:05:00+07:00</ReceivedAt><DueAt>2026-12-04T17:00:00+07:00</DueAt>"
    "<StatusCode>2</StatusCode></CounterDossier>"
)
API_RECEIPT_BODY = (
    "<Receipt><MessageId>7d0c5a4e-2b1f-4c36-9a53-0f7f5b2c9e11</MessageId>"
    "<ReceivedAt>2026-11-30T09:15:02+07:00</ReceivedAt>"
    '<Digest Algorithm="sha256">' + "3f" * 32 + "</Digest><Result>{result}</Result></Receipt>"
)


def envelope(message_type: str, body: str, signature: bool = True) -> str:
    sig = API_SIGNATURE_LINE if signature else ""
    return (
        f'<Envelope xmlns="urn:dvc:dongnai:interop:v1">\n  {HEADER.format(message_type=message_type)}\n'
        f"  <Body>{body}</Body>\n{sig}</Envelope>"
    )


def parse(text: str) -> etree._Element:
    return etree.fromstring(text.encode("utf-8"))


def assert_rejected(text: str, reason: RejectReason = RejectReason.SCHEMA_INVALID) -> XmlRejected:
    with pytest.raises(XmlRejected) as caught:
        validate(parse(text))
    assert caught.value.reason_code == reason
    return caught.value


def test_api_status_update_validates_verbatim() -> None:
    validate(parse(API_STATUS_UPDATE))


def test_api_status_update_reads_back() -> None:
    parsed = parse_status_update(parse_untrusted(API_STATUS_UPDATE.encode()))
    assert parsed == StatusUpdate(
        dossier_code="000.00.15.H19-261127-0001",
        status_code=9,
        at=datetime(2026, 11, 30, 9, 10, tzinfo=VN_TZ),
        officer="Nguyễn Văn An",
        note="Đã xử lý xong",
    )


def test_api_status_update_validates_without_signature() -> None:
    unsigned = API_STATUS_UPDATE.replace(API_SIGNATURE_LINE, "")
    assert unsigned != API_STATUS_UPDATE
    validate(parse(unsigned))


@pytest.mark.parametrize("signature", [True, False])
def test_api_counter_dossier_validates(signature: bool) -> None:
    validate(parse(envelope("CounterDossier", API_COUNTER_BODY, signature)))


@pytest.mark.parametrize("result", ["accepted", "duplicate"])
@pytest.mark.parametrize("signature", [True, False])
def test_api_receipt_validates(result: str, signature: bool) -> None:
    validate(parse(envelope("Receipt", API_RECEIPT_BODY.format(result=result), signature)))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("<StatusCode>9</StatusCode>", "<StatusCode>11</StatusCode>"),
        ("<StatusCode>9</StatusCode>", "<StatusCode>0</StatusCode>"),
        ("2026-11-30T09:10:00+07:00", "2026-11-30T09:10:00"),  # no offset
        ("<From><OrganId>000.00.15.H19</OrganId>", "<From><OrganId>000.00.15.h19</OrganId>"),
        ("000.00.15.H19-261127-0001", "000.00.15.H19-261327-0001"),  # month 13
        ("000.00.15.H19-261127-0001", "000.00.15.H19-261127-001"),
        ("<MessageType>StatusUpdate</MessageType>", "<MessageType>Anything</MessageType>"),
        ("<Officer>Nguyễn Văn An</Officer>", ""),  # required element missing
        ("<Officer>Nguyễn Văn An</Officer>", "<Officer>   </Officer>"),  # empty name
        ("<Note>Đã xử lý xong</Note>", "<Note>Đã xử lý xong</Note><Extra>x</Extra>"),
        (  # fixed order: Note after Officer
            "<Officer>Nguyễn Văn An</Officer>\n      <Note>Đã xử lý xong</Note>",
            "<Note>Đã xử lý xong</Note>\n      <Officer>Nguyễn Văn An</Officer>",
        ),
    ],
)
def test_schema_rejects(old: str, new: str) -> None:
    assert old in API_STATUS_UPDATE
    error = assert_rejected(API_STATUS_UPDATE.replace(old, new, 1))
    assert error.details and error.details[0].startswith("dòng ")
    assert "XSD" in error.message_vi


def test_second_body_rejected() -> None:
    body = "  <Body>" + API_STATUS_UPDATE.split("  <Body>")[1].split("</Body>")[0] + "</Body>\n"
    assert_rejected(API_STATUS_UPDATE.replace(body, body + body))


def test_signature_must_come_last() -> None:
    moved = API_STATUS_UPDATE.replace(API_SIGNATURE_LINE, "").replace("  <Body>", API_SIGNATURE_LINE + "  <Body>")
    assert moved != API_STATUS_UPDATE
    assert_rejected(moved)


def test_other_namespace_rejected() -> None:
    assert_rejected(API_STATUS_UPDATE.replace("urn:dvc:dongnai:interop:v1", "urn:dvc:dongnai:interop:v2"))


def test_bare_payload_is_not_a_message() -> None:
    assert_rejected(f'<Dossier xmlns="{NS}"><Code>000.00.15.H19-261127-0001</Code></Dossier>')


def test_message_type_must_match_body() -> None:
    text = envelope("CounterDossier", API_STATUS_UPDATE.split("<Body>")[1].split("</Body>")[0])
    assert_rejected(text, RejectReason.MESSAGE_TYPE_MISMATCH)


def test_schema_files_listed_envelope_first() -> None:
    names = schema_files()
    assert names[0] == "envelope.xsd"
    assert set(names) == {
        "envelope.xsd",
        "common.xsd",
        "dossier.xsd",
        "status.xsd",
        "counter.xsd",
        "receipt.xsd",
        "feed.xsd",
        "xmldsig-core-schema.xsd",
    }
    names.append("mutated.xsd")
    assert "mutated.xsd" not in schema_files()


def test_schemas_are_self_contained() -> None:
    xs = "{http://www.w3.org/2001/XMLSchema}"
    for name in schema_files():
        document = etree.fromstring(schema_bytes(name))
        for ref in document.iter(f"{xs}include", f"{xs}import"):
            location = ref.get("schemaLocation", "")
            assert location in schema_files(), f"{name} refers to {location!r}"
        if name != "xmldsig-core-schema.xsd":
            assert document.get("targetNamespace") == NS
            assert document.get("elementFormDefault") == "qualified"
            # Same namespace: include, never import.
            assert all(ref.get("namespace") != NS for ref in document.iter(f"{xs}import"))


def test_schema_bytes_serves_the_files() -> None:
    assert schema_bytes("envelope.xsd") == (SCHEMA_DIR / "envelope.xsd").read_bytes()
    assert schema_bytes("common") == (SCHEMA_DIR / "common.xsd").read_bytes()


@pytest.mark.parametrize(
    "name",
    [
        "../x",
        "../x.xsd",
        "../schemas/envelope.xsd",
        "../../xml/schema.py",
        "/etc/passwd",
        "..",
        "",
        "schemas/envelope.xsd",
        "envelope.xsd/",
        "ENVELOPE.XSD",
        "envelope.xsd\x00",
        "__init__.py",
    ],
)
def test_schema_bytes_refuses_other_names(name: str) -> None:
    with pytest.raises(SchemaNotFound):
        schema_bytes(name)
