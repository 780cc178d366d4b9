"""Change-log rows to the XML a one-stop system pulls (values the schema would refuse are left out)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from interop_svc.dossier.models import DossierChange
from interop_svc.xml import Applicant, Channel, Dossier, HistoryEntry

_CHANNELS = {"counter": Channel.COUNTER, "online": Channel.ONLINE, "postal": Channel.POST}
_PHONE = re.compile(r"[0-9+() .\-]{3,32}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z._:/\-]{0,99}")
_UNKNOWN = "(chưa có thông tin)"
STATUS_NAMES = {
    1: "Mới nộp trực tuyến, chưa tiếp nhận", 2: "Đã tiếp nhận", 3: "Không tiếp nhận", 4: "Đang xử lý",
    5: "Yêu cầu bổ sung", 6: "Yêu cầu thanh toán", 7: "Công dân rút hồ sơ", 8: "Dừng xử lý",
    9: "Đã xử lý xong", 10: "Đã trả kết quả",
}


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


def dossier_of(change: DossierChange) -> Dossier:
    s = change.snapshot
    national = int(s.get("national_status") or 2)
    return Dossier(
        code=s["code"],
        procedure_code=s["procedure_code"],
        procedure_name=_name(s.get("procedure_name") or s["procedure_code"]),
        agency_code=s["agency_code"],
        channel=_CHANNELS.get(s.get("channel") or ""),
        applicant=Applicant(
            name=_name(s.get("applicant_name")),
            phone=_match(_PHONE, s.get("applicant_phone")),
            email=_match(_EMAIL, s.get("applicant_email")),
        ),
        submitted_at=_when(s.get("submitted_at")),
        received_at=_when(s.get("received_at")),
        due_at=_when(s.get("due_at")),
        completed_at=_when(s.get("completed_at")),
        returned_at=_when(s.get("returned_at")),
        status_code=national,
        local_status=_match(_CODE, s.get("status")),
        status_name=STATUS_NAMES.get(national),
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
