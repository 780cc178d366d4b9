"""Annotated dependency aliases of this service."""

from servicekit.auth import CurrentUser, OptionalUser
from servicekit.db import SessionDep

__all__ = ["CurrentUser", "OptionalUser", "SessionDep"]
