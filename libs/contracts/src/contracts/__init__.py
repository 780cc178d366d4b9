"""Event contracts of the platform: the CloudEvents envelope, every event payload and its subject.

Depends on pydantic alone. Services import the payload classes from here; nothing else is shared.
"""

# Importing the modules registers their events.
from contracts import catalog as catalog
from contracts import gateway as gateway
from contracts import intake as intake
from contracts import interop as interop
from contracts import notify as notify
from contracts import workflow as workflow
from contracts.envelope import CloudEvent, EventData, event_types, payload_class
from contracts.streams import DLQ_STREAM, STREAMS, StreamSpec, dlq_subject, stream_for_subject

__all__ = [
    "DLQ_STREAM",
    "STREAMS",
    "CloudEvent",
    "EventData",
    "StreamSpec",
    "dlq_subject",
    "event_types",
    "payload_class",
    "stream_for_subject",
]
