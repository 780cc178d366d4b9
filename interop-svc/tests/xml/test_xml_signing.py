"""XML-DSig: round trips, trust only in the registered certificate, and the attacks that must fail."""

from __future__ import annotations

import base64
import copy
import hashlib
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from signxml.algorithms import SignatureConstructionMethod
from signxml.signer import XMLSigner
from signxml.verifier import XMLVerifier

from interop_svc.xml import (
    NS,
    EnvelopeHeader,
    MessageType,
    RejectReason,
    Signer,
    SigningIdentity,
    StatusUpdate,
    XmlRejected,
    accept_inbound,
    build_receipt,
    generate_rsa_identity,
    parse_receipt,
    parse_status_update,
    parse_untrusted,
    receipt_for,
    signing,
    to_bytes,
    validate,
    verify_envelope,
)
from interop_svc.xml.keys import generate_ec_identity

PLATFORM = "000.00.00.H19"
DEPARTMENT = "000.00.15.H19"
DS = "http://www.w3.org/2000/09/xmldsig#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
NSMAP = {"d": NS, "ds": DS}


def q(name: str) -> str:
    return f"{{{NS}}}{name}"


def ds(name: str) -> str:
    return f"{{{DS}}}{name}"


def rejected(data: bytes | etree._Element, cert: object) -> XmlRejected:
    with pytest.raises(XmlRejected) as caught:
        verify_envelope(data, cert)  # type: ignore[arg-type]
    return caught.value


MakeUpdate = Callable[[], etree._Element]


def partially_signed(identity: SigningIdentity, make_update: MakeUpdate) -> etree._Element:
    """Signed by the registered key, but only Body (reference URI="#b"): what a careless sender or an
    attacker replaying a partial signature would present."""
    envelope = make_update()
    body = envelope.find(q("Body"))
    assert body is not None
    body.set("Id", "b")
    signer = XMLSigner(
        method=SignatureConstructionMethod.enveloped,
        signature_algorithm="rsa-sha256",
        digest_algorithm="sha256",
        # Exclusive C14N makes the signed Body's digest independent of where it is moved to.
        c14n_algorithm=EXC_C14N,
    )
    return signer.sign(envelope, key=identity.private_key, cert=[identity.certificate], reference_uri="#b")


# --------------------------------------------------------------------------------------- round trip


@pytest.mark.parametrize(
    ("identity_fixture", "algorithm"),
    [
        ("rsa_identity", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"),
        ("ec_identity", "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"),
    ],
)
def test_sign_verify_round_trip(
    identity_fixture: str,
    algorithm: str,
    request: pytest.FixtureRequest,
    make_update: MakeUpdate,
    minimal_update: StatusUpdate,
) -> None:
    identity: SigningIdentity = request.getfixturevalue(identity_fixture)
    envelope = make_update()
    before = etree.tostring(envelope)
    signed = Signer.from_identity(identity).sign(envelope)
    assert etree.tostring(envelope) == before, "the input is left untouched"

    children = [child for child in signed if isinstance(child.tag, str)]
    assert [child.tag for child in children] == [q("Header"), q("Body"), ds("Signature")]
    signature = children[-1]
    assert signature.find("ds:SignedInfo/ds:SignatureMethod", NSMAP).get("Algorithm") == algorithm
    references = signature.findall("ds:SignedInfo/ds:Reference", NSMAP)
    assert [r.get("URI") for r in references] == [""]
    assert references[0].find("ds:DigestMethod", NSMAP).get("Algorithm").endswith("#sha256")
    embedded = signature.findtext("ds:KeyInfo/ds:X509Data/ds:X509Certificate", namespaces=NSMAP)
    assert base64.b64decode(embedded) == identity.certificate.public_bytes(Encoding.DER)

    data = to_bytes(signed)
    validate(parse_untrusted(data))
    verified = verify_envelope(data, identity.certificate)
    assert verified.tag == q("Envelope")
    assert verified.find(ds("Signature")) is None, "only the signed content is returned"
    assert parse_status_update(verified) == minimal_update
    # An already parsed element works the same.
    assert parse_status_update(verify_envelope(parse_untrusted(data), identity.certificate)) == minimal_update


@pytest.mark.parametrize(
    ("c14n", "list_c14n_transform", "default_namespace"),
    [
        # .NET SignedXml's default is C14N 1.0. (signxml itself cannot produce an unprefixed Signature
        # with inclusive C14N that it can verify, so the unprefixed case uses exclusive C14N here.)
        ("http://www.w3.org/TR/2001/REC-xml-c14n-20010315", True, False),
        ("http://www.w3.org/2006/12/xml-c14n11", True, False),
        ("http://www.w3.org/2006/12/xml-c14n11", False, False),
        ("http://www.w3.org/2001/10/xml-exc-c14n#", True, True),
    ],
)
def test_other_conforming_signers_are_accepted(
    rsa_identity: SigningIdentity,
    make_update: MakeUpdate,
    minimal_update: StatusUpdate,
    c14n: str,
    list_c14n_transform: bool,
    default_namespace: bool,
) -> None:
    signer = XMLSigner(
        method=SignatureConstructionMethod.enveloped,
        signature_algorithm="rsa-sha256",
        digest_algorithm="sha256",
        c14n_algorithm=c14n,
    )
    if default_namespace:
        signer.namespaces = {None: DS}  # type: ignore[dict-item]
    signed = signer.sign(
        make_update(),
        key=rsa_identity.private_key,
        cert=[rsa_identity.certificate],
        exclude_c14n_transform_element=not list_c14n_transform,
    )
    data = to_bytes(signed)
    assert (b"<Signature xmlns=" in data) is default_namespace
    message = accept_inbound(data, rsa_identity.certificate)
    assert parse_status_update(message.envelope) == minimal_update


def test_rotation_accepts_any_registered_certificate(
    rsa_identity: SigningIdentity, attacker_identity: SigningIdentity, signed_update: bytes
) -> None:
    verified = verify_envelope(signed_update, [attacker_identity.certificate, rsa_identity.certificate])
    assert parse_status_update(verified).status_code == 9


def test_signer_refuses_bad_inputs(
    rsa_identity: SigningIdentity, ec_identity: SigningIdentity, make_update: MakeUpdate
) -> None:
    with pytest.raises(ValueError, match="does not belong"):
        Signer(rsa_identity.private_key, ec_identity.certificate)
    weak = generate_rsa_identity(key_size=1024)
    with pytest.raises(ValueError, match="2048"):
        Signer.from_identity(weak)
    signer = Signer.from_identity(rsa_identity)
    with pytest.raises(ValueError, match="already signed"):
        signer.sign(signer.sign(make_update()))
    with pytest.raises(ValueError, match="Envelope"):
        signer.sign(etree.Element(q("Body")))
    with pytest.raises(TypeError):
        Signer(b"-----BEGIN PRIVATE KEY-----", rsa_identity.certificate)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------- trust


def test_other_key_fails_even_with_its_certificate_embedded(
    rsa_identity: SigningIdentity, attacker_identity: SigningIdentity, make_update: MakeUpdate
) -> None:
    forged = Signer.from_identity(attacker_identity).sign_to_bytes(make_update())
    # The forged message verifies against the certificate it carries...
    verify_envelope(forged, attacker_identity.certificate)
    # ...but never against the certificate the genuine system registered.
    assert rejected(forged, rsa_identity.certificate).reason_code == RejectReason.SIGNATURE_INVALID


def test_other_key_fails_when_the_genuine_certificate_is_embedded(
    rsa_identity: SigningIdentity, attacker_identity: SigningIdentity, make_update: MakeUpdate
) -> None:
    forged = Signer.from_identity(attacker_identity).sign(make_update())
    cert = forged.find("ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509Certificate", NSMAP)
    cert.text = base64.b64encode(rsa_identity.certificate.public_bytes(Encoding.DER)).decode()
    assert rejected(to_bytes(forged), rsa_identity.certificate).reason_code == RejectReason.SIGNATURE_INVALID


def test_ecdsa_message_against_rsa_registration_fails(
    rsa_identity: SigningIdentity, ec_identity: SigningIdentity, make_update: MakeUpdate
) -> None:
    signed = Signer.from_identity(ec_identity).sign_to_bytes(make_update())
    assert rejected(signed, rsa_identity.certificate).reason_code == RejectReason.SIGNATURE_INVALID


def test_expired_registered_certificate(expired_identity: SigningIdentity, make_update: MakeUpdate) -> None:
    signed = Signer.from_identity(expired_identity).sign_to_bytes(make_update())
    assert rejected(signed, expired_identity.certificate).reason_code == RejectReason.CERTIFICATE_INVALID


def test_unsigned_message_rejected(rsa_identity: SigningIdentity, make_update: MakeUpdate) -> None:
    error = rejected(to_bytes(make_update()), rsa_identity.certificate)
    assert error.reason_code == RejectReason.SIGNATURE_MISSING


# ---------------------------------------------------------------------------------------- tampering


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Đã xử lý xong", "Đã xử lý xonG"),  # one character of the note
        ("<StatusCode>9<", "<StatusCode>8<"),
        ("000.00.15.H19-261127-0001", "000.00.15.H19-261127-0002"),
        ("<OrganId>000.00.15.H19<", "<OrganId>000.00.16.H19<"),  # the header is signed too
        ("9a53-0f7f5b2c9e11", "9a53-0f7f5b2c9e12"),
    ],
)
def test_tampering_one_character_fails(rsa_identity: SigningIdentity, signed_update: bytes, old: str, new: str) -> None:
    assert signed_update.count(old.encode()) == 1
    tampered = signed_update.replace(old.encode(), new.encode())
    assert rejected(tampered, rsa_identity.certificate).reason_code == RejectReason.SIGNATURE_INVALID


def test_tampered_signature_value_fails(rsa_identity: SigningIdentity, signed_update: bytes) -> None:
    root = parse_untrusted(signed_update)
    value = root.find("ds:Signature/ds:SignatureValue", NSMAP)
    raw = bytearray(base64.b64decode(value.text))
    raw[10] ^= 0x01
    value.text = base64.b64encode(bytes(raw)).decode()
    assert rejected(to_bytes(root), rsa_identity.certificate).reason_code == RejectReason.SIGNATURE_INVALID


def test_added_comment_or_whitespace_inside_text_fails(rsa_identity: SigningIdentity, signed_update: bytes) -> None:
    tampered = signed_update.replace("Đã xử lý xong".encode(), "Đã xử lý  xong".encode())
    assert rejected(tampered, rsa_identity.certificate).reason_code == RejectReason.SIGNATURE_INVALID


# ---------------------------------------------------------------------------- wrapping and partial


def test_partial_signature_on_body_fails(rsa_identity: SigningIdentity, make_update: MakeUpdate) -> None:
    partial = to_bytes(partially_signed(rsa_identity, make_update))
    # A generic verifier accepts it: the Body digest is right and the key is the registered one.
    XMLVerifier().verify(partial, x509_cert=rsa_identity.certificate)
    assert rejected(partial, rsa_identity.certificate).reason_code == RejectReason.SIGNATURE_SCOPE


def test_partial_signature_lets_header_be_forged_elsewhere_but_not_here(
    rsa_identity: SigningIdentity, make_update: MakeUpdate
) -> None:
    forged = to_bytes(partially_signed(rsa_identity, make_update)).replace(
        b"<OrganId>000.00.15.H19<", b"<OrganId>000.00.99.H19<"
    )
    XMLVerifier().verify(forged, x509_cert=rsa_identity.certificate)  # the header was never covered
    assert rejected(forged, rsa_identity.certificate).reason_code == RejectReason.SIGNATURE_SCOPE


def test_wrapping_signed_body_under_wrapper_with_id_reference_fails(
    rsa_identity: SigningIdentity, make_update: MakeUpdate
) -> None:
    """Classic XSW: the signed Body (Id="b") is hidden in a wrapper; an evil Body takes its place."""
    signed = to_bytes(partially_signed(rsa_identity, make_update)).decode()
    start = signed.index('<Body Id="b">')
    original = signed[start : signed.index("</Body>", start) + len("</Body>")]
    evil = original.replace(' Id="b"', "").replace("<StatusCode>9<", "<StatusCode>10<")
    wrapped = signed.replace(original, evil).replace("</Header>", f"<Wrapper>{original}</Wrapper></Header>").encode()
    assert b"<StatusCode>10<" in wrapped and b"<StatusCode>9<" in wrapped
    # The generic verifier is fooled: "#b" still resolves to the original, now out of sight.
    XMLVerifier().verify(wrapped, x509_cert=rsa_identity.certificate)
    assert rejected(wrapped, rsa_identity.certificate).reason_code == RejectReason.SIGNATURE_SCOPE


@pytest.mark.parametrize(
    ("with_signature", "reason"),
    [(False, RejectReason.SIGNATURE_INVALID), (True, RejectReason.SIGNATURE_SCOPE)],
)
def test_wrapping_signed_content_inside_the_signature_fails(
    rsa_identity: SigningIdentity, signed_update: bytes, with_signature: bool, reason: RejectReason
) -> None:
    """The genuine content is tucked into ds:Object of the signature, evil content takes its place."""
    root = parse_untrusted(signed_update)
    signature = root.find(ds("Signature"))
    stash = copy.deepcopy(root)
    if not with_signature:
        stash.remove(stash.find(ds("Signature")))
    root.find(f"{q('Body')}/{q('StatusUpdate')}/{q('StatusCode')}").text = "10"
    etree.SubElement(signature, ds("Object")).append(stash)
    assert rejected(to_bytes(root), rsa_identity.certificate).reason_code == reason


def test_signed_envelope_nested_in_outer_envelope_fails(
    rsa_identity: SigningIdentity, signed_update: bytes, make_update: MakeUpdate
) -> None:
    genuine = parse_untrusted(signed_update)
    outer = make_update()
    outer.find(f"{q('Body')}/{q('StatusUpdate')}/{q('StatusCode')}").text = "10"
    etree.SubElement(outer.find(q("Header")), q("Wrapper")).append(genuine)
    assert rejected(to_bytes(outer), rsa_identity.certificate).reason_code == RejectReason.SIGNATURE_SCOPE


def test_second_body_fails(rsa_identity: SigningIdentity, signed_update: bytes) -> None:
    root = parse_untrusted(signed_update)
    evil = copy.deepcopy(root.find(q("Body")))
    evil.find(f"{q('StatusUpdate')}/{q('StatusCode')}").text = "10"
    root.find(q("Body")).addprevious(evil)
    data = to_bytes(root)
    assert rejected(data, rsa_identity.certificate).reason_code == RejectReason.SIGNATURE_INVALID
    with pytest.raises(XmlRejected) as caught:
        accept_inbound(data, rsa_identity.certificate)
    assert caught.value.reason_code == RejectReason.SCHEMA_INVALID


def test_second_signature_fails(
    rsa_identity: SigningIdentity,
    attacker_identity: SigningIdentity,
    signed_update: bytes,
    make_update: MakeUpdate,
) -> None:
    root = parse_untrusted(signed_update)
    other = Signer.from_identity(attacker_identity).sign(make_update()).find(ds("Signature"))
    root.find(q("Header")).append(other)
    assert rejected(to_bytes(root), rsa_identity.certificate).reason_code == RejectReason.SIGNATURE_SCOPE


def test_signature_not_last_fails(rsa_identity: SigningIdentity, signed_update: bytes) -> None:
    root = parse_untrusted(signed_update)
    signature = root.find(ds("Signature"))
    root.find(q("Body")).addprevious(signature)
    assert rejected(to_bytes(root), rsa_identity.certificate).reason_code == RejectReason.SIGNATURE_SCOPE


def test_extra_transform_fails(rsa_identity: SigningIdentity, signed_update: bytes) -> None:
    root = parse_untrusted(signed_update)
    transforms = root.find("ds:Signature/ds:SignedInfo/ds:Reference/ds:Transforms", NSMAP)
    xpath = etree.SubElement(transforms, ds("Transform"), Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116")
    etree.SubElement(xpath, ds("XPath")).text = "ancestor-or-self::*[local-name()='Header']"
    assert rejected(to_bytes(root), rsa_identity.certificate).reason_code == RejectReason.SIGNATURE_SCOPE


def test_two_references_fail(rsa_identity: SigningIdentity, signed_update: bytes) -> None:
    root = parse_untrusted(signed_update)
    reference = root.find("ds:Signature/ds:SignedInfo/ds:Reference", NSMAP)
    reference.addnext(copy.deepcopy(reference))
    assert rejected(to_bytes(root), rsa_identity.certificate).reason_code == RejectReason.SIGNATURE_SCOPE


def test_signature_elsewhere_fails(rsa_identity: SigningIdentity, signed_update: bytes) -> None:
    root = parse_untrusted(signed_update)
    root.find(q("Header")).append(root.find(ds("Signature")))
    assert rejected(to_bytes(root), rsa_identity.certificate).reason_code == RejectReason.SIGNATURE_SCOPE


def test_not_an_envelope(rsa_identity: SigningIdentity, signed_update: bytes) -> None:
    error = rejected(signed_update.replace(NS.encode(), b"urn:other"), rsa_identity.certificate)
    assert error.reason_code == RejectReason.SCHEMA_INVALID


# ----------------------------------------------------------------------------------- inbound + receipt


def test_accept_inbound_and_answer_with_receipt(
    rsa_identity: SigningIdentity, signed_update: bytes, minimal_update: StatusUpdate
) -> None:
    message = accept_inbound(signed_update, rsa_identity.certificate, expected_sender=DEPARTMENT)
    assert message.message_type is MessageType.STATUS_UPDATE
    assert message.header.message_id == "7d0c5a4e-2b1f-4c36-9a53-0f7f5b2c9e11"
    assert message.digest_sha256 == hashlib.sha256(signed_update).hexdigest()
    assert parse_status_update(message.envelope) == minimal_update

    platform = generate_ec_identity("dvc.dongnai.gov.vn")
    receipt = receipt_for(signed_update, message.header.message_id)
    header = EnvelopeHeader.new(PLATFORM, message.header.from_organ_id, sent_at=receipt.received_at)
    answer = Signer.from_identity(platform).sign_to_bytes(build_receipt(header, receipt))
    # The one-stop system checks the answer against the platform's published certificate.
    seen = accept_inbound(answer, platform.certificate, expected_sender=PLATFORM)
    parsed = parse_receipt(seen.envelope)
    assert parsed.digest_sha256 == hashlib.sha256(signed_update).hexdigest()
    assert parsed.message_id == message.header.message_id
    assert parsed.result.value == "accepted"


def test_accept_inbound_checks_sender(rsa_identity: SigningIdentity, signed_update: bytes) -> None:
    with pytest.raises(XmlRejected) as caught:
        accept_inbound(signed_update, rsa_identity.certificate, expected_sender="000.00.99.H19")
    assert caught.value.reason_code == RejectReason.SENDER_MISMATCH


def test_accept_inbound_validates_before_verifying(
    rsa_identity: SigningIdentity, signer: Signer, make_update: MakeUpdate
) -> None:
    envelope = make_update()
    envelope.find(f"{q('Body')}/{q('StatusUpdate')}/{q('StatusCode')}").text = "42"
    with pytest.raises(XmlRejected) as caught:
        accept_inbound(signer.sign_to_bytes(envelope), rsa_identity.certificate)
    assert caught.value.reason_code == RejectReason.SCHEMA_INVALID


def test_accept_inbound_refuses_doctype(rsa_identity: SigningIdentity, signed_update: bytes) -> None:
    data = signed_update.replace(b"?>", b'?><!DOCTYPE Envelope [<!ENTITY x SYSTEM "file:///etc/passwd">]>', 1)
    with pytest.raises(XmlRejected) as caught:
        accept_inbound(data, rsa_identity.certificate)
    assert caught.value.reason_code == RejectReason.DOCTYPE_FORBIDDEN


def test_signed_content_check_stands_on_its_own(
    rsa_identity: SigningIdentity, make_update: MakeUpdate, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even if the shape checks let a partial signature through, the comparison of what was signed
    with the received Envelope still refuses it."""
    monkeypatch.setattr(signing, "_check_signed_info", lambda signature: EXC_C14N)
    partial = to_bytes(partially_signed(rsa_identity, make_update))
    assert rejected(partial, rsa_identity.certificate).reason_code == RejectReason.SIGNATURE_SCOPE
