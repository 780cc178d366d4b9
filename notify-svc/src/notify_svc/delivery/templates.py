"""Message templates are files, editable without code: ``<event type>.<channel>.<lang>.txt`` under
``NOTIFY_TEMPLATES_DIR`` (searched first) or the built-in ``templates/`` folder. Jinja2 syntax; the first
line is the subject (the title of an inbox entry), then a blank line, then the body. Vietnamese first,
English as the fallback. Dates go through ``| vn_datetime`` (dd/mm/yyyy HH:MM, Asia/Ho_Chi_Minh)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import ChoiceLoader, FileSystemLoader, TemplateNotFound, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from contracts.vocabulary import VN_TZ_NAME

CHANNELS = ("email", "sms", "inbox")
DEFAULT_DIR = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True)
class Rendered:
    template: str
    subject: str
    body: str


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def money(value: Any) -> str:
    """``1500000`` → ``1.500.000 đồng`` (whole VND, dots between thousands)."""
    try:
        amount = int(value)
    except (TypeError, ValueError):
        return str(value or "")
    return f"{amount:,}".replace(",", ".") + " đồng"


class Templates:
    def __init__(self, *, directory: str | Path | None = None, languages: tuple[str, ...] = ("vi", "en"),
                 timezone: str = VN_TZ_NAME) -> None:
        dirs = [Path(directory)] if directory else []
        loaders = [FileSystemLoader(str(d), encoding="utf-8") for d in [*dirs, DEFAULT_DIR]]
        # sandboxed: templates are edited by operators, not reviewed like code; plain text, no autoescape
        self.env = SandboxedEnvironment(
            loader=ChoiceLoader(loaders), autoescape=select_autoescape([], default=False),
            keep_trailing_newline=False, trim_blocks=True, lstrip_blocks=True, auto_reload=True,
        )
        self.tz = ZoneInfo(timezone)
        self.languages = languages
        self.env.filters.update(vn_datetime=self.vn_datetime, vn_date=self.vn_date, money=money)

    def vn_datetime(self, value: Any) -> str:
        dt = _as_datetime(value)
        if dt is None:
            return str(value or "")
        if dt.tzinfo is not None:
            dt = dt.astimezone(self.tz)
        return dt.strftime("%d/%m/%Y %H:%M")

    def vn_date(self, value: Any) -> str:
        dt = _as_datetime(value)
        if dt is None:
            return str(value or "")
        if dt.tzinfo is not None:
            dt = dt.astimezone(self.tz)
        return dt.strftime("%d/%m/%Y")

    def render(self, event_type: str, channel: str, data: dict[str, Any]) -> Rendered | None:
        """The first language with a template wins; None when no language has one (channel not used)."""
        for lang in self.languages:
            name = f"{event_type}.{channel}.{lang}.txt"
            try:
                template = self.env.get_template(name)
            except TemplateNotFound:
                continue
            text = template.render(**data).strip()
            subject, _, body = text.partition("\n")
            return Rendered(name, " ".join(subject.split()), body.strip())
        return None
