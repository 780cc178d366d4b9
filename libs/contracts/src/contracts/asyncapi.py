"""Generates the AsyncAPI 3.0 document of every event from the payload models.

``python -m contracts.asyncapi`` prints it as JSON.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from contracts.envelope import CloudEvent, event_types
from contracts.streams import stream_for_subject


def build_document() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {"CloudEvent": CloudEvent.model_json_schema()}
    for event_type, cls in event_types().items():
        key = cls.__name__
        schema = cls.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in schema.pop("$defs", {}).items():
            schemas[name] = sub
        schemas[key] = schema
        messages[key] = {
            "name": event_type,
            "title": key,
            "summary": cls.description,
            "contentType": "application/cloudevents+json",
            "headers": {
                "type": "object",
                "properties": {
                    "Nats-Msg-Id": {"type": "string", "description": "the CloudEvent id"},
                    "traceparent": {"type": "string", "description": "W3C trace context"},
                },
            },
            "payload": {
                "allOf": [
                    {"$ref": "#/components/schemas/CloudEvent"},
                    {"properties": {"type": {"const": event_type}, "data": {"$ref": f"#/components/schemas/{key}"}}},
                ]
            },
        }
        channel_id = event_type.replace(".", "_")
        channels[channel_id] = {
            "address": event_type,
            "description": f"JetStream stream {stream_for_subject(event_type).name}",
            "messages": {key: {"$ref": f"#/components/messages/{key}"}},
        }
        operations[f"publish_{channel_id}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel_id}"},
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Đồng Nai online public-service platform: events",
            "version": "1.0.0",
            "description": "CloudEvents 1.0 JSON on NATS JetStream, published through each service's outbox.",
        },
        "defaultContentType": "application/cloudevents+json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def main() -> None:
    import contracts  # noqa: F401  (registers every event module)

    json.dump(build_document(), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
