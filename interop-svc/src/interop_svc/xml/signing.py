"""Enveloped XML-DSig over the whole Envelope: signing with the platform's key, verifying a sender's.

Trust comes only from the certificate a one-stop system registered: a certificate carried in the
message's KeyInfo is never used to decide whether the signature is good. The only signature shape
accepted is the one the contract fixes: a single ds:Signature, the last child of Envelope, with a
single Reference URI="" (the whole document) and only the enveloped-signature and canonicalization
transforms. Anything else (a reference to an Id, a second Signature, a Signature elsewhere, extra
transforms) is refused before any cryptography runs, which closes signature wrapping and partial
signatures; after verification the signed bytes are compared with the received Envelope.
"""

from __future__ import annotations

from collections.abc import Sequence
from copy import deepcopy
from typing import Final

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from lxml import etree
from signxml.algorithms import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConstructionMethod,
    SignatureMethod,
)
from signxml.exceptions import InvalidCertificate, SignXMLException
from signxml.signer import SignatureReference, XMLSigner
from signxml.verifier import SignatureConfiguration, XMLVerifier

from .errors import RejectReason, XmlRejected
from .keys import PrivateKey, SigningIdentity, public_keys_match
from .parser import DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, hardened_parser, parse_untrusted
from .schema import DS_NS, NS

__all__ = ["Signer", "verify_envelope"]

ENVELOPE_TAG: Final = f"{{{NS}}}Envelope"
SIGNATURE_TAG: Final = f"{{{DS_NS}}}Signature"
_ENVELOPED: Final = SignatureConstructionMethod.enveloped.value

# Exclusive C14N: the form every XML-DSig stack implements (.NET SignedXml has no C14N 1.1).
SIGNING_C14N: Final = CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0
_ACCEPTED_C14N: Final = frozenset(
    {
        CanonicalizationMethod.CANONICAL_XML_1_0.value,
        CanonicalizationMethod.CANONICAL_XML_1_1.value,
        CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0.value,
    }
)
_VERIFY_CONFIG: Final = SignatureConfiguration(
    require_x509=True,
    location="./",
    expect_references=1,
    signature_methods=frozenset(
        {
            SignatureMethod.RSA_SHA256,
            SignatureMethod.RSA_SHA384,
            SignatureMethod.RSA_SHA512,
            SignatureMethod.ECDSA_SHA256,
            SignatureMethod.ECDSA_SHA384,
            SignatureMethod.ECDSA_SHA512,
        }
    ),
    digest_algorithms=frozenset({DigestAlgorithm.SHA256, DigestAlgorithm.SHA384, DigestAlgorithm.SHA512}),
)
_MIN_RSA_BITS: Final = 2048


class _EnvelopeSigner(XMLSigner):
    """signxml's enveloped signing, without its two copies of the input made by serialising and parsing it again
    (a third of a 500-dossier feed page's build+sign). The input here is always a whole Envelope that we built (a
    root element: no namespaces inherited from a parent): the document that gets the signature is one deep copy of
    it, and the digest is taken over the untouched input itself, whose canonical form is the same."""

    def _unpack(self, data: etree._Element, references: list[SignatureReference] | None) -> tuple[
            etree._Element, etree._Element, list[etree._Element], list[SignatureReference]]:
        if data.getparent() is not None or references is not None:  # pragma: no cover - not how Signer calls it
            raise ValueError("only a whole envelope, with no explicit references, is signed here")
        sig_root = etree.Element(self._ds_tag("Signature"), nsmap=self.namespaces)
        doc_root = deepcopy(data)
        doc_root.append(sig_root)
        payload_id = data.get("Id", data.get("ID"))  # as signxml names the reference
        return sig_root, doc_root, [data], [SignatureReference(URI=f"#{payload_id}" if payload_id is not None else "")]


class Signer:
    """Signs Envelope elements with one key; build it once at start-up with loaded key objects."""

    def __init__(self, private_key: PrivateKey, certificate: x509.Certificate) -> None:
        if isinstance(private_key, rsa.RSAPrivateKey):
            if private_key.key_size < _MIN_RSA_BITS:
                raise ValueError(f"RSA keys must have at least {_MIN_RSA_BITS} bits")
            self._algorithm = SignatureMethod.RSA_SHA256
        elif isinstance(private_key, ec.EllipticCurvePrivateKey):
            self._algorithm = SignatureMethod.ECDSA_SHA256
        else:
            raise TypeError("only RSA and ECDSA private key objects can sign (load PEM once with keys.py)")
        if not public_keys_match(private_key, certificate):
            raise ValueError("the private key does not belong to the certificate")
        self._key = private_key
        self._certificate = certificate

    @classmethod
    def from_identity(cls, identity: SigningIdentity) -> Signer:
        return cls(identity.private_key, identity.certificate)

    @property
    def certificate(self) -> x509.Certificate:
        return self._certificate

    @property
    def signature_algorithm(self) -> SignatureMethod:
        return self._algorithm

    def sign(self, envelope: etree._Element) -> etree._Element:
        """A signed copy of ``envelope``: ds:Signature appended as its last child, reference URI="",
        the certificate in KeyInfo/X509Data. The input element is left untouched."""
        if envelope.tag != ENVELOPE_TAG:
            raise ValueError(f"only {ENVELOPE_TAG} elements are signed, got {envelope.tag!r}")
        if next(envelope.iter(SIGNATURE_TAG), None) is not None:
            raise ValueError("the envelope is already signed")
        signer = _EnvelopeSigner(
            method=SignatureConstructionMethod.enveloped,
            signature_algorithm=self._algorithm,
            digest_algorithm=DigestAlgorithm.SHA256,
            c14n_algorithm=SIGNING_C14N,
        )
        # Without a placeholder signxml appends ds:Signature to the root, i.e. after Body: where the
        # contract wants it. No Id attribute on Envelope, so the reference stays URI="".
        signed: etree._Element = signer.sign(envelope, key=self._key, cert=[self._certificate])
        last = _element_children(signed)[-1]
        if last.tag != SIGNATURE_TAG:  # pragma: no cover - guards a change in signxml's behaviour
            raise RuntimeError("signxml did not place the signature last in the envelope")
        return signed

    def sign_to_bytes(self, envelope: etree._Element) -> bytes:
        """Sign and serialize (UTF-8 with XML declaration): the exact bytes to send and to store."""
        return to_bytes(self.sign(envelope))


def to_bytes(envelope: etree._Element) -> bytes:
    return bytes(etree.tostring(envelope, xml_declaration=True, encoding="UTF-8"))


def verify_envelope(
    data_or_element: bytes | etree._Element,
    trusted_cert: x509.Certificate | Sequence[x509.Certificate],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> etree._Element:
    """Verify the enveloped signature of a received Envelope against the sender's registered
    certificate(s) (several while a system rotates its key) and return what was signed: the Envelope
    without its Signature, rebuilt from the verified canonical bytes. Raises XmlRejected.

    Bytes are parsed with ``parse_untrusted``; an element is assumed to come from it already.
    """
    if isinstance(data_or_element, bytes | bytearray | memoryview):
        root = parse_untrusted(bytes(data_or_element), max_bytes, max_depth)
    else:
        root = data_or_element
    certificates = [trusted_cert] if isinstance(trusted_cert, x509.Certificate) else list(trusted_cert)
    if not certificates:
        raise ValueError("at least one trusted certificate is required")

    signature = _the_signature(root)
    reference_c14n = _check_signed_info(signature)

    result = None
    failure: XmlRejected | None = None
    cause: Exception | None = None
    for certificate in certificates:
        try:
            result = XMLVerifier().verify(
                root, x509_cert=certificate, expect_config=_VERIFY_CONFIG, parser=hardened_parser()
            )
            break
        except InvalidCertificate as exc:
            failure, cause = (
                XmlRejected(
                    RejectReason.CERTIFICATE_INVALID,
                    "Chứng thư số đã đăng ký của hệ thống gửi đã hết hạn hoặc chưa có hiệu lực.",
                ),
                exc,
            )
        except (
            SignXMLException,
            UnsupportedAlgorithm,
            etree.LxmlError,
            ValueError,
            TypeError,
            AttributeError,
            KeyError,
        ) as exc:
            # The sender only learns "invalid"; the cause stays chained for the receiver's own logs.
            failure, cause = _invalid(), exc
    if result is None:
        assert failure is not None
        raise failure from cause
    if isinstance(result, list):  # pragma: no cover - expect_references=1 returns one result
        raise _invalid()

    signed = result.signed_xml
    if signed is None or signed.tag != ENVELOPE_TAG:
        raise _scope()
    # Defense in depth: the bytes the signature covers must be exactly this Envelope minus its
    # Signature, canonicalized the way the reference says.
    if result.signed_data != _canonical_without_signature(root, reference_c14n):
        raise _scope()
    return signed


def _element_children(element: etree._Element) -> list[etree._Element]:
    return [child for child in element if isinstance(child.tag, str)]


def _the_signature(root: etree._Element) -> etree._Element:
    if root.tag != ENVELOPE_TAG:
        raise XmlRejected(RejectReason.SCHEMA_INVALID, "Phần tử gốc của thông điệp phải là Envelope.")
    signatures = list(root.iter(SIGNATURE_TAG))
    if not signatures:
        raise XmlRejected(RejectReason.SIGNATURE_MISSING, "Thông điệp chưa được ký số (thiếu ds:Signature).")
    if len(signatures) > 1:
        raise _scope()
    signature = signatures[0]
    if signature.getparent() is not root or _element_children(root)[-1] is not signature:
        raise _scope()
    return signature


def _check_signed_info(signature: etree._Element) -> str | None:
    """Refuse any signature shape but the contract's; return the reference's C14N algorithm, if named."""
    ds = f"{{{DS_NS}}}"
    signed_infos = signature.findall(f"{ds}SignedInfo")
    if len(signed_infos) != 1:
        raise _invalid()
    references = signed_infos[0].findall(f"{ds}Reference")
    if len(references) != 1:
        raise _scope()
    reference = references[0]
    if reference.get("URI") != "":
        raise _scope()
    algorithms = [t.get("Algorithm") for t in reference.findall(f"{ds}Transforms/{ds}Transform")]
    if not algorithms or algorithms[0] != _ENVELOPED:
        raise _scope()
    rest = algorithms[1:]
    if len(rest) > 1 or (rest and rest[0] not in _ACCEPTED_C14N):
        raise _scope()
    return rest[0] if rest else None


def _canonical_without_signature(root: etree._Element, c14n_algorithm: str | None) -> bytes:
    copy = etree.fromstring(etree.tostring(root), hardened_parser())
    signature = next(copy.iter(SIGNATURE_TAG))
    parent = signature.getparent()
    assert parent is not None
    if signature.tail:
        previous = signature.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + signature.tail
        else:
            parent.text = (parent.text or "") + signature.tail
    parent.remove(signature)
    exclusive = c14n_algorithm == CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0.value
    return bytes(etree.tostring(copy, method="c14n", exclusive=exclusive, with_comments=False))


def _invalid() -> XmlRejected:
    return XmlRejected(
        RejectReason.SIGNATURE_INVALID,
        "Chữ ký số không hợp lệ hoặc không được tạo bằng chứng thư số đã đăng ký của hệ thống gửi.",
    )


def _scope() -> XmlRejected:
    return XmlRejected(
        RejectReason.SIGNATURE_SCOPE,
        "Chữ ký số phải là một ds:Signature duy nhất, là phần tử cuối của Envelope, với một tham chiếu "
        'URI="" bao trùm toàn bộ thông điệp.',
    )
