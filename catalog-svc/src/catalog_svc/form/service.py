from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from catalog_svc.errors import Conflict, Invalid, NotFound, TooLarge, UnsupportedMedia
from catalog_svc.form.models import ProcedureForm
from catalog_svc.form.repository import FormRepository
from catalog_svc.form.sniff import EXTENSIONS, sniff
from catalog_svc.procedure.repository import ProcedureRepository
from catalog_svc.procedure.service import FORMS_MIN_LEVEL as MIN_LEVEL
from catalog_svc.procedure.service import Actor, ProcedureService


@dataclass
class FormFile:
    name: str
    media_type: str
    file_name: str
    content: bytes


class FormService:
    def __init__(self, session: AsyncSession, *, max_bytes: int) -> None:
        self.session = session
        self.max_bytes = max_bytes
        self.repo = FormRepository(session)

    async def attach(self, code: str, name: str, file_name: str, content: bytes, actor: Actor) -> ProcedureForm:
        name = name.strip()
        if not name or len(name) > 300:
            raise Invalid.field(("body", "name"), "Tên mẫu đơn phải có từ 1 đến 300 ký tự.")
        if len(content) > self.max_bytes:
            raise TooLarge(f"Tệp mẫu đơn vượt quá {self.max_bytes // (1024 * 1024)} MB.")
        if not content:
            raise Invalid.field(("body", "file"), "Tệp mẫu đơn rỗng.")
        media_type = sniff(content)
        if media_type is None:
            raise UnsupportedMedia("Mẫu đơn phải ở định dạng mở (PDF, ODF, XML, HTML hoặc văn bản thuần); "
                                   "nội dung tệp không thuộc định dạng nào trong số đó.")
        procedure = await ProcedureRepository(self.session).get(code)
        if procedure is None:
            raise NotFound(f"Không có thủ tục mã {code}.")
        if procedure.level < MIN_LEVEL:
            raise Conflict("Thủ tục mức độ 1 chỉ cung cấp thông tin, không có mẫu đơn để tải về.")
        sha256 = hashlib.sha256(content).hexdigest()
        await self.repo.store_blob(sha256, content)
        stem = (file_name.rsplit("/", 1)[-1].rsplit(".", 1)[0] or "mau-don")[:200]
        form = ProcedureForm(id=uuid.uuid4(), procedure_code=code, name=name, media_type=media_type,
                             file_name=stem + EXTENSIONS[media_type], sha256=sha256, size=len(content),
                             uploaded_by=actor.username[:100])
        self.repo.add(form)
        await self.session.flush()
        await ProcedureService(self.session).add_form(
            code, {"id": str(form.id), "name": name, "media_type": media_type}, actor)
        return form

    async def download(self, code: str, form_id: str) -> FormFile:
        procedure = await ProcedureRepository(self.session).get(code)
        try:
            fid = uuid.UUID(form_id)
        except ValueError:
            fid = None
        # Below level 2 templates are not offered: the same 404 as an unknown form.
        if procedure is None or procedure.level < MIN_LEVEL or fid is None:
            raise NotFound("Không tìm thấy mẫu đơn.")
        form = await self.repo.get(code, fid)
        content = await self.repo.content(form.sha256) if form else None
        if form is None or content is None:
            raise NotFound("Không tìm thấy mẫu đơn.")
        return FormFile(form.name, form.media_type, form.file_name, content)
