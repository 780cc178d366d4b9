"""Reading posted forms: text values trimmed, files apart."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import Request
from starlette.datastructures import UploadFile


async def form_values(request: Request, names: Iterable[str] | None = None) -> dict[str, str]:
    form = await request.form(max_part_size=1024 * 1024)
    wanted = set(names) if names is not None else None
    out: dict[str, str] = {}
    for key, value in form.multi_items():
        if isinstance(value, UploadFile) or key == "csrf_token":
            continue
        if wanted is not None and key not in wanted:
            continue
        out[key] = value.strip()[:5000]
    return out


async def form_files(request: Request) -> dict[str, UploadFile]:
    form = await request.form(max_part_size=1024 * 1024)
    return {k: v for k, v in form.multi_items() if isinstance(v, UploadFile) and v.filename}
