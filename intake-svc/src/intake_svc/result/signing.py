"""PAdES signatures of the issuing agency on result PDFs (R-TEC-3), with pyHanko.

Key material per agency under ``INTAKE_SIGNING_DIR``: ``<agency_code>.key.pem`` + ``<agency_code>.cert.pem``
(or ``default.key.pem`` + ``default.cert.pem``), with the issuing chain in ``ca.cert.pem``. In production these
are the agency's certificate from a trusted CA (e.g. the Government CA). In the dev stack and in tests, when
absent and ``INTAKE_SIGNING_GENERATE`` is on, a local CA and the agency's certificate are generated there.
"""

from __future__ import annotations

import io
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from intake_svc.verification.qr import pdf_ops, verify_url

log = logging.getLogger(__name__)

PADES_FIELD = "ChuKyCoQuan"


class SigningUnavailable(RuntimeError):
    """No key for that agency (and generation is off), or the PDF cannot be signed."""


@dataclass(frozen=True)
class SignedPdf:
    data: bytes
    signer: str  # the subject of the signing certificate


def _name(common_name: str, unit: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
             x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "Đồng Nai"),
             x509.NameAttribute(NameOID.ORGANIZATION_NAME, "UBND tỉnh Đồng Nai")]
    if unit:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attrs)


def _write_key(path: Path, key: rsa.RSAPrivateKey) -> None:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    path.chmod(0o600)


QR_SIZE = 64.0  # points (~22 mm)


def stamp_verification_qr(writer: object, url: str) -> None:
    """Draws the QR of ``url`` and the address under it in the bottom right corner of the first page."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.rw_common import find_inherited_value_in_tree

    assert isinstance(writer, IncrementalPdfFileWriter)
    page_ref, _resources = writer.find_page_for_modification(0)
    box = [float(v) for v in find_inherited_value_in_tree(page_ref.get_object(), "/MediaBox", "/Parent")]
    x, y = box[2] - QR_SIZE - 24, box[1] + 30
    font = generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Font"),
        generic.NameObject("/Subtype"): generic.NameObject("/Type1"),
        generic.NameObject("/BaseFont"): generic.NameObject("/Helvetica"),
        generic.NameObject("/Encoding"): generic.NameObject("/WinAnsiEncoding")})
    resources = generic.DictionaryObject({generic.NameObject("/Font"): generic.DictionaryObject(
        {generic.NameObject("/FQr"): writer.add_object(font)})})
    # the page's own content is wrapped in q … Q so a transformation it leaves behind cannot move the stamp
    writer.add_stream_to_page(0, writer.add_object(generic.StreamObject(stream_data=b"q")), prepend=True)
    ops = b"Q\n" + pdf_ops(url, x=x, y=y, size=QR_SIZE, caption=f"Xac minh: {url}")
    writer.add_stream_to_page(0, writer.add_object(generic.StreamObject(stream_data=ops)), resources=resources)


class AgencySigner:
    def __init__(self, directory: str | Path, *, generate: bool = True, public_url: str | None = None) -> None:
        self.dir = Path(directory)
        self.public_url = public_url  # where the verification page of a signed result is (its QR code)
        self.generate = generate
        self._lock = threading.Lock()
        self._signers: dict[str, object] = {}

    @property
    def ca_cert_file(self) -> Path:
        return self.dir / "ca.cert.pem"

    def _ensure_ca(self) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
        key_file = self.dir / "ca.key.pem"
        if not (key_file.exists() and self.ca_cert_file.exists()):
            self.dir.mkdir(parents=True, exist_ok=True)
            key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
            now = datetime.now(UTC)
            name = _name("CA thử nghiệm Cổng DVC Đồng Nai", "Môi trường phát triển")
            cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                    .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
                    .not_valid_after(now + timedelta(days=3650))
                    .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                    .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                                   critical=True)
                    .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                    .sign(key, hashes.SHA256()))
            _write_key(key_file, key)
            self.ca_cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
            log.warning("generated a local signing CA in %s (development only)", self.dir)
        loaded = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
        if not isinstance(loaded, rsa.RSAPrivateKey):
            raise SigningUnavailable(f"the local CA key in {self.dir} is not an RSA key")
        return loaded, x509.load_pem_x509_certificate(self.ca_cert_file.read_bytes())

    def _generate_agency(self, agency_code: str) -> None:
        ca_key, ca_cert = self._ensure_ca()
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        now = datetime.now(UTC)
        cert = (x509.CertificateBuilder().subject_name(_name(f"Cơ quan {agency_code}", agency_code))
                .issuer_name(ca_cert.subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
                .not_valid_after(now + timedelta(days=1825))
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False),
                               critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                               critical=False)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                .sign(ca_key, hashes.SHA256()))
        _write_key(self.dir / f"{agency_code}.key.pem", key)
        (self.dir / f"{agency_code}.cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))

    def _signer(self, agency_code: str) -> object:
        from pyhanko.sign import signers

        with self._lock:
            if agency_code in self._signers:
                return self._signers[agency_code]
            base = next((self.dir / n for n in (agency_code, "default")
                         if (self.dir / f"{n}.key.pem").exists() and (self.dir / f"{n}.cert.pem").exists()), None)
            if base is None:
                if not self.generate:
                    raise SigningUnavailable(f"no signing key for agency {agency_code} in {self.dir}")
                self._generate_agency(agency_code)
                base = self.dir / agency_code
            chain = (str(self.ca_cert_file),) if self.ca_cert_file.exists() else ()
            signer = signers.SimpleSigner.load(f"{base}.key.pem", f"{base}.cert.pem", ca_chain_files=chain)
            if signer is None:
                raise SigningUnavailable(f"cannot load the signing key of {agency_code}")
            self._signers[agency_code] = signer
            return signer

    def sign_pdf(self, pdf: bytes, *, agency_code: str, reason: str, location: str = "Đồng Nai",
                 verify_code: str | None = None) -> SignedPdf:
        """A PAdES B-B signature (ETSI.CAdES.detached, SHA-256) appended as an incremental update; with
        ``verify_code`` (and a public address) the QR code of the verification page is stamped on the first page
        in the same update, so the signature covers it."""
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.pdf_utils.misc import PdfError
        from pyhanko.sign import fields, signers

        signer = self._signer(agency_code)
        assert isinstance(signer, signers.SimpleSigner)
        meta = signers.PdfSignatureMetadata(
            field_name=PADES_FIELD, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
            reason=reason, location=location, name=signer.subject_name)
        try:
            writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
            if verify_code and self.public_url:
                stamp_verification_qr(writer, verify_url(self.public_url, verify_code))
            out = signers.sign_pdf(writer, meta, signer=signer)
        except (PdfError, ValueError, KeyError, TypeError) as exc:
            raise SigningUnavailable(f"cannot sign this PDF: {exc}") from exc
        return SignedPdf(data=out.getvalue(), signer=str(signer.subject_name or agency_code))
