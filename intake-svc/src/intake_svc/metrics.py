"""intake-svc's operator metrics: payments by outcome, dossiers past the reception limit, overdue dossiers."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import FastAPI
from sqlalchemy import func, select

from contracts.vocabulary import DossierStatus
from intake_svc.dossier.models import Dossier
from servicekit.opsmetrics import Values, counter, gauge

PAYMENTS = counter("dvc.intake.payments", unit="{payment}",
                   description="Fee payments by method and outcome (requested, paid, failed, expired).")
RECEPTION_OVERDUE = gauge("dvc.dossiers.reception_overdue", unit="{dossier}",
                          description="Dossiers still awaiting reception past their 8-working-hour limit, by agency.")
OVERDUE = gauge("dvc.dossiers.overdue", unit="{dossier}",
                description="Dossiers accepted or in processing past their appointment date, by agency.")
IN_PROGRESS = (DossierStatus.ACCEPTED.value, DossierStatus.PROCESSING.value)


async def sample_dossiers(app: FastAPI) -> dict[str, Values]:
    """One grouped count over the open dossiers (status index): each agency with open work reports its counts,
    zero included, so a sum over agencies is always the current total."""
    now = datetime.now(UTC)
    submitted = Dossier.status == DossierStatus.SUBMITTED.value
    in_progress = Dossier.status.in_(IN_PROGRESS)
    async with app.state.sessionmaker() as session:
        rows = (
            await session.execute(
                select(
                    Dossier.agency_code,
                    func.count().filter(submitted, Dossier.reception_due_at < now),
                    func.count().filter(in_progress, Dossier.due_at < now),
                )
                .where(Dossier.status.in_((DossierStatus.SUBMITTED.value, *IN_PROGRESS)))
                .group_by(Dossier.agency_code)
            )
        ).all()
    return {
        RECEPTION_OVERDUE: [(float(waiting), {"agency": agency}) for agency, waiting, _ in rows],
        OVERDUE: [(float(late), {"agency": agency}) for agency, _, late in rows],
    }
