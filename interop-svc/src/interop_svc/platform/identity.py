"""The platform's signing identity, loaded once at start-up (never parse PEM per signature:
docs/design.md § Measured choices)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from interop_svc.settings import Settings
from interop_svc.xml import (
    Signer,
    SigningIdentity,
    certificate_pem,
    generate_rsa_identity,
    load_identity_files,
    private_key_pem,
)

log = logging.getLogger(__name__)

KEY_NAME = "signing.key.pem"
CERT_NAME = "signing.cert.pem"


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def dev_identity(folder: Path) -> SigningIdentity:
    """Generate once under ``folder`` and reuse afterwards (dev stack only)."""
    key_path, cert_path = folder / KEY_NAME, folder / CERT_NAME
    if key_path.exists() and cert_path.exists():
        return load_identity_files(key_path, cert_path)
    folder.mkdir(parents=True, exist_ok=True)
    identity = generate_rsa_identity()
    # Written to temporary names then renamed, so a crash never leaves a key without its certificate.
    _write_private(folder / (KEY_NAME + ".tmp"), private_key_pem(identity.private_key))
    (folder / (CERT_NAME + ".tmp")).write_bytes(certificate_pem(identity.certificate))
    os.replace(folder / (KEY_NAME + ".tmp"), key_path)
    os.replace(folder / (CERT_NAME + ".tmp"), cert_path)
    log.warning("generated a self-signed interop signing certificate under %s (dev stack only)", folder)
    return identity


def load_platform_identity(settings: Settings) -> SigningIdentity:
    if settings.signing_key_file and settings.signing_cert_file:
        password = settings.signing_key_password.encode() if settings.signing_key_password else None
        return load_identity_files(settings.signing_key_file, settings.signing_cert_file, password)
    if settings.signing_key_file or settings.signing_cert_file:
        raise RuntimeError("set both INTEROP_SIGNING_KEY_FILE and INTEROP_SIGNING_CERT_FILE")
    if settings.data_dir:
        return dev_identity(Path(settings.data_dir) / "interop")
    raise RuntimeError(
        "no interop signing identity: set INTEROP_SIGNING_KEY_FILE and INTEROP_SIGNING_CERT_FILE (or DVC_DATA_DIR)"
    )


class Platform:
    """What the service signs with, built once: the Signer (key object) and the certificate as PEM."""

    def __init__(self, identity: SigningIdentity, organ_id: str) -> None:
        self.signer = Signer.from_identity(identity)
        self.certificate_pem = certificate_pem(identity.certificate)
        self.organ_id = organ_id
