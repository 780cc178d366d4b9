"""JetStream streams: one per publishing service, plus the dead-letter stream."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StreamSpec:
    name: str
    subjects: tuple[str, ...]


STREAMS: tuple[StreamSpec, ...] = (
    StreamSpec("GATEWAY", ("gateway.>",)),
    StreamSpec("CATALOG", ("catalog.>",)),
    StreamSpec("INTAKE", ("intake.>",)),
    StreamSpec("WORKFLOW", ("workflow.>",)),
    StreamSpec("NOTIFY", ("notify.>",)),
    StreamSpec("INTEROP", ("interop.>",)),
)
DLQ_STREAM = StreamSpec("DLQ", ("dlq.>",))


def stream_for_subject(subject: str) -> StreamSpec:
    prefix = subject.split(".", 1)[0]
    for spec in STREAMS:
        if spec.subjects[0] == f"{prefix}.>":
            return spec
    raise KeyError(f"no stream captures {subject!r}")


def dlq_subject(consumer: str, event_type: str) -> str:
    """Where a consumer parks an event it gave up on: ``dlq.<consumer>.<event type>``."""
    return f"dlq.{consumer}.{event_type}"
