"""The declarative base of intake-svc's own tables."""

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from servicekit.db import NAMING


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def load_all() -> None:
    """Imports every ORM module so the metadata is complete (migrations, tests)."""
    import intake_svc.access.models
    import intake_svc.audit.models
    import intake_svc.dossier.models
    import intake_svc.feedback.models
    import intake_svc.file.models
    import intake_svc.payment.models
    import intake_svc.rating.models
    import intake_svc.result.models
    import intake_svc.verification.models  # noqa: F401
