"""The processing actions in headless Chromium, one dossier of the Sở Tư pháp taken through them all: the
specialist asks another department's opinion and it answers; the leader extends the deadline (form 04 downloads, a
PDF with the new appointment); the specialist asks the applicant a supplement (form 02 lists the items, the clock
stops until the citizen supplements on the portal); the specialist proposes refusing it and the leader approves
(form 03 carries the reason; the citizen's page shows it refused). axe-core on every page and state visited, the
errors beside their fields; the path's pages at 360 px without horizontal scroll.

This module's platform counts a dossier as nearly late from 15 working days before its deadline, so the leader may
extend a freshly accepted one (the workflow allows extending only dossiers nearly late or late)."""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from portal_testing import LLTP, accept, api_token, citizen_dossier
from test_browser import new_citizen
from test_console_browser import Officer, browser, citizen_supplements, refused_beside, until  # noqa: F401

from devkit.stackrun import Platform, running_platform

pytestmark = pytest.mark.e2e

from playwright.sync_api import Browser, expect  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def platform() -> Iterator[Platform]:
    with running_platform(ROOT / "deploy" / "services.json", timeout=180,
                          env={"WORKFLOW_DEADLINE_WARNING_BEFORE": "15d"}) as p:
        yield p


def pdf_text(body: bytes) -> str:
    import pypdfium2 as pdfium

    return "\n".join(page.get_textpage().get_text_range() for page in pdfium.PdfDocument(io.BytesIO(body)))


def test_consult_extend_supplement_and_refusal(browser: Browser, base_url: str, tmp_path: Path) -> None:  # noqa: F811
    person = new_citizen()
    code = citizen_dossier(base_url, person, LLTP)
    accept(base_url, code, "000.00.15.H19")
    desk = api_token(base_url, "tiepnhan.stp", "CanBo@2026")

    def started() -> bool:
        return httpx.get(f"{base_url}/api/v1/workflow/dossiers/{code}", headers=desk, timeout=30).status_code == 200

    until(started, "workflow starts the accepted dossier")
    r = httpx.post(f"{base_url}/api/v1/workflow/dossiers/{code}/actions", timeout=30, json={"action": "forward"},
                   headers={**desk, "Idempotency-Key": uuid.uuid4().hex})
    assert r.status_code == 200, r.text

    spec = Officer(browser, base_url, "chuyenvien.stp")
    page = spec.page
    page.goto(f"/can-bo/xu-ly/{code}")
    page.get_by_role("button", name="Nhận xử lý").click()
    assert "Đã nhận xử lý" in spec.flash()

    # consult: the department is required (said beside the field), then asked
    refused_beside(spec, "Xin ý kiến phòng phối hợp", "Phòng được xin ý kiến",
                   ("Nội dung xin ý kiến", "Đề nghị cho ý kiến về nhân thân người yêu cầu"), "xin y kien thieu phong")
    page.get_by_label("Phòng được xin ý kiến").select_option("Phòng Bổ trợ tư pháp")  # the agency's other ones
    page.get_by_role("button", name="Xin ý kiến phòng phối hợp").click()
    assert "xin ý kiến phòng phối hợp" in spec.flash()
    consults = page.get_by_role("region", name="Xin ý kiến phối hợp")
    expect(consults).to_contain_text("Phòng Bổ trợ tư pháp")
    expect(consults).to_contain_text("chưa trả lời")
    expect(page.get_by_role("button", name="Trình dự thảo kết quả")).to_have_count(0)  # not while it is open
    spec.look("da xin y kien")

    # the consulted department answers from its own console
    helper = Officer(browser, base_url, "chuyenvien2.stp")
    helper.page.goto(f"/can-bo/xu-ly/{code}")
    helper.page.get_by_label("Ý kiến của phòng").fill("Thống nhất cấp phiếu")
    helper.look("tra loi y kien")
    helper.page.get_by_role("button", name="Gửi ý kiến phối hợp").click()
    assert "gửi ý kiến phối hợp" in helper.flash()
    expect(helper.page.get_by_role("region", name="Xin ý kiến phối hợp")).to_contain_text("Thống nhất cấp phiếu")
    helper.close()

    # the leader extends the deadline with form 04
    lead = Officer(browser, base_url, "lanhdao.stp")
    lp = lead.page
    lp.goto(f"/can-bo/xu-ly/{code}")
    refused_beside(lead, "Gia hạn, hẹn lại ngày trả (mẫu 04)", "Lý do chậm trễ",
                   ("Hoặc số ngày làm việc gia hạn", "3"), "gia han thieu ly do")
    lp.get_by_label("Lý do chậm trễ").fill("Chờ kết quả xác minh của cơ quan công an")
    lp.get_by_role("button", name="Gia hạn, hẹn lại ngày trả (mẫu 04)").click()
    assert "Đã gia hạn" in lead.flash()
    expect(lp.get_by_text("hẹn ban đầu")).to_be_visible()
    timeline = lp.locator(".timeline").inner_text()
    assert "Cảnh báo: hồ sơ sắp đến hạn" in timeline and not re.search(r"\b[a-z]+_[a-z_]+\b", timeline), timeline
    lead.look("da gia han")
    form04 = pdf_text(lead.pdf_link("In Phiếu xin lỗi và hẹn lại ngày trả kết quả (mẫu 04, PDF)"))
    assert code in form04 and "Chờ kết quả xác minh của cơ quan công an" in form04

    # the specialist asks the applicant a supplement: the clock stops
    page.reload()
    page.get_by_label("Giấy tờ, thông tin cần bổ sung").fill("Bản sao sổ hộ khẩu\nGiấy xác nhận nơi cư trú")
    page.get_by_label("Lời nhắn cho người nộp").fill("Bổ sung trong 10 ngày")
    page.get_by_role("button", name="Yêu cầu người nộp bổ sung").click()
    assert "thời hạn tạm dừng" in spec.flash()
    expect(page.get_by_text("Đang chờ người nộp bổ sung hồ sơ")).to_be_visible()
    for waiting in ("Trình dự thảo kết quả", "Đề xuất từ chối giải quyết", "Xin ý kiến phòng phối hợp"):
        expect(page.get_by_role("button", name=waiting)).to_have_count(0)  # nothing goes on while it waits
    spec.look("cho nguoi nop bo sung")
    page.get_by_role("link", name="Xem hồ sơ và giấy tờ của người nộp").click()
    history = page.locator(".timeline")
    expect(history).to_contain_text("Bản sao sổ hộ khẩu")
    expect(history).to_contain_text("Giấy xác nhận nơi cư trú")
    form02 = pdf_text(spec.pdf_link("In Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (mẫu 02) (PDF)"))
    assert "1. Bản sao sổ hộ khẩu" in form02 and "2. Giấy xác nhận nơi cư trú" in form02
    assert "không tính vào thời hạn giải quyết" in form02
    spec.look("ho so cho bo sung")

    citizen = citizen_supplements(browser, base_url, person, code, "Giấy xác nhận nơi cư trú", tmp_path)
    cp = citizen.page

    # processing resumes at the same step with the same specialist, who proposes refusing it
    def resumed() -> bool:
        page.goto(f"/can-bo/xu-ly/{code}")
        return page.get_by_role("button", name="Đề xuất từ chối giải quyết").count() > 0

    until(resumed, "processing resumes after the supplement")
    expect(page.locator(".timeline")).to_contain_text("Tiếp tục xử lý sau khi người nộp bổ sung")
    refused_beside(spec, "Đề xuất từ chối giải quyết", "Lý do từ chối giải quyết", None, "de xuat tu choi thieu ly do")
    page.get_by_label("Lý do từ chối giải quyết").fill("Người yêu cầu không thuộc đối tượng được cấp phiếu số 2")
    page.get_by_role("button", name="Đề xuất từ chối giải quyết").click()
    assert "đề xuất từ chối giải quyết" in spec.flash()
    spec.close()

    lp.goto(f"/can-bo/xu-ly/{code}")
    expect(lp.get_by_text("Người yêu cầu không thuộc đối tượng được cấp phiếu số 2")).to_be_visible()
    lead.look("lanh dao xem de xuat tu choi")
    lp.get_by_role("button", name="Phê duyệt từ chối giải quyết").click()
    assert "phê duyệt từ chối giải quyết" in lead.flash()
    lead.close()

    # the desk prints form 03 with the reason; the citizen's page shows it refused
    counter = Officer(browser, base_url, "tiepnhan.stp")

    def refused() -> bool:
        counter.page.goto(f"/can-bo/ho-so/{code}")
        return counter.page.get_by_role("link", name="In Phiếu từ chối tiếp nhận giải quyết hồ sơ (mẫu 03) (PDF)"
                                        ).count() > 0

    until(refused, "intake learns the refusal")
    form03 = pdf_text(counter.pdf_link("In Phiếu từ chối tiếp nhận giải quyết hồ sơ (mẫu 03) (PDF)"))
    assert "Người yêu cầu không thuộc đối tượng được cấp phiếu số 2" in form03 and code in form03
    counter.look("ho so bi tu choi")
    counter.close()
    cp.goto(f"/ho-so/{code}")
    expect(cp.get_by_role("main")).to_contain_text("Không giải quyết")
    citizen.axe("cong dan ho so bi tu choi")
    citizen.close()

    # the pages of this path at 360 px: no horizontal scroll
    narrow = Officer(browser, base_url, "lanhdao.stp", width=360)
    narrow.narrow([f"/can-bo/xu-ly/{code}", f"/can-bo/ho-so/{code}", "/can-bo/xu-ly"])
    narrow.close()
    narrow = Officer(browser, base_url, "tiepnhan.stp", width=360)
    narrow.narrow(["/can-bo/tiep-nhan", "/can-bo/tra-ket-qua", f"/can-bo/ho-so/{code}"])
    narrow.close()
