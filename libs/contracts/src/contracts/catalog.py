"""Events published by catalog-svc (procedures, agencies). Owned by catalog-svc."""

from __future__ import annotations

from contracts.envelope import EventData

PROCEDURES_PATH = "/api/v1/catalog/procedures"
EVENTS = "catalog.>"  # every change to a public read below is one of these events


def public_read(path: str) -> bool:
    """The catalog's public reads, the same answer for everyone and kept in memory by catalog-svc and the gateway
    until the next catalog event: the sectors, the procedure list and search, one procedure (its current or a
    pinned revision)."""
    if path == "/api/v1/catalog/sectors" or path == PROCEDURES_PATH:
        return True
    return path.startswith(PROCEDURES_PATH + "/") and "/" not in path[len(PROCEDURES_PATH) + 1:]


class ProcedurePublished(EventData):
    event_type = "catalog.procedure.published.v1"
    description = "A procedure was published in the catalog (first revision)."
    code: str
    name: str
    level: int
    agency_code: str
    sector_code: str
    revision: int


class ProcedureRevised(EventData):
    event_type = "catalog.procedure.revised.v1"
    description = "A procedure changed: a new revision with field-level changes."
    code: str
    name: str
    level: int
    agency_code: str
    sector_code: str
    revision: int
    changed_fields: list[str]


class AgencyUpdated(EventData):
    event_type = "catalog.agency.updated.v1"
    description = "An administrator changed an agency's name, parent or contact details (address, phone, email)."
    code: str
    name: str
    parent_code: str | None
    changed_fields: list[str]
