from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

import contracts
from contracts import CloudEvent, stream_for_subject
from contracts.asyncapi import build_document
from contracts.intake import DossierSubmitted

ROOT = Path(__file__).resolve().parents[3]


def test_every_event_type_is_well_formed_and_has_a_stream() -> None:
    types = contracts.event_types()
    assert "gateway.user.registered.v1" in types and "intake.dossier.accepted.v1" in types
    for event_type, cls in types.items():
        service = event_type.split(".")[0]
        assert stream_for_subject(event_type).name == service.upper()
        assert cls.description, f"{event_type} needs a description for the AsyncAPI document"


def test_asyncapi_document_is_generated_from_the_models_and_committed() -> None:
    doc = build_document()
    assert set(doc["channels"]) == {t.replace(".", "_") for t in contracts.event_types()}
    committed = json.loads((ROOT / "docs" / "asyncapi.json").read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(doc)), "docs/asyncapi.json is stale: run `make asyncapi`"


def test_cloudevent_round_trip_and_validation() -> None:
    payload = DossierSubmitted(
        code="000.00.15.H19-261130-0001",
        procedure_code="1.000894.000.00.15.H19",
        agency_code="000.00.15.H19",
        status="submitted",
        national_status=1,
        at="2026-11-30T09:00:00+07:00",
        procedure_name="Đăng ký kết hôn",
        procedure_revision=1,
        level=3,
    )
    event = CloudEvent.of(payload, source="/intake", subject=payload.code)
    again = CloudEvent.model_validate_json(event.model_dump_json())
    assert again.payload() == payload and again.specversion == "1.0" and again.type == "intake.dossier.submitted.v1"
    with pytest.raises(ValidationError):
        DossierSubmitted.model_validate({**payload.model_dump(), "unexpected": 1})
