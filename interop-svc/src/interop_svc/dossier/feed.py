"""Change-log rows to the XML a one-stop system pulls (values the schema would refuse are left out)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import quote

from contracts.vocabulary import (
    NATIONAL_CHANNEL,
    NATIONAL_STATUS_VI,
    Channel,
    NationalChannel,
    NationalStatus,
    national_status,
)
from interop_svc.dossier.models import DossierChange
from interop_svc.xml import Applicant, DocumentRef, Dossier, HistoryEntry, flatten_form_data

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
_MEDIA = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+\-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+\-]{0,126}")
_FILE_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z._\-]{0,127}")
_MAX_FIELD_KEY, _MAX_FIELD_VALUE = 200, 20000
_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

_PHONE = re.compile(r"[0-9+() .\-]{3,32}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z._:/\-]{0,99}")
_UNKNOWN = "(chưa có thông tin)"


def _national_channel(value: Any) -> NationalChannel | None:
    try:
        return NATIONAL_CHANNEL[Channel(value)]
    except ValueError:
        return None


def _status_name(code: int) -> str | None:
    status = national_status(code)
    return NATIONAL_STATUS_VI[status] if status is not None else None


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _name(value: Any) -> str:
    text = " ".join(str(value or "").split())[:1000]
    return text or _UNKNOWN


def _opt_name(value: Any) -> str | None:
    text = " ".join(str(value or "").split())[:1000]
    return text or None


def _match(pattern: re.Pattern[str], value: Any) -> str | None:
    text = " ".join(str(value or "").split())
    return text if text and pattern.fullmatch(text) and len(text) <= 254 else None


def download_url(public_url: str, file_id: str) -> str:
    """The public gateway's file download (intake serves it; the system reads it with its own token)."""
    return f"{public_url.rstrip('/')}/api/v1/files/{quote(file_id, safe='')}"


def documents_of(documents: Any, public_url: str) -> tuple[DocumentRef, ...]:
    """intake's document descriptions as DocumentRefs; an entry the schema would refuse is left out."""
    refs: list[DocumentRef] = []
    for d in documents if isinstance(documents, list) else []:
        if not isinstance(d, dict):
            continue
        file_id, sha256, size = str(d.get("file_id") or ""), str(d.get("sha256") or ""), d.get("size")
        if not _FILE_ID.fullmatch(file_id) or not _SHA256.fullmatch(sha256):
            continue
        try:
            size_value = int(size) if size is not None else -1
        except (TypeError, ValueError):
            size_value = -1
        if size_value < 0:
            continue
        media = str(d.get("media_type") or "").strip()
        refs.append(DocumentRef(
            name=_name(d.get("name") or file_id),
            sha256=sha256.lower(),
            size=size_value,
            media_type=media if _MEDIA.fullmatch(media) else "application/octet-stream",
            download_url=download_url(public_url, file_id),
            requirement_code=_match(_CODE, d.get("requirement_code")),
        ))
    return tuple(refs)


def form_pairs_of(form_data: Any) -> tuple[tuple[str, str], ...]:
    """The e-form as flat FormData pairs (dotted keys); keys the schema would refuse are left out."""
    if not isinstance(form_data, dict) or not form_data:
        return ()
    pairs: list[tuple[str, str]] = []
    for key, value in flatten_form_data(form_data):
        clean_key = " ".join(_NOT_XML_CHAR.sub("", key).split())
        if not clean_key or len(clean_key) > _MAX_FIELD_KEY:
            continue
        pairs.append((clean_key, value[:_MAX_FIELD_VALUE]))
    return tuple(pairs)


def dossier_of(change: DossierChange, public_url: str = DEFAULT_PUBLIC_URL) -> Dossier:
    s = change.snapshot
    national = int(s.get("national_status") or NationalStatus.RECEIVED)
    return Dossier(
        code=s["code"],
        procedure_code=s["procedure_code"],
        procedure_name=_name(s.get("procedure_name") or s["procedure_code"]),
        agency_code=s["agency_code"],
        channel=_national_channel(s.get("channel")),
        applicant=Applicant(
            name=_name(s.get("applicant_name")),
            phone=_match(_PHONE, s.get("applicant_phone")),
            email=_match(_EMAIL, s.get("applicant_email")),
        ),
        form_data=form_pairs_of(s.get("form_data")),
        documents=documents_of(s.get("documents"), public_url),
        submitted_at=_when(s.get("submitted_at")),
        received_at=_when(s.get("received_at")),
        due_at=_when(s.get("due_at")),
        completed_at=_when(s.get("completed_at")),
        returned_at=_when(s.get("returned_at")),
        status_code=national,
        local_status=_match(_CODE, s.get("status")),
        status_name=_status_name(national),
        history=tuple(
            HistoryEntry(
                at=datetime.fromisoformat(h["at"]),
                status_code=int(h.get("status_code") or national),
                local_status=_match(_CODE, h.get("local_status")),
                action=_opt_name(h.get("action")),
                officer=_opt_name(h.get("officer")),
                department=_opt_name(h.get("department")),
                note=(str(h["note"])[:4000] if h.get("note") else None),
            )
            for h in s.get("history", [])
        ),
        change_seq=change.seq,
    )
