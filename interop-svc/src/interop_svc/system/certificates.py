"""Checks on a certificate an admin registers for a one-stop system, and a small parse cache."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from interop_svc.errors import Invalid

MIN_RSA_BITS = 2048
MAX_PEM_CHARS = 64 * 1024
_LOC = ("body", "certificate")


@dataclass(frozen=True, slots=True)
class CertificateInfo:
    certificate: x509.Certificate
    pem: str
    fingerprint: str
    subject: str
    key_type: str
    not_before: datetime
    not_after: datetime


def fingerprint_of(certificate: x509.Certificate) -> str:
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def validate_certificate_pem(pem: str, now: datetime | None = None) -> CertificateInfo:
    """Parseable X.509 PEM, valid now, RSA >= 2048 bits or EC P-256; else a 422 naming body.certificate."""
    now = now or datetime.now(UTC)
    if len(pem) > MAX_PEM_CHARS:
        raise Invalid.field(_LOC, "Chứng thư số quá dài.")
    if "-----BEGIN CERTIFICATE-----" not in pem:
        raise Invalid.field(_LOC, "Chứng thư số phải ở định dạng PEM (-----BEGIN CERTIFICATE-----).")
    if pem.count("-----BEGIN ") != 1:
        raise Invalid.field(_LOC, "Chỉ gửi đúng một chứng thư số (một khối -----BEGIN CERTIFICATE-----), "
                                  "không kèm chuỗi chứng thư hay khóa.")
    try:
        certificate = x509.load_pem_x509_certificate(pem.encode())
    except ValueError:
        raise Invalid.field(_LOC, "Không đọc được chứng thư số X.509 (PEM không hợp lệ).") from None
    not_before, not_after = certificate.not_valid_before_utc, certificate.not_valid_after_utc
    if not_after <= now:
        raise Invalid.field(_LOC, f"Chứng thư số đã hết hạn từ {not_after.isoformat()}.")
    if not_before > now:
        raise Invalid.field(_LOC, f"Chứng thư số chưa có hiệu lực (từ {not_before.isoformat()}).")
    try:
        key = certificate.public_key()
    except ValueError:
        raise Invalid.field(_LOC, "Không đọc được khóa công khai của chứng thư số.") from None
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise Invalid.field(
                _LOC, f"Khóa RSA phải dài ít nhất {MIN_RSA_BITS} bit (chứng thư có {key.key_size} bit)."
            )
        key_type = f"RSA-{key.key_size}"
    elif isinstance(key, ec.EllipticCurvePublicKey):
        if not isinstance(key.curve, ec.SECP256R1):
            raise Invalid.field(_LOC, f"Khóa EC phải dùng đường cong P-256 (chứng thư dùng {key.curve.name}).")
        key_type = "EC-P256"
    else:
        raise Invalid.field(_LOC, "Chỉ chấp nhận chứng thư số có khóa RSA (≥ 2048 bit) hoặc EC P-256.")
    canonical = certificate.public_bytes(serialization.Encoding.PEM).decode()
    fingerprint = fingerprint_of(certificate)
    _CACHE[fingerprint] = certificate
    return CertificateInfo(
        certificate=certificate,
        pem=canonical,
        fingerprint=fingerprint,
        subject=certificate.subject.rfc4514_string(),
        key_type=key_type,
        not_before=not_before,
        not_after=not_after,
    )


# Registered certificates are immutable: parse each once per process, keyed by fingerprint.
_CACHE: dict[str, x509.Certificate] = {}


def certificate_object(fingerprint: str, pem: str) -> x509.Certificate:
    cached = _CACHE.get(fingerprint)
    if cached is None:
        cached = _CACHE[fingerprint] = x509.load_pem_x509_certificate(pem.encode())
    return cached
