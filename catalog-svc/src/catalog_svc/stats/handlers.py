"""The dossier events the statistics read model consumes: one durable consumer per publishing stream."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from catalog_svc.stats.fold import INTAKE_TYPES, INTEROP_TYPES, RATING_TYPES, WORKFLOW_TYPES
from catalog_svc.stats.service import StatsService
from contracts import CloudEvent
from servicekit.bus import Subscription


async def on_dossier_event(event: CloudEvent, session: AsyncSession) -> None:
    await StatsService(session).apply(event)


FEEDBACK_TYPES = ("intake.feedback.received.v1", "intake.feedback.answered.v1", "intake.feedback.overdue.v1")


async def on_voice_event(event: CloudEvent, session: AsyncSession) -> None:
    """The citizen's voice: a dossier's rating folds into its row; feedback is counted per agency."""
    if event.type in FEEDBACK_TYPES:
        await StatsService(session).apply_feedback(event)
    else:
        await StatsService(session).apply(event)


def subscriptions() -> list[Subscription]:
    return [
        Subscription(name="catalog-stats-intake", event_types=list(INTAKE_TYPES), handler=on_dossier_event),
        Subscription(name="catalog-stats-workflow", event_types=list(WORKFLOW_TYPES), handler=on_dossier_event),
        Subscription(name="catalog-stats-interop", event_types=list(INTEROP_TYPES), handler=on_dossier_event),
        Subscription(name="catalog-stats-voice", event_types=[*RATING_TYPES, *FEEDBACK_TYPES], handler=on_voice_event),
    ]
