"""interop-svc's operator metrics: pushes and inbound messages by outcome, and the time left before the
certificate of each one-stop system expires (an expired certificate stops its messages)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import FastAPI
from sqlalchemy import func, select

from interop_svc.system.models import System, SystemCertificate
from servicekit.opsmetrics import Values, counter, gauge

PUSHES = counter("dvc.interop.pushes", unit="{message}",
                 description="Push deliveries to one-stop systems by outcome (delivered, retried, failed).")
INBOUND = counter("dvc.interop.inbound", unit="{message}",
                  description="Inbound messages from one-stop systems by outcome (accepted, replayed, rejected).")
CERT_EXPIRY = gauge("dvc.interop.certificate.time_to_expiry", unit="s",
                    description="Seconds until the last usable certificate of an active one-stop system expires.")


async def sample_certificates(app: FastAPI) -> dict[str, Values]:
    """Per active system, the latest ``not_after`` of its certificates not revoked nor replaced."""
    now = datetime.now(UTC)
    async with app.state.sessionmaker() as session:
        rows = (
            await session.execute(
                select(System.code, System.agency_code, func.max(SystemCertificate.not_after))
                .join(SystemCertificate, SystemCertificate.system_id == System.id)
                .where(System.status == "active", SystemCertificate.revoked_at.is_(None),
                       (SystemCertificate.valid_until.is_(None)) | (SystemCertificate.valid_until > now))
                .group_by(System.code, System.agency_code)
            )
        ).all()
    return {CERT_EXPIRY: [((not_after - now).total_seconds(), {"system": code, "agency": agency})
                          for code, agency, not_after in rows]}
