"""Annotated dependency aliases of this service (``async def``: a plain ``def`` dependency would cost a trip
through the thread pool on every request)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from intake_svc.catalog.client import CatalogClient
from intake_svc.file.storage import FileStorage
from intake_svc.payment.vnpay import Gateway
from intake_svc.settings import Settings
from intake_svc.workflow.client import WorkflowClient
from servicekit.auth import CurrentUser, OptionalUser
from servicekit.db import SessionDep
from vncalendar import WorkCalendar


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def get_storage(request: Request) -> FileStorage:
    return request.app.state.storage  # type: ignore[no-any-return]


async def get_catalog(request: Request) -> CatalogClient:
    return request.app.state.catalog  # type: ignore[no-any-return]


async def get_workflow(request: Request) -> WorkflowClient:
    return request.app.state.workflow  # type: ignore[no-any-return]


async def get_calendar(request: Request) -> WorkCalendar:
    return request.app.state.calendar  # type: ignore[no-any-return]


async def get_gateway(request: Request) -> Gateway | None:
    return request.app.state.gateway  # type: ignore[no-any-return]


async def get_now(request: Request) -> datetime:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


SettingsDep = Annotated[Settings, Depends(get_settings)]
StorageDep = Annotated[FileStorage, Depends(get_storage)]
CatalogDep = Annotated[CatalogClient, Depends(get_catalog)]
WorkflowDep = Annotated[WorkflowClient, Depends(get_workflow)]
CalendarDep = Annotated[WorkCalendar, Depends(get_calendar)]
NowDep = Annotated[datetime, Depends(get_now)]
GatewayDep = Annotated[Gateway | None, Depends(get_gateway)]

__all__ = ["CalendarDep", "CatalogDep", "CurrentUser", "GatewayDep", "NowDep", "OptionalUser", "SessionDep",
           "SettingsDep", "StorageDep", "WorkflowDep"]
