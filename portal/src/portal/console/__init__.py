"""The officer console at /can-bo/: one module per page group, each with its ``router`` (see ``common``).

Adding a page group is one line here (and its menu entry one line in ``common.MENU``)."""

from __future__ import annotations

from fastapi import APIRouter

from portal.console import account, admin, catalog, desk, dossier, faq, feedback, home, ops, processing, reports, search

ROUTERS: tuple[APIRouter, ...] = (
    home.door,
    home.router,
    account.setup,
    account.router,
    desk.router,
    dossier.router,
    processing.router,
    search.router,
    reports.router,
    catalog.router,
    faq.router,
    admin.router,
    feedback.router,
    ops.router,
)
