from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from servicekit.timefmt import VNDateTime

Level = Annotated[int, Field(ge=1, le=5, description="1 rất không hài lòng … 5 rất hài lòng")]


class RatingCreate(BaseModel):
    """The national portal's criteria: overall satisfaction, then timeliness, the officers' conduct and how clear
    the guidance was; each on the same 5-level scale."""

    model_config = ConfigDict(extra="forbid")

    overall: Level
    timeliness: Level | None = None
    conduct: Level | None = None
    guidance: Level | None = None
    comment: str | None = Field(default=None, max_length=2000)


class RatingRead(BaseModel):
    code: str
    overall: int
    timeliness: int | None
    conduct: int | None
    guidance: int | None
    comment: str | None
    rated_at: VNDateTime
