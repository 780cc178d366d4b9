from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from interop_svc.xml import (
    VN_TZ,
    EnvelopeHeader,
    Signer,
    SigningIdentity,
    StatusUpdate,
    build_status_update,
    generate_ec_identity,
    generate_rsa_identity,
)

PLATFORM = "000.00.00.H19"
DEPARTMENT = "000.00.15.H19"


@pytest.fixture(scope="session")
def rsa_identity() -> SigningIdentity:
    return generate_rsa_identity("one-stop.tuphap.dongnai.gov.vn")


@pytest.fixture(scope="session")
def ec_identity() -> SigningIdentity:
    return generate_ec_identity("one-stop-ec.tuphap.dongnai.gov.vn")


@pytest.fixture(scope="session")
def attacker_identity() -> SigningIdentity:
    # Same subject as the genuine system: names prove nothing, only the registered key does.
    return generate_rsa_identity("one-stop.tuphap.dongnai.gov.vn")


@pytest.fixture(scope="session")
def expired_identity() -> SigningIdentity:
    return generate_rsa_identity(
        "old.tuphap.dongnai.gov.vn", valid_days=30, not_before=datetime.now(UTC) - timedelta(days=400)
    )


@pytest.fixture(scope="session")
def signer(rsa_identity: SigningIdentity) -> Signer:
    return Signer.from_identity(rsa_identity)


def status_header(message_id: str = "7d0c5a4e-2b1f-4c36-9a53-0f7f5b2c9e11") -> EnvelopeHeader:
    return EnvelopeHeader(
        message_id=message_id,
        from_organ_id=DEPARTMENT,
        to_organ_id=PLATFORM,
        sent_at=datetime(2026, 11, 30, 9, 15, tzinfo=VN_TZ),
    )


def minimal_update() -> StatusUpdate:
    return StatusUpdate(
        dossier_code="000.00.15.H19-261127-0001",
        status_code=9,
        at=datetime(2026, 11, 30, 9, 10, tzinfo=VN_TZ),
        officer="Nguyễn Văn An",
        note="Đã xử lý xong",
    )


@pytest.fixture(name="minimal_update")
def minimal_update_fixture() -> StatusUpdate:
    return minimal_update()


@pytest.fixture
def make_update() -> Callable[[], etree._Element]:
    """A fresh unsigned Envelope with the contract's minimal StatusUpdate (docs/contract.md), built by the library."""
    return lambda: build_status_update(status_header(), minimal_update())


@pytest.fixture
def signed_update(signer: Signer, make_update: Callable[[], etree._Element]) -> bytes:
    return signer.sign_to_bytes(make_update())
