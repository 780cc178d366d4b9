"""Signing identities: generate self-signed ones (tests, dev stack) and load PEM once at start-up.

Parsing a PEM private key costs tens of milliseconds (docs/design.md § Measured choices); load it once
and hand the key object to Signer, never the PEM bytes per signature.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

__all__ = [
    "PrivateKey",
    "SigningIdentity",
    "certificate_pem",
    "generate_ec_identity",
    "generate_rsa_identity",
    "load_certificate_pem",
    "load_identity",
    "load_identity_files",
    "load_private_key_pem",
    "private_key_pem",
]

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True, slots=True)
class SigningIdentity:
    private_key: PrivateKey
    certificate: x509.Certificate

    def __post_init__(self) -> None:
        if not public_keys_match(self.private_key, self.certificate):
            raise ValueError("the private key does not belong to the certificate")


def public_keys_match(private_key: PrivateKey, certificate: x509.Certificate) -> bool:
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    return private_key.public_key().public_bytes(der, spki) == certificate.public_key().public_bytes(der, spki)


def _self_signed(
    private_key: PrivateKey, common_name: str, organization: str, valid_days: int, not_before: datetime | None
) -> x509.Certificate:
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "Đồng Nai"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    start = not_before or (datetime.now(UTC) - timedelta(minutes=5))
    public_key = private_key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .sign(private_key, hashes.SHA256())
    )


def generate_rsa_identity(
    common_name: str = "dvc.dongnai.gov.vn",
    *,
    organization: str = "Cổng Dịch vụ công tỉnh Đồng Nai",
    key_size: int = 2048,
    valid_days: int = 730,
    not_before: datetime | None = None,
) -> SigningIdentity:
    """A new RSA key (2048 bits by default) and a self-signed certificate for it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    return SigningIdentity(key, _self_signed(key, common_name, organization, valid_days, not_before))


def generate_ec_identity(
    common_name: str = "dvc.dongnai.gov.vn",
    *,
    organization: str = "Cổng Dịch vụ công tỉnh Đồng Nai",
    valid_days: int = 730,
    not_before: datetime | None = None,
) -> SigningIdentity:
    """A new ECDSA P-256 key and a self-signed certificate for it."""
    key = ec.generate_private_key(ec.SECP256R1())
    return SigningIdentity(key, _self_signed(key, common_name, organization, valid_days, not_before))


def private_key_pem(private_key: PrivateKey, password: bytes | None = None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    )
    return private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def certificate_pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def load_private_key_pem(data: bytes, password: bytes | None = None) -> PrivateKey:
    key = serialization.load_pem_private_key(data, password=password)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ValueError("only RSA and ECDSA keys can sign interop messages")
    return key


def load_certificate_pem(data: bytes) -> x509.Certificate:
    """One PEM certificate (e.g. the one a one-stop system registered); the first if several."""
    return x509.load_pem_x509_certificate(data)


def load_identity(key_pem: bytes, cert_pem: bytes, password: bytes | None = None) -> SigningIdentity:
    return SigningIdentity(load_private_key_pem(key_pem, password), load_certificate_pem(cert_pem))


def load_identity_files(key_path: str | Path, cert_path: str | Path, password: bytes | None = None) -> SigningIdentity:
    return load_identity(Path(key_path).read_bytes(), Path(cert_path).read_bytes(), password)
