"""The declarative base of workflow-svc's own tables; importing the package registers every table."""

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from servicekit.db import NAMING


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _register() -> None:
    import workflow_svc.definition.models
    import workflow_svc.dossier.models
    import workflow_svc.timer.models  # noqa: F401


_register()
