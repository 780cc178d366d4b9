"""Message templates are files (``templates/<event type>.<channel>.<lang>.txt``), editable without code:
the first line is the subject, then a blank line, then the body, with ``{field}`` placeholders filled
from the event's data. Vietnamese first, English as the fallback."""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

CHANNELS = ("email", "sms", "inbox")
DEFAULT_DIR = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True)
class Rendered:
    template: str
    subject: str
    body: str


class _Missing(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


@lru_cache(maxsize=512)
def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def render(event_type: str, channel: str, data: dict[str, Any], *, directory: Path = DEFAULT_DIR,
           languages: tuple[str, ...] = ("vi", "en")) -> Rendered | None:
    for lang in languages:
        name = f"{event_type}.{channel}.{lang}.txt"
        text = _read(directory / name)
        if text is None:
            continue
        subject, _, body = text.partition("\n\n")
        values = _Missing({k: ("" if v is None else v) for k, v in data.items()})
        formatter = string.Formatter()
        return Rendered(name, formatter.vformat(subject.strip(), (), values),
                        formatter.vformat(body.strip(), (), values))
    return None
