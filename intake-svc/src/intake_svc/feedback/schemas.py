from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from servicekit.pagination import Page
from servicekit.timefmt import VNDateTime

About = Literal["dossier", "procedure", "agency"]
ABOUT_VI = {"dossier": "Hồ sơ", "procedure": "Thủ tục hành chính", "agency": "Cơ quan"}
STATUS_VI = {"open": "Đang xử lý", "answered": "Đã trả lời"}


class FeedbackCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    about: About = Field(description="what it is about: a dossier (code), a procedure (code) or an agency (code)")
    ref: str = Field(min_length=1, max_length=100)
    title: str = Field(min_length=5, max_length=200)
    body: str = Field(min_length=10, max_length=5000)


class FeedbackAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=10, max_length=5000)
    public: bool = Field(default=False, description="publish the question and the answer, without personal data")


class FeedbackRead(BaseModel):
    id: uuid.UUID
    about: About
    ref: str
    subject_name: str | None
    agency_code: str
    agency_name: str | None
    title: str
    body: str
    status: Literal["open", "answered"]
    status_label: str
    received_at: VNDateTime
    due_at: VNDateTime
    overdue: bool
    answer: str | None
    answered_at: VNDateTime | None
    answered_by_name: str | None
    public: bool
    author_name: str | None = Field(default=None, description="officers of the agency only")


class FeedbackPage(Page[FeedbackRead]):
    """Feedback: a citizen's own, or an agency's for its officers."""


class PublicFeedback(BaseModel):
    """An answered feedback the agency published: the question and the answer, no personal data (nor the dossier
    code it may be about)."""

    id: uuid.UUID
    about: About
    subject_name: str | None
    agency_code: str
    agency_name: str | None
    title: str
    body: str
    received_at: VNDateTime
    answer: str
    answered_at: VNDateTime


class PublicFeedbackPage(Page[PublicFeedback]):
    """Published answers, newest first."""
