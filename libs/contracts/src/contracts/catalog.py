"""Events published by catalog-svc (procedures). Owned by catalog-svc."""

from __future__ import annotations

from contracts.envelope import EventData


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
