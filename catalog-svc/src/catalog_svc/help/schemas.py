from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field, model_validator

from servicekit.timefmt import VNDateTime


class FaqWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=5, max_length=500)
    answer: str = Field(min_length=5, max_length=10_000)
    topic: str | None = Field(default=None, max_length=120)
    position: int = Field(default=0, ge=0, le=10_000)


class FaqRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    question: str
    answer: str
    topic: str | None
    position: int
    updated_at: VNDateTime


class AnnouncementWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=5, max_length=300)
    body: str = Field(min_length=5, max_length=5000)
    shown_from: VNDateTime | None = Field(default=None, description="now when omitted")
    shown_until: VNDateTime | None = None

    @model_validator(mode="after")
    def _period(self) -> AnnouncementWrite:
        if self.shown_from and self.shown_until and self.shown_until <= self.shown_from:
            raise ValueError("shown_until phải sau shown_from.")
        return self


class AnnouncementRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str
    body: str
    shown_from: VNDateTime
    shown_until: VNDateTime | None
