"""The declarative base of workflow-svc's own tables; importing the package registers every table."""

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from servicekit.db import NAMING


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def load_all() -> None:
    """Imports every ORM module so the metadata is complete (migrations, tests)."""
    import workflow_svc.definition.models
    import workflow_svc.dossier.models
    import workflow_svc.officer.models
    import workflow_svc.timer.models  # noqa: F401


load_all()  # the ORM modules reference each other's tables: registered as soon as the base exists
