from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from servicekit.timefmt import VNDateTime

Format = Literal["json", "csv", "ods", "pdf"]


class ProcedureStats(BaseModel):
    """The public figures of one level-3+ procedure (R-CAT-6), all time; ``last_30_days``: dossiers submitted."""

    submitted: int
    in_progress: int
    completed: int
    on_time: int
    late: int
    last_30_days: int


class ReportJobCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: str = Field(max_length=7, description="2026-11, 2026-Q4 or 2026")
    agency: str | None = Field(default=None, max_length=13)
    format: Format = "ods"


class ReportJobRead(BaseModel):
    id: str
    kind: str
    state: Literal["queued", "running", "done", "failed"]
    progress: int
    params: dict[str, str | None]
    file_url: str | None = None
    file_name: str | None = None
    size: int | None = None
    error: str | None = None
    created_at: VNDateTime
    finished_at: VNDateTime | None = None
