"""The one shape of a paginated list in every service's API: ``{items, total, page, size}``.

``page`` counts from 1; ``size`` is the page size asked for; ``total`` counts every match, not just this
page's. A service may name a concrete page for its OpenAPI schema (``class TaskPage(Page[TaskRead]): ...``).
"""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    size: int
