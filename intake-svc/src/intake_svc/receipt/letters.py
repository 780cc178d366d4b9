"""Forms 02 and 03 of Circular 01/2018/TT-VPCP as A5 PDFs, laid out like form 01 (same header, type and
signature blocks, ``receipt/form01.py``): 02, Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (from the desk, or from
the specialist during processing); 03, Phiếu từ chối tiếp nhận giải quyết hồ sơ."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from intake_svc.receipt.form01 import Styles, build, header, signatures, styles


@dataclass
class LetterData:
    form: str  # "02" or "03"
    code: str
    agency_code: str
    agency_name: str | None
    at: datetime
    applicant_name: str
    address: str
    phone: str | None
    email: str | None
    request: str
    officer: str | None
    items: list[str] = field(default_factory=list)  # 02: what to supplement
    reason: str | None = None  # 02: why; 03: the reasons of the refusal
    round: int | None = None
    processing: bool = False  # 02 asked by the specialist department during processing; 03 refused after it


def _applicant(st: Styles, data: LetterData, intro: str, name_label: str) -> list[Flowable]:
    e = escape
    return [
        Paragraph(intro, st.base) if intro else Spacer(1, 0),
        Paragraph(f"{name_label}: <b>{e(data.applicant_name)}</b>", st.base),
        Paragraph(f"Địa chỉ: {e(data.address)}", st.base),
        Paragraph(f"Số điện thoại: {e(data.phone or '—')}&nbsp;&nbsp;&nbsp;Email: {e(data.email or '—')}", st.base),
        Paragraph(f"Nội dung yêu cầu giải quyết: {e(data.request)}", st.base),
        Spacer(1, 2 * mm),
    ]


def render_letter(data: LetterData) -> bytes:
    st = styles()
    e = escape
    story: list[Flowable] = [
        header(st, data.agency_code, data.agency_name, data.code, data.at),
    ]
    if data.form == "02":
        story += [
            Paragraph("PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", st.title),
            Paragraph(f"Mã hồ sơ: <b>{e(data.code)}</b>" + (f" — lần {data.round}" if data.round else ""),
                      st.center),
            Spacer(1, 3 * mm),
            *_applicant(st, data, "", "Hồ sơ của"),
            Paragraph("Trong quá trình giải quyết hồ sơ, cơ quan giải quyết đề nghị bổ sung, hoàn thiện hồ sơ "
                      "gồm những nội dung sau:" if data.processing else
                      "Sau khi nghiên cứu, xem xét thành phần hồ sơ, đề nghị Ông/Bà bổ sung, hoàn thiện hồ sơ "
                      "gồm những nội dung sau:", st.base),
            *[Paragraph(f"{i}. {e(item)}", st.base) for i, item in enumerate(data.items, 1)],
        ]
        if data.reason:
            story.append(Paragraph(f"Lý do: {e(data.reason)}", st.base))
        story += [
            Paragraph("Thời gian chờ Ông/Bà bổ sung không tính vào thời hạn giải quyết hồ sơ." if data.processing
                      else "Ông/Bà bổ sung hồ sơ trực tuyến hoặc tại Bộ phận tiếp nhận và trả kết quả.", st.base),
            Paragraph("Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, Ông/Bà liên hệ với "
                      f"{e(data.officer or 'cán bộ tiếp nhận')} để được hướng dẫn.", st.base),
            Spacer(1, 4 * mm),
            signatures(st, ("NGƯỜI NỘP HỒ SƠ", data.applicant_name), ("NGƯỜI HƯỚNG DẪN", data.officer)),
        ]
        title, subject = f"Phiếu yêu cầu bổ sung hồ sơ {data.code}", "Mẫu số 02 - Thông tư 01/2018/TT-VPCP"
    else:
        story += [
            Paragraph("PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", st.title),
            Paragraph(f"Mã hồ sơ: <b>{e(data.code)}</b>", st.center),
            Spacer(1, 3 * mm),
            *_applicant(st, data, "Bộ phận tiếp nhận và trả kết quả đã tiếp nhận hồ sơ của:", "Ông/Bà"),
            Paragraph("Qua thẩm định, cơ quan giải quyết thông báo không giải quyết hồ sơ này với lý do cụ thể "
                      "như sau:" if data.processing else
                      "Qua xem xét, Bộ phận tiếp nhận và trả kết quả thông báo không tiếp nhận, giải quyết hồ sơ "
                      "này với lý do cụ thể như sau:", st.base),
            Paragraph(f"<b>{e(data.reason or '')}</b>", st.base),
            Paragraph("Xin thông báo cho Ông/Bà được biết và thực hiện./.", st.base),
            Spacer(1, 4 * mm),
            signatures(st, ("NGƯỜI NỘP HỒ SƠ", data.applicant_name),
                       ("LÃNH ĐẠO CƠ QUAN GIẢI QUYẾT" if data.processing else "NGƯỜI TIẾP NHẬN HỒ SƠ", data.officer)),
        ]
        title, subject = f"Phiếu từ chối tiếp nhận hồ sơ {data.code}", "Mẫu số 03 - Thông tư 01/2018/TT-VPCP"
    return build(story, title=title, subject=subject)
