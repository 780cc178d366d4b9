"""The rules of the catalog: create (revision 1), replace (a new revision with the field-level difference),
read any revision. Events go through the outbox in the caller's transaction; nothing here commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from catalog_svc.agency.repository import AgencyRepository
from catalog_svc.errors import Conflict, Invalid, NotFound
from catalog_svc.procedure.models import Procedure, ProcedureRevision
from catalog_svc.procedure.repository import ProcedureRepository, SummaryRow
from catalog_svc.procedure.schemas import CONTENT_FIELDS, ProcedureContent, ProcedureCreate, ProcedureUpdate
from catalog_svc.sector.repository import SectorRepository
from contracts.catalog import ProcedurePublished, ProcedureRevised
from formschema import FormSchema
from servicekit.auth import Principal
from servicekit.outbox import add_event

SOURCE = "/catalog-svc"


@dataclass(frozen=True)
class Actor:
    id: str
    username: str
    full_name: str = ""

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        return cls(principal.id, principal.username or principal.id, principal.full_name)


SYSTEM = Actor("system", "system", "Hệ thống")
FORMS_MIN_LEVEL = 2  # R-CAT-2: downloadable form templates start at level 2


def diff(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """Field-level difference between two bodies, in the order of the contract's fields."""
    return [{"field": f, "old": old.get(f), "new": new.get(f)} for f in CONTENT_FIELDS if old.get(f) != new.get(f)]


@dataclass
class ProcedureView:
    """A procedure at one revision: the stored body plus what the read needs around it."""

    body: dict[str, Any]
    revision: int
    updated_at: datetime
    latest_revision: int
    sector_name: str | None
    agency_name: str | None

    def as_dict(self) -> dict[str, Any]:
        return {**self.body, "revision": self.revision, "updated_at": self.updated_at,
                "latest_revision": self.latest_revision, "sector_name": self.sector_name,
                "agency_name": self.agency_name}


class ProcedureService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repo = ProcedureRepository(session)
        # sectors and agencies seen to exist in this transaction (a bulk import asks once per code)
        self._sectors: set[str] = set()
        self._agencies: set[str] = set()

    async def _check_references(self, data: ProcedureContent) -> None:
        """Every unknown reference is reported at once (sector, agency and inter-agency partners)."""
        errors: list[dict[str, Any]] = []
        if data.sector_code not in self._sectors:
            if await SectorRepository(self.session).get(data.sector_code) is None:
                errors.append({"loc": ["body", "sector_code"], "msg": f"Không có lĩnh vực mã {data.sector_code}."})
            else:
                self._sectors.add(data.sector_code)
        wanted = {data.agency_code, *data.interagency, *(data.agencies or ())} - self._agencies
        self._agencies |= await AgencyRepository(self.session).existing(wanted)
        if data.agency_code not in self._agencies:
            errors.append({"loc": ["body", "agency_code"], "msg": f"Không có cơ quan mã {data.agency_code}."})
        missing = sorted(set(data.interagency) - self._agencies)
        if missing:
            errors.append({"loc": ["body", "interagency"],
                           "msg": f"Không có cơ quan liên thông mã {', '.join(missing)}."})
        unknown = sorted(set(data.agencies or ()) - self._agencies - {data.agency_code})
        if unknown:
            errors.append({"loc": ["body", "agencies"],
                           "msg": f"Không có cơ quan thực hiện mã {', '.join(unknown)}."})
        elif data.agencies and data.agency_code not in data.agencies:
            errors.append({"loc": ["body", "agencies"],
                           "msg": f"Danh sách cơ quan thực hiện phải gồm cơ quan chủ trì {data.agency_code}."})
        if errors:
            raise Invalid("; ".join(e["msg"].rstrip(".") for e in errors) + ".", errors=errors)

    @staticmethod
    def _body(code: str, data: ProcedureContent, forms: list[dict[str, Any]]) -> dict[str, Any]:
        content = data.model_dump(mode="json", include=set(CONTENT_FIELDS))
        content["forms"] = forms
        return {"code": code, **{f: content.get(f) for f in CONTENT_FIELDS}}

    async def create(
        self, data: ProcedureCreate, actor: Actor, *, forms: list[dict[str, Any]] | None = None,
        event_id: str | None = None,
    ) -> Procedure:
        if await self.repo.exists(data.code):
            raise Conflict(f"Thủ tục mã {data.code} đã có trong danh mục.")
        await self._check_references(data)
        body = self._body(data.code, data, forms or [])
        now = datetime.now(UTC)
        procedure = Procedure(code=data.code, name=body["name"], sector_code=data.sector_code,
                              agency_code=data.agency_code, level=data.level, online_class=body["online_class"],
                              revision=1, body=body, created_at=now, updated_at=now)
        changes = [{"field": f, "old": None, "new": body[f]} for f in CONTENT_FIELDS if body[f] not in (None, [], "")]
        self.repo.add(procedure, self._revision(procedure, changes, actor, now, "Công bố thủ tục"))
        await self.session.flush()
        add_event(self.session, ProcedurePublished(
            code=procedure.code, name=procedure.name, level=procedure.level, agency_code=procedure.agency_code,
            sector_code=procedure.sector_code, revision=1), source=SOURCE, subject=procedure.code, event_id=event_id)
        return procedure

    @staticmethod
    def _revision(procedure: Procedure, changes: list[dict[str, Any]], actor: Actor, at: datetime,
                  note: str | None) -> ProcedureRevision:
        return ProcedureRevision(procedure_code=procedure.code, revision=procedure.revision, body=procedure.body,
                                 changes=changes, changed_at=at, changed_by=actor.username[:100],
                                 changed_by_id=actor.id[:64], changed_by_name=actor.full_name[:200], note=note)

    async def replace(
        self, code: str, data: ProcedureUpdate, actor: Actor, *, expected_revision: int | None = None,
    ) -> tuple[Procedure, list[dict[str, Any]]]:
        """Replaces the content; returns the procedure and the changes (none: no new revision)."""
        if data.code is not None and data.code != code:
            raise Invalid.field(("body", "code"), "Không được đổi mã thủ tục; mã trong nội dung phải trùng đường dẫn.")
        procedure = await self.repo.get(code, for_update=True)
        if procedure is None:
            raise NotFound(f"Không có thủ tục mã {code}.")
        if expected_revision is not None and expected_revision != procedure.revision:
            raise Conflict(f"Thủ tục đã được sửa (phiên bản hiện tại {procedure.revision}, bạn sửa từ phiên bản "
                           f"{expected_revision}); hãy tải lại rồi sửa tiếp.", slug="revision-conflict")
        await self._check_references(data)
        forms = list(procedure.body.get("forms") or [])
        if data.forms == [] and procedure.level < FORMS_MIN_LEVEL:
            data.forms = None  # a read of a level-1 procedure lists no forms: PUT back keeps them attached
        if data.forms is not None:
            known = {f["id"] for f in forms}
            unknown = [i for i in data.forms if i not in known]
            if unknown:
                raise Invalid.field(("body", "forms"), f"Mẫu đơn không thuộc thủ tục này: {', '.join(unknown)}.")
            forms = [f for f in forms if f["id"] in set(data.forms)]
        body = self._body(code, data, forms)
        return procedure, await self._commit_body(procedure, body, actor, data.note)

    async def _commit_body(self, procedure: Procedure, body: dict[str, Any], actor: Actor,
                           note: str | None) -> list[dict[str, Any]]:
        changes = diff(procedure.body, body)
        if not changes:
            return []
        now = datetime.now(UTC)
        procedure.body = body
        procedure.name = body["name"]
        procedure.sector_code = body["sector_code"]
        procedure.agency_code = body["agency_code"]
        procedure.level = body["level"]
        procedure.online_class = body["online_class"]
        procedure.revision += 1
        procedure.updated_at = now
        self.repo.add_revision(self._revision(procedure, changes, actor, now, note))
        await self.session.flush()
        add_event(self.session, ProcedureRevised(
            code=procedure.code, name=procedure.name, level=procedure.level, agency_code=procedure.agency_code,
            sector_code=procedure.sector_code, revision=procedure.revision,
            changed_fields=[c["field"] for c in changes]), source=SOURCE, subject=procedure.code)
        return changes

    async def add_form(self, code: str, form: dict[str, Any], actor: Actor) -> Procedure:
        """Attaching a template is a change of the ``forms`` field, so a new revision."""
        procedure = await self.repo.get(code, for_update=True)
        if procedure is None:
            raise NotFound(f"Không có thủ tục mã {code}.")
        body = {**procedure.body, "forms": [*(procedure.body.get("forms") or []), form]}
        await self._commit_body(procedure, body, actor, f"Thêm mẫu đơn: {form['name']}")
        return procedure

    async def search(
        self, *, q: str | None, sector: str | None, agency: str | None, level: int | None,
        online_class: str | None, offset: int, limit: int,
    ) -> tuple[list[SummaryRow], int]:
        """A page of procedures and the total (see ``ProcedureRepository.search`` for the matching rules)."""
        return await self.repo.search(q=q, sector=sector, agency=agency, level=level, online_class=online_class,
                                      offset=offset, limit=limit)

    async def revisions(self, code: str) -> Sequence[ProcedureRevision]:
        """Every revision of an existing procedure, newest first (404 for an unknown code)."""
        if not await self.repo.exists(code):
            await self.read(code)  # raises the 404
        return await self.repo.revisions(code)

    async def add_form_schema(self, code: str, schema: FormSchema, actor: Actor) -> bool:
        """Gives an online form to a procedure stored before procedures had one (its body has no ``form_schema``
        key); an editor's choice, even null, is left alone. A new revision when it applies."""
        procedure = await self.repo.get(code, for_update=True)
        if procedure is None or "form_schema" in procedure.body:
            return False
        body = {**procedure.body, "form_schema": schema.model_dump(mode="json")}
        await self._commit_body(procedure, body, actor, "Thêm biểu mẫu trực tuyến (tờ khai điện tử)")
        return True

    async def read(self, code: str, revision: int | None = None) -> ProcedureView:
        procedure = await self.repo.get(code)
        if procedure is None:
            raise NotFound(f"Không có thủ tục mã {code}.")
        body, number, at = procedure.body, procedure.revision, procedure.updated_at
        if revision is not None and revision != procedure.revision:
            old = await self.repo.revision(code, revision)
            if old is None:
                raise NotFound(f"Thủ tục {code} không có phiên bản {revision} (phiên bản mới nhất: "
                               f"{procedure.revision}).")
            body, number, at = old.body, old.revision, old.changed_at
        if not body.get("agencies"):
            body = {**body, "agencies": [body["agency_code"]]}  # stored before procedures listed their agencies
        if body.get("level", 0) < FORMS_MIN_LEVEL and body.get("forms"):
            body = {**body, "forms": []}  # not downloadable below level 2, so not listed
        sector_name, agency_name = await self.repo.names(body["sector_code"], body["agency_code"])
        return ProcedureView(body, number, at, procedure.revision, sector_name, agency_name)
