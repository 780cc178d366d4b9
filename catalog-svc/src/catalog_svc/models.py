"""The declarative base of catalog-svc's own tables."""

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from servicekit.db import NAMING


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def load_all() -> None:
    """Imports every ORM module so the metadata is complete (migrations, tests)."""
    from catalog_svc.agency import models as _agency  # noqa: F401
    from catalog_svc.form import models as _form  # noqa: F401
    from catalog_svc.help import models as _help  # noqa: F401
    from catalog_svc.procedure import models as _procedure  # noqa: F401
    from catalog_svc.sector import models as _sector  # noqa: F401
    from catalog_svc.stats import models as _stats  # noqa: F401
