"""The published XSD set: validation of every message, and the files served at /interop/v1/schemas/."""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path

from lxml import etree

from .errors import RejectReason, XmlRejected

__all__ = [
    "NS",
    "SCHEMA_DIR",
    "SchemaNotFound",
    "schema_bytes",
    "schema_files",
    "validate",
]

NS = "urn:dvc:dongnai:interop:v1"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
ENTRY_SCHEMA = "envelope.xsd"
_MAX_DETAILS = 5


class SchemaNotFound(LookupError):
    """The name asked for is not one of the published schema files."""


@cache
def _schema_names() -> tuple[str, ...]:
    names = sorted(p.name for p in SCHEMA_DIR.iterdir() if p.is_file() and p.suffix == ".xsd")
    names.remove(ENTRY_SCHEMA)
    return (ENTRY_SCHEMA, *names)


def schema_files() -> list[str]:
    """Names of the published schema files, envelope.xsd first."""
    return list(_schema_names())


@cache
def _schema_contents() -> dict[str, bytes]:
    return {name: (SCHEMA_DIR / name).read_bytes() for name in _schema_names()}


def schema_bytes(name: str) -> bytes:
    """The bytes of one schema file; ``name`` with or without ".xsd". Only listed names are served,
    so no path the caller builds ("../x", absolute paths, other folders) ever reaches the file system."""
    key = name if name.endswith(".xsd") else f"{name}.xsd"
    try:
        return _schema_contents()[key]
    except KeyError:
        raise SchemaNotFound(name) from None


class _ThreadSchema(threading.local):
    schema: etree.XMLSchema | None = None


_local = _ThreadSchema()


def _load_schema() -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    # Parsed from the folder so the relative include/import locations resolve, and never from the network.
    document = etree.parse(str(SCHEMA_DIR / ENTRY_SCHEMA), parser)
    return etree.XMLSchema(document)


def _schema() -> etree.XMLSchema:
    # One compiled schema per thread: lxml keeps the last error log on the schema object, so sharing
    # one between threads could mix up two validations' errors.
    schema = _local.schema
    if schema is None:
        schema = _local.schema = _load_schema()
    return schema


def validate(element: etree._Element) -> None:
    """Validate an Envelope against envelope.xsd and check that the Body matches Header/MessageType.

    Raises XmlRejected with the first validator errors as "dòng N: message" lines.
    """
    schema = _schema()
    if not schema.validate(element):
        details = [f"dòng {error.line}: {error.message}" for error in list(schema.error_log)[:_MAX_DETAILS]]
        raise XmlRejected(
            RejectReason.SCHEMA_INVALID,
            "Thông điệp không hợp lệ theo lược đồ XSD của nền tảng (xem /interop/v1/schemas/).",
            details,
        )
    message_type = (element.findtext(f"{{{NS}}}Header/{{{NS}}}MessageType") or "").strip()
    body = element.find(f"{{{NS}}}Body")
    payload = next((child for child in body if isinstance(child.tag, str)), None) if body is not None else None
    if payload is None or etree.QName(payload).localname != message_type:
        raise XmlRejected(
            RejectReason.MESSAGE_TYPE_MISMATCH,
            "Loại thông điệp (Header/MessageType) không khớp với nội dung của Body.",
        )
