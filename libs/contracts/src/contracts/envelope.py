"""CloudEvents 1.0 JSON envelope and the registry of event payload classes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

_REGISTRY: dict[str, type[EventData]] = {}


class EventData(BaseModel):
    """Base of every event payload. Subclasses set ``event_type``: ``<service>.<aggregate>.<event>.v<N>``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_type: ClassVar[str]
    description: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        event_type = cls.__dict__.get("event_type")
        if event_type is None:
            return
        parts = event_type.split(".")
        if len(parts) != 4 or not parts[3].startswith("v") or not parts[3][1:].isdigit():
            raise ValueError(f"event type {event_type!r} must be <service>.<aggregate>.<event>.v<N>")
        if event_type in _REGISTRY and _REGISTRY[event_type] is not cls:
            raise ValueError(f"event type {event_type!r} is defined twice")
        _REGISTRY[event_type] = cls


def event_types() -> dict[str, type[EventData]]:
    return dict(sorted(_REGISTRY.items()))


def payload_class(event_type: str) -> type[EventData]:
    try:
        return _REGISTRY[event_type]
    except KeyError:
        raise KeyError(f"unknown event type {event_type!r}") from None


class CloudEvent(BaseModel):
    """A CloudEvents 1.0 structured-mode JSON event; ``type`` is also the NATS subject."""

    model_config = ConfigDict(extra="forbid")

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    source: str
    type: str
    subject: str | None = None
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    datacontenttype: Literal["application/json"] = "application/json"
    data: dict[str, Any]

    @classmethod
    def of(cls, payload: EventData, *, source: str, subject: str | None = None, id: str | None = None) -> CloudEvent:
        event = cls(source=source, type=payload.event_type, subject=subject, data=payload.model_dump(mode="json"))
        if id:
            event.id = id
        return event

    def payload(self) -> EventData:
        return payload_class(self.type).model_validate(self.data)
