from __future__ import annotations

from fastapi import FastAPI

from interop_svc.settings import Settings
from servicekit.runtime import create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()  # type: ignore[call-arg]
    return create_service_app(settings=settings, title="interop-svc — Trao đổi XML")
