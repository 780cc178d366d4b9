"""Events published by interop-svc (XML exchange with one-stop software). Owned by interop-svc."""

from __future__ import annotations

from datetime import datetime

from contracts.envelope import EventData
from contracts.vocabulary import NationalStatus, ResultDocumentRef


class SystemRegistered(EventData):
    event_type = "interop.system.registered.v1"
    description = "An admin registered a one-stop system; the gateway stores its client credentials."
    system_code: str
    name: str
    agency_code: str
    client_id: str
    secret_hash: str  # argon2 hash: the secret itself is shown once, never sent on the bus


class SystemRevoked(EventData):
    event_type = "interop.system.revoked.v1"
    description = "A one-stop system was revoked; its client credentials stop working."
    system_code: str
    client_id: str


class StatusReported(EventData):
    event_type = "interop.status.reported.v1"
    description = "A one-stop system reported a dossier's status in a signed StatusUpdate."
    message_id: str
    dossier_code: str
    agency_code: str
    national_status: NationalStatus
    at: datetime
    officer: str | None = None
    department: str | None = None
    note: str | None = None
    new_due_at: datetime | None = None
    result_documents: list[ResultDocumentRef] = []


class CounterDossierReceived(EventData):
    event_type = "interop.counter_dossier.received.v1"
    description = "A dossier received at an agency's counter, reported by its one-stop system (statistics)."
    message_id: str
    dossier_code: str
    procedure_code: str
    agency_code: str
    applicant_name: str
    received_at: datetime
    due_at: datetime | None = None
    national_status: NationalStatus
