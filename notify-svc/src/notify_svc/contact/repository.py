from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notify_svc.contact.models import DossierContact, DossierTask

CONTACT = ("user_id", "email", "phone", "name", "agency_code", "procedure_name", "return_method", "received_at",
           "due_at", "level", "fees_due", "fees_paid", "paid_at", "payment_method")
# one statement whatever the event knows (plain SQL: a PostgreSQL ``on_conflict`` insert built by SQLAlchemy is
# compiled anew on every call); a field the event does not carry (NULL) keeps its value
UPSERT_CONTACT = text(
    f"INSERT INTO dossier_contacts (code, updated_at, {', '.join(CONTACT)}) "
    f"VALUES (:code, :updated_at, {', '.join(':' + c for c in CONTACT)}) "
    "ON CONFLICT (code) DO UPDATE SET updated_at = now(), "
    + ", ".join(f"{c} = COALESCE(EXCLUDED.{c}, dossier_contacts.{c})" for c in CONTACT)
    + " RETURNING code, " + ", ".join(CONTACT)
)


class ContactRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert_contact(self, code: str, **values: Any) -> Row[Any]:
        """Keeps what is known: a later event without a field does not erase it. Returns the contact as it now is
        (the fields of :class:`DossierContact`)."""
        unknown = set(values) - set(CONTACT)
        if unknown:
            raise TypeError(f"not a contact field: {sorted(unknown)}")
        return (await self.session.execute(UPSERT_CONTACT, {"code": code, "updated_at": datetime.now(UTC),
                                                            **{c: values.get(c) for c in CONTACT}})).one()

    async def contact(self, code: str) -> DossierContact | None:
        return await self.session.get(DossierContact, code)

    async def upsert_task(self, code: str, *, role: str, agency_code: str, assignee_id: str | None,
                          step: str | None, at: datetime) -> None:
        """The latest assignment wins; an older event arriving late does not overwrite a newer one."""
        values = {"role": role, "agency_code": agency_code, "assignee_id": assignee_id, "step": step, "at": at}
        stmt = insert(DossierTask).values(code=code, **values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[DossierTask.code], set_={k: getattr(stmt.excluded, k) for k in values},
            where=DossierTask.at <= stmt.excluded.at,
        )
        await self.session.execute(stmt)

    async def task(self, code: str) -> DossierTask | None:
        return (await self.session.scalars(select(DossierTask).where(DossierTask.code == code))).one_or_none()
