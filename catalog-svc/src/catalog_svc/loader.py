"""Bulk import of procedures (the ``load`` command) and the demo catalog loaded at start-up in demo mode.

Every record is validated like an API write and imported in its own savepoint, so one bad record is
reported (where, field, Vietnamese reason) and the others still land.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalog_svc.agency.repository import AgencyRepository
from catalog_svc.errors import Problem
from catalog_svc.form.models import ProcedureForm
from catalog_svc.form.repository import FormRepository
from catalog_svc.form.sniff import EXTENSIONS, sniff
from catalog_svc.procedure.repository import ProcedureRepository, lock_catalog_import
from catalog_svc.procedure.schemas import ProcedureCreate, ProcedureUpdate
from catalog_svc.procedure.service import SYSTEM, Actor, ProcedureService
from catalog_svc.sector.repository import SectorRepository
from formschema import FormSchema
from servicekit.problems import validation_errors

log = logging.getLogger(__name__)
FORM_NAMESPACE = uuid.UUID("6f1d3c2e-5b8a-4e0f-9c1d-2a7b8c9d0e1f")


@dataclass
class Rejection:
    where: str
    code: str | None
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}{f' ({self.code})' if self.code else ''}: {self.field}: {self.reason}"


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    revised: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


def _validation_rejections(where: str, code: str | None, exc: ValidationError) -> list[Rejection]:
    out = []
    for err in validation_errors(RequestValidationError(exc.errors())):
        loc = ".".join(str(p) for p in err["loc"]) or "(bản ghi)"
        out.append(Rejection(where, code, loc, err["msg"]))
    return out


def _problem_rejections(where: str, code: str | None, exc: Problem) -> list[Rejection]:
    if exc.errors:
        return [Rejection(where, code, ".".join(str(p) for p in e["loc"] if p != "body") or "(bản ghi)", e["msg"])
                for e in exc.errors]
    return [Rejection(where, code, "code" if exc.status == 409 else "(bản ghi)", exc.detail)]


async def import_procedures(
    session: AsyncSession, records: Iterable[tuple[str, Any]], actor: Actor, *, update: bool = True,
    forms_for: Callable[[str], list[dict[str, Any]]] | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """``records`` yields (where, raw record); existing procedures get a new revision when ``update``."""
    report = ImportReport()
    service = ProcedureService(session)
    repo = ProcedureRepository(session)
    for n, (where, raw) in enumerate(records, start=1):
        code = raw.get("code") if isinstance(raw, dict) else None
        code = code if isinstance(code, str) else None
        try:
            data = ProcedureCreate.model_validate(raw)
        except ValidationError as exc:
            report.rejected += _validation_rejections(where, code, exc)
        else:
            try:
                async with session.begin_nested():
                    if not await repo.exists(data.code):
                        forms = forms_for(data.code) if forms_for else []
                        await service.create(data, actor, forms=forms)
                        report.created.append(data.code)
                    elif not update:
                        report.unchanged.append(data.code)
                    else:
                        changed = ProcedureUpdate.model_validate(data.model_dump(exclude={"code"}))
                        _, changes = await service.replace(data.code, changed, actor)
                        (report.revised if changes else report.unchanged).append(data.code)
            except Problem as exc:
                report.rejected += _problem_rejections(where, code, exc)
        if progress:
            progress(n)
    return report


def _parents_first(agencies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_code = {a["code"]: a for a in agencies}
    done: set[str] = set()
    out: list[dict[str, Any]] = []

    def visit(a: dict[str, Any], depth: int = 0) -> None:
        if a["code"] in done or depth > 10:
            return
        parent = by_code.get(a.get("parent_code") or "")
        if parent is not None:
            visit(parent, depth + 1)
        done.add(a["code"])
        out.append({"code": a["code"], "name": a["name"], "parent_code": a.get("parent_code")})

    for a in agencies:
        visit(a)
    return out


async def load_reference(session: AsyncSession, sectors: list[dict[str, Any]],
                         agencies: list[dict[str, Any]]) -> tuple[int, int]:
    s = await SectorRepository(session).upsert_missing([{"code": x["code"], "name": x["name"]} for x in sectors])
    a = await AgencyRepository(session).upsert_missing(_parents_first(agencies))
    return s, a


# ------------------------------------------------------------------------------------------------- demo
def _demo_file(name: str) -> Any:
    return resources.files("catalog_svc").joinpath("demo", name)


async def load_demo(session: AsyncSession) -> ImportReport:
    """Idempotent: only what is missing is added; existing procedures (maybe edited since) are left alone."""
    await lock_catalog_import(session)
    sectors = json.loads(_demo_file("sectors.json").read_text("utf-8"))
    agencies = json.loads(_demo_file("agencies.json").read_text("utf-8"))
    procedures = json.loads(_demo_file("procedures.json").read_text("utf-8"))
    attachments: dict[str, list[dict[str, str]]] = json.loads(_demo_file("forms/forms.json").read_text("utf-8"))
    schemas = demo_form_schemas()
    procedures = [{**p, "form_schema": schemas[p["code"]]} if p.get("code") in schemas else p for p in procedures]
    await load_reference(session, sectors, agencies)
    pending: dict[str, list[tuple[ProcedureForm, bytes]]] = {}

    def forms_for(code: str) -> list[dict[str, Any]]:
        refs = []
        for item in attachments.get(code, []):
            content = _demo_file(f"forms/{item['file']}").read_bytes()
            media_type = sniff(content)
            if media_type is None:
                log.warning("demo form %s is not an accepted open format; skipped", item["file"])
                continue
            form = ProcedureForm(id=uuid.uuid5(FORM_NAMESPACE, f"{code}/{item['file']}"), procedure_code=code,
                                 name=item["name"], media_type=media_type,
                                 file_name=item["file"].rsplit(".", 1)[0] + EXTENSIONS[media_type],
                                 sha256=hashlib.sha256(content).hexdigest(), size=len(content),
                                 uploaded_by=SYSTEM.username)
            pending.setdefault(code, []).append((form, content))
            refs.append({"id": str(form.id), "name": form.name, "media_type": media_type})
        return refs

    report = await import_procedures(session, ((f"bản ghi {i}", p) for i, p in enumerate(procedures)), SYSTEM,
                                     update=False, forms_for=forms_for)
    forms = FormRepository(session)
    for code in report.created:
        for form, content in pending.get(code, []):
            await forms.store_blob(form.sha256, content)
            forms.add(form)
    service = ProcedureService(session)
    for code in report.unchanged:
        if code in schemas:
            await service.add_form_schema(code, FormSchema.model_validate(schemas[code]), SYSTEM)
    await session.flush()
    return report


def demo_form_schemas() -> dict[str, dict[str, Any]]:
    """The demo procedures' online forms (``demo/form_schemas.json``): a procedure code → its schema, or → the code
    of another procedure whose form it shares (the same procedure carried out by another agency)."""
    raw: dict[str, Any] = json.loads(_demo_file("form_schemas.json").read_text("utf-8"))
    return {code: raw[value] if isinstance(value, str) else value for code, value in raw.items()}


async def load_demo_help(session: AsyncSession) -> int:
    """The demo FAQ and announcement, once (nothing when editors already wrote some)."""
    from datetime import UTC, datetime

    from catalog_svc.help.models import Announcement, FaqEntry
    from catalog_svc.help.repository import HelpRepository

    repo = HelpRepository(session)
    if not await repo.is_empty():
        return 0
    data = json.loads(_demo_file("help.json").read_text("utf-8"))
    now = datetime.now(UTC)
    for e in data["faq"]:
        repo.add(FaqEntry(**e, updated_at=now, updated_by="Dữ liệu mẫu"))
    for a in data["announcements"]:
        repo.add(Announcement(**a, shown_from=now, created_at=now, created_by="Dữ liệu mẫu"))
    return len(data["faq"]) + len(data["announcements"])


async def load_demo_on_startup(app: FastAPI) -> None:
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker() as session, session.begin():
        report = await load_demo(session)
        await load_demo_help(session)
    for r in report.rejected:
        log.warning("demo procedure rejected: %s", r)
    log.info("demo catalog: %d procedures added, %d already present", len(report.created), len(report.unchanged))


# ------------------------------------------------------------------------------------------------- files
_JSON_CELLS = ("documents", "fees", "processing_time", "interagency", "steps", "requirements", "legal_basis",
               "form_names", "form_schema", "agencies")
_LIST_CELLS = ("steps", "requirements", "legal_basis", "form_names", "interagency", "agencies")


def _csv_record(row: dict[str, str | None]) -> dict[str, Any]:
    """CSV cells: lists as JSON or one item per line / separated by `` | ``; documents and fees as JSON;
    ``processing_time`` as JSON or the two columns ``processing_time_value`` and ``processing_time_unit``."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key is None or value is None:
            continue
        key, value = key.strip(), value.strip()
        if value == "" and key not in ("online_registration", "guide"):
            continue
        if key in _JSON_CELLS and value[:1] in "[{":
            try:
                out[key] = json.loads(value)
            except json.JSONDecodeError:
                out[key] = value  # validation names the field
        elif key in _LIST_CELLS:
            parts = value.split("\n") if "\n" in value else value.split(" | ")
            out[key] = [p.strip() for p in parts if p.strip()]
        elif key == "level":
            out[key] = int(value) if value.isdigit() else value
        elif key == "processing_time_value":
            out.setdefault("processing_time", {})["value"] = value
        elif key == "processing_time_unit":
            out.setdefault("processing_time", {})["unit"] = value
        else:
            out[key] = value
    return out


def read_records(path: Path) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    """(reference data, records with their place in the file). JSON: a list of procedures, or an object
    with ``procedures`` and optionally ``sectors`` and ``agencies``. CSV: one procedure per row, header first."""
    text = path.read_text("utf-8-sig")
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        rows: list[tuple[str, Any]] = []
        start = 2  # the line a record starts on (cells may span lines)
        for row in reader:
            rows.append((f"dòng {start}", _csv_record(row)))
            start = reader.line_num + 1
        return {}, rows
    data = json.loads(text)
    if isinstance(data, dict):
        procedures = data.get("procedures", [])
        refs = {k: data[k] for k in ("sectors", "agencies") if k in data}
    else:
        procedures, refs = data, {}
    if not isinstance(procedures, list):
        raise ValueError("Tệp JSON phải là một danh sách thủ tục hoặc một đối tượng có khóa 'procedures'.")
    return refs, [(f"bản ghi {i}", p) for i, p in enumerate(procedures)]
