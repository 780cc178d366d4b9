"""The filing wizard's draft: what the person typed, per user and procedure, kept until they submit.

Values are kept flat under the form's own field names (``applicant.phone``, ``form_data.<key>``,
``agency_code``, ``return_method``), uploaded files under ``documents`` and the API's last complaints under
``errors``, so every step page restores exactly what was typed and shows each error beside its field."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from portal.draft.repository import DraftRepository

MAX_VALUES = 300


class DraftService:
    def __init__(self, session: AsyncSession) -> None:
        self.repo = DraftRepository(session)

    async def load(self, user_id: str, procedure_code: str) -> dict[str, Any]:
        data = await self.repo.get(user_id, procedure_code) or {}
        data.setdefault("values", {})
        data.setdefault("documents", {})
        data.setdefault("errors", {})
        return data

    async def save_values(self, user_id: str, procedure_code: str, values: dict[str, str],
                          *, prefixes: tuple[str, ...]) -> dict[str, Any]:
        """Replaces the values of one step (the names starting with ``prefixes``); the other steps' stay.
        The errors of the fields just typed are cleared: they are judged again on submit."""
        data = await self.load(user_id, procedure_code)
        kept = {k: v for k, v in data["values"].items() if not k.startswith(prefixes)}
        kept.update({k: v for k, v in values.items() if k.startswith(prefixes)})
        data["values"] = dict(list(kept.items())[:MAX_VALUES])
        data["errors"] = {k: v for k, v in data["errors"].items() if not k.startswith(prefixes)}
        await self.repo.put(user_id, procedure_code, data)
        return data

    async def save(self, user_id: str, procedure_code: str, data: dict[str, Any]) -> None:
        await self.repo.put(user_id, procedure_code, data)

    async def discard(self, user_id: str, procedure_code: str) -> None:
        await self.repo.delete(user_id, procedure_code)
