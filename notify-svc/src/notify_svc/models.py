"""The declarative base of notify-svc's own tables."""

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from servicekit.db import NAMING


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def load_all() -> None:
    """Imports every ORM module so the metadata is complete (migrations, tests)."""
    import notify_svc.contact.models
    import notify_svc.delivery.models
    import notify_svc.notification.models  # noqa: F401
