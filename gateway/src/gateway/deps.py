"""Annotated dependency aliases of this service."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from gateway.identity.tokens import TokenIssuer
from gateway.settings import Settings
from servicekit.auth import CurrentUser, OptionalUser, Principal, SetupUser, require_roles
from servicekit.db import SessionDep


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def get_issuer(request: Request) -> TokenIssuer:
    return request.app.state.issuer  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_settings)]
IssuerDep = Annotated[TokenIssuer, Depends(get_issuer)]
AdminUser = Annotated[Principal, require_roles("admin")]

__all__ = ["AdminUser", "CurrentUser", "IssuerDep", "OptionalUser", "SessionDep", "SettingsDep", "SetupUser"]
