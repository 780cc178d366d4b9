"""Event factories for tests: a payload as the CloudEvent its publisher sends, and that event on JetStream.

``event(payload)`` builds the envelope the publishing service's outbox would write (its source, the dossier
code as subject); ``wire(event)`` is that event as a consumer decodes it from the bytes on the bus;
``publish(nats_url, *events)`` puts events on their subjects the way the outbox relay does (``Nats-Msg-Id`` =
the event id, streams ensured), for tests that exercise the real consumers.
"""

from __future__ import annotations

from contracts import CloudEvent, EventData


def source_of(payload: EventData) -> str:
    """The CloudEvents ``source`` of the service that publishes this payload (``/intake-svc``, ``/gateway``)."""
    service = payload.event_type.split(".", 1)[0]
    return "/gateway" if service == "gateway" else f"/{service}-svc"


def event(payload: EventData, *, source: str | None = None, subject: str | None = None,
          id: str | None = None) -> CloudEvent:
    subject = subject or getattr(payload, "code", None) or getattr(payload, "dossier_code", None)
    return CloudEvent.of(payload, source=source or source_of(payload), subject=subject, id=id)


def wire(evt: CloudEvent) -> CloudEvent:
    """The event as a consumer receives it: serialized and decoded again, payload typed by its event type."""
    return CloudEvent.model_validate_json(evt.model_dump_json())


async def publish(nats_url: str, *events: CloudEvent, msg_id: str | None = None) -> None:
    import nats

    from servicekit.bus import ensure_streams

    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        await ensure_streams(js)
        for evt in events:
            await js.publish(evt.type, evt.model_dump_json().encode(), headers={"Nats-Msg-Id": msg_id or evt.id})
    finally:
        await nc.close()
