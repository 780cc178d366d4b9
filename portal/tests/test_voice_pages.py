"""The citizen's voice and transparency pages in headless Chromium, on the whole platform: a returned dossier
rated once from its page (the satisfaction figure moves), feedback sent from the portal, answered from the
officer console and published without personal data, the QR code of form 01 and of the signed result opening
the verification page (an identical copy matches, a modified one does not), and the scoreboard with a district
including its communes and its CSV and JSON exports. axe-core on every page; screenshots of each at 1280 px and
360 px go to ``PORTAL_SCREENSHOTS`` when it is set."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from portal_testing import LLTP, api_token, citizen_dossier

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("Chromium not installed: run `apt-get install chromium` (make test does it as root)",
                allow_module_level=True)

from playwright.sync_api import Browser, Page, expect  # noqa: E402
from test_browser import Visit, log_in, new_citizen  # noqa: E402
from test_browser import browser as chromium_browser  # noqa: E402, F401

JUSTICE, BIEN_HOA = "000.00.15.H19", "000.00.30.H19"
SHOTS = os.environ.get("PORTAL_SCREENSHOTS")


def shoot(v: Visit, name: str) -> None:
    """Both widths of the page as it is now (when PORTAL_SCREENSHOTS names a folder)."""
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    for width in (1280, 360):
        v.page.set_viewport_size({"width": width, "height": 900})
        v.page.screenshot(path=str(Path(SHOTS) / f"{name}-{width}.png"), full_page=True)
    v.page.set_viewport_size({"width": 1280, "height": 900})


def wait_for(check: Callable[[], Any], timeout: float = 90.0) -> Any:
    """Polls ``check`` until it answers something truthy (Playwright's sync API owns this thread's event loop)."""
    deadline = time.monotonic() + timeout
    while True:
        if result := check():
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout} s")
        time.sleep(0.5)


def qr_urls(pdf: bytes) -> list[str]:
    pdfium = pytest.importorskip("pypdfium2", reason="pip install pypdfium2 (make install does)")
    zxingcpp = pytest.importorskip("zxingcpp", reason="pip install zxing-cpp (make install does)")
    return [b.text for page in pdfium.PdfDocument(pdf) for b in zxingcpp.read_barcodes(page.render(scale=4).to_pil())
            if b.format == zxingcpp.BarcodeFormat.QRCode]


def result_pdf() -> bytes:
    """A real one-page PDF (the agency signs it, so it must parse)."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 760, f"PHIEU LY LICH TU PHAP SO 1 - {uuid.uuid4().hex[:8]}")
    c.save()
    return buf.getvalue()


def act(base_url: str, who: dict[str, str], code: str, payload: dict[str, Any]) -> None:
    r = httpx.post(f"{base_url}/api/v1/workflow/dossiers/{code}/actions", json=payload, timeout=30,
                   headers={**who, "Idempotency-Key": uuid.uuid4().hex})
    assert r.status_code == 200, r.text


def returned_dossier(base_url: str, person: dict[str, str]) -> str:
    """A level-4 dossier filed online by ``person`` (registered here), fees paid at the counter, processed and
    approved: its signed result is released online, so it is returned."""
    code = citizen_dossier(base_url, person, LLTP)
    desk = api_token(base_url, "tiepnhan.stp", "CanBo@2026")
    r = httpx.post(f"{base_url}/api/v1/dossiers/{code}/reception", json={"decision": "accept"}, timeout=30,
                   headers={**desk, "Idempotency-Key": uuid.uuid4().hex})
    assert r.status_code == 200, r.text
    r = httpx.post(f"{base_url}/api/v1/dossiers/{code}/payments/counter", json={"receipt_no": "BL-01"}, timeout=30,
                   headers={**desk, "Idempotency-Key": uuid.uuid4().hex})
    assert r.status_code == 201, r.text
    def desk_may(action: str) -> bool:
        r = httpx.get(f"{base_url}/api/v1/workflow/dossiers/{code}", headers=desk, timeout=30)
        return r.status_code == 200 and action in r.json().get("actions", [])

    wait_for(lambda: desk_may("forward"))  # the desk hands it to the specialist department at once
    act(base_url, desk, code, {"action": "forward"})
    specialist = api_token(base_url, "chuyenvien.stp", "CanBo@2026")
    f = httpx.post(f"{base_url}/api/v1/files", headers={**specialist, "Idempotency-Key": uuid.uuid4().hex},
                   files={"file": ("phieu.pdf", result_pdf(), "application/pdf")}, timeout=30)
    assert f.status_code == 201, f.text
    act(base_url, specialist, code, {"action": "claim"})
    act(base_url, specialist, code, {"action": "propose", "comment": "Đủ điều kiện",
                                     "documents": [{"name": "Phiếu lý lịch tư pháp", "file_id": f.json()["id"]}]})
    act(base_url, api_token(base_url, "lanhdao.stp", "CanBo@2026"), code, {"action": "approve", "comment": "Đồng ý"})
    citizen = api_token(base_url, person["username"], person["password"])
    wait_for(lambda: httpx.get(f"{base_url}/api/v1/dossiers/{code}", headers=citizen,
                               timeout=30).json()["status"] == "returned" or None)
    return code


def justice_rated(base_url: str) -> int:
    r = httpx.get(f"{base_url}/api/v1/public/indicators", params={"agency": JUSTICE}, timeout=30)
    assert r.status_code == 200, r.text
    return int(r.json()["agencies"][0]["rated"])


def download(page: Page, link: re.Pattern[str]) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("link", name=link).click()
    return Path(info.value.path()).read_bytes()


def test_rate_once_and_verify_the_qr_of_form01_and_the_signed_result(
        chromium_browser: Browser,  # noqa: F811 (the imported fixture)
        base_url: str, tmp_path: Path) -> None:
    person = new_citizen()
    code = returned_dossier(base_url, person)
    rated_before = justice_rated(base_url)
    v = Visit(chromium_browser, base_url)
    try:
        log_in(v, person)
        page = v.page
        page.goto(f"/ho-so/{code}")
        expect(page.get_by_role("heading", name="Đánh giá mức độ hài lòng")).to_be_visible()
        v.axe("trang hồ sơ đã trả kết quả, chưa đánh giá")
        shoot(v, "ho-so-danh-gia")
        page.get_by_role("button", name="Gửi đánh giá").click()  # nothing chosen: the error names the field
        expect(page.get_by_role("alert")).to_contain_text("Chọn mức độ hài lòng chung")
        v.axe("đánh giá thiếu mức độ hài lòng")
        page.get_by_role("group", name=re.compile("Mức độ hài lòng chung")).get_by_label("Hài lòng", exact=True).check()
        page.get_by_role("group", name=re.compile("Thời gian giải quyết")).get_by_label("Rất hài lòng").check()
        page.get_by_label("Góp ý thêm").fill("Cán bộ hướng dẫn tận tình.")
        page.get_by_role("button", name="Gửi đánh giá").click()
        expect(page.get_by_role("status")).to_contain_text("Cảm ơn Ông/Bà đã đánh giá")
        expect(page.get_by_text("Mỗi hồ sơ chỉ đánh giá một lần")).to_be_visible()
        expect(page.get_by_role("button", name="Gửi đánh giá")).to_have_count(0)
        v.axe("trang hồ sơ đã đánh giá")
        # a second rating is refused by the API; the satisfaction figure of the agency counts the first
        token = api_token(base_url, person["username"], person["password"])
        again = httpx.post(f"{base_url}/api/v1/dossiers/{code}/rating", json={"overall": 1}, headers=token, timeout=30)
        assert again.status_code == 409
        wait_for(lambda: justice_rated(base_url) == rated_before + 1 or None)

        # form 01 and the signed result carry the QR code of the verification page
        form01 = download(page, re.compile("Tải giấy tiếp nhận"))
        signed = download(page, re.compile("Phiếu lý lịch tư pháp"))
        for pdf in (form01, signed):
            [url] = qr_urls(pdf)
            assert urlsplit(url).path == f"/xac-minh/{code}" and url.startswith(base_url)
        page.goto(urlsplit(qr_urls(form01)[0]).path)
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Xác minh giấy tờ của hồ sơ {code}")
        text = page.locator("main").inner_text()
        assert person["full_name"] not in text and person["id_number"] not in text and person["phone"] not in text
        v.axe("trang xác minh")
        shoot(v, "xac-minh")
        copy = tmp_path / "ban-sao.pdf"
        for content, verdict in ((signed, "Trùng khớp"), (form01, "Trùng khớp"),
                                 (signed.replace(b"/Producer", b"/Produced", 1), "Không trùng khớp")):
            copy.write_bytes(content)
            page.get_by_label(re.compile("Tệp cần kiểm tra")).set_input_files(str(copy))
            page.get_by_role("button", name="Kiểm tra", exact=True).click()
            expect(page.get_by_role("heading", level=2, name=verdict, exact=True)).to_be_visible()
            v.axe(f"xác minh: {verdict}")
        shoot(v, "xac-minh-khong-trung")
        page.goto("/xac-minh")
        v.axe("trang nhập mã xác minh")
        assert v.other_origins() == []
    finally:
        v.close()


def test_feedback_sent_answered_from_the_console_and_published(
        chromium_browser: Browser,  # noqa: F811 (the imported fixture)
        base_url: str) -> None:
    person = new_citizen()
    code = citizen_dossier(base_url, person, LLTP)  # registers the person too
    v = Visit(chromium_browser, base_url)
    officer = Visit(chromium_browser, base_url)
    try:
        log_in(v, person)
        page = v.page
        page.goto(f"/ho-so/{code}")
        page.get_by_role("link", name="Gửi phản ánh, kiến nghị về hồ sơ này").click()
        v.axe("gửi phản ánh")
        page.get_by_role("button", name="Gửi phản ánh, kiến nghị").click()
        expect(page.get_by_role("alert")).to_contain_text("Nhập tiêu đề")
        v.axe("gửi phản ánh thiếu nội dung")
        page.get_by_label("Một hồ sơ của tôi").check()
        page.get_by_label("Hồ sơ (nếu phản ánh về một hồ sơ)").select_option(code)
        page.get_by_label(re.compile("^Tiêu đề")).fill("Hồ sơ lý lịch tư pháp chậm tiếp nhận")
        page.get_by_label(re.compile("^Nội dung")).fill(
            f"Tôi là {person['full_name']}, điện thoại {person['phone']}. Hồ sơ {code} nộp đã lâu chưa thấy tiếp nhận.")
        shoot(v, "gui-phan-anh")
        page.get_by_role("button", name="Gửi phản ánh, kiến nghị").click()
        expect(page.get_by_role("status")).to_contain_text("Đã gửi phản ánh, kiến nghị")
        expect(page.get_by_text("Sở Tư pháp")).to_be_visible()
        v.axe("phản ánh vừa gửi")
        feedback_url = page.url

        # the agency's officer answers from the console and publishes the answer
        o = officer.page
        o.goto("/can-bo/dang-nhap")
        o.get_by_label("Tên đăng nhập").fill("tiepnhan.stp")
        o.get_by_label("Mật khẩu").fill("CanBo@2026")
        o.get_by_role("button", name="Đăng nhập").click()
        o.get_by_role("link", name="Phản ánh, kiến nghị").first.click()
        officer.axe("hàng đợi phản ánh của cơ quan")
        shoot(officer, "can-bo-phan-anh")
        o.get_by_role("link", name="Hồ sơ lý lịch tư pháp chậm tiếp nhận").first.click()
        expect(o.get_by_text(person["full_name"]).first).to_be_visible()  # officers see who wrote
        officer.axe("phản ánh, phía cán bộ")
        o.get_by_label(re.compile("^Nội dung trả lời")).fill(
            "Hồ sơ đã được tiếp nhận ngày hôm nay; kết quả sẽ trả đúng hẹn. Xin cảm ơn Ông/Bà.")
        o.get_by_label(re.compile("^Có — công khai")).check()
        shoot(officer, "can-bo-tra-loi")
        o.get_by_role("button", name="Gửi trả lời").click()
        expect(o.get_by_role("status")).to_contain_text("Đã gửi trả lời")

        # the citizen is notified of the answer and reads it
        token = api_token(base_url, person["username"], person["password"])
        wait_for(lambda: [n for n in httpx.get(f"{base_url}/api/v1/notifications", headers=token, timeout=30)
                          .json()["items"] if "phản ánh" in n["title"]] or None)
        page.goto(feedback_url)
        expect(page.get_by_text("Hồ sơ đã được tiếp nhận ngày hôm nay")).to_be_visible()

        # published without personal data
        page.goto("/phan-anh-kien-nghi")
        expect(page.get_by_role("heading", name="Hồ sơ lý lịch tư pháp chậm tiếp nhận").first).to_be_visible()
        text = page.locator("main").inner_text()
        for personal in (person["full_name"], person["phone"], code):
            assert personal not in text
        v.axe("phản ánh đã trả lời công khai")
        shoot(v, "phan-anh-cong-khai")
        assert v.other_origins() == [] and officer.other_origins() == []
    finally:
        officer.close()
        v.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_scoreboard_shows_a_district_with_its_communes_and_exports_the_same_numbers(
        chromium_browser: Browser,  # noqa: F811 (the imported fixture)
        base_url: str, javascript: bool) -> None:
    v = Visit(chromium_browser, base_url, javascript=javascript, width=1280 if javascript else 360)
    try:
        page = v.page
        page.goto("/")
        expect(page.get_by_role("heading", name=re.compile("mã QR"))).to_be_visible()  # the demo announcement
        page.get_by_role("link", name="Hỏi đáp").first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Hỏi đáp")
        page.get_by_text("Làm sao kiểm tra một giấy tờ do Cổng cấp là thật?").click()
        expect(page.get_by_text("Quét mã QR in trên giấy tiếp nhận")).to_be_visible()
        v.axe("hỏi đáp")
        shoot(v, "hoi-dap" + ("" if javascript else "-khong-js"))
        page.goto("/")
        v.axe("trang chủ có thông báo")
        shoot(v, "trang-chu" + ("" if javascript else "-khong-js"))
        page.get_by_role("link", name="Bảng xếp hạng").first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Bảng xếp hạng chất lượng giải quyết thủ tục hành chính")
        row = page.get_by_role("row", name=re.compile("Ủy ban nhân dân thành phố Biên Hòa"))
        expect(row).to_contain_text("gồm 2 đơn vị trực thuộc")  # phường Tân Phong, phường Trảng Dài
        expect(page.get_by_role("row", name=re.compile("Ủy ban nhân dân phường Tân Phong"))).to_be_visible()
        expect(page.get_by_role("img", name=re.compile("Tỷ lệ hồ sơ giải quyết"))).to_be_visible()
        v.axe("bảng xếp hạng")
        shoot(v, "bang-xep-hang" + ("" if javascript else "-khong-js"))
        csv_href = page.get_by_role("link", name="Tải bảng số liệu (CSV)").get_attribute("href")
        json_href = page.get_by_role("link", name="Tải bảng số liệu (JSON)").get_attribute("href")
        assert csv_href and json_href
        board = httpx.get(base_url + json_href, timeout=30).json()
        rows = list(csv.reader(io.StringIO(httpx.get(base_url + csv_href, timeout=30).content.decode("utf-8-sig"))))
        by_code = {r[1]: r for r in rows[1:]}
        for unit in board["agencies"]:
            cells = by_code[unit["code"]]
            assert cells[2] == unit["name"] and int(cells[-14]) == unit["submitted"]
        bien_hoa = next(u for u in board["agencies"] if u["code"] == BIEN_HOA)
        assert "000.01.30.H19" in bien_hoa["includes"]
        # the numbers the page shows are those of the export
        first = board["agencies"][0]
        expect(page.get_by_role("row", name=re.compile(re.escape(first["name"]))).first).to_be_visible()
        page.get_by_label("Kỳ").select_option(index=1)
        page.get_by_role("button", name="Xem").click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        v.axe("bảng xếp hạng kỳ trước")
        assert v.other_origins() == []
    finally:
        v.close()


def test_voice_pages_over_http(base_url: str) -> None:
    """Without a browser: the public pages answer, bad input is named, no personal data, and the dossier pages
    need a login."""
    with httpx.Client(base_url=base_url, timeout=30) as web:
        for path in ("/phan-anh-kien-nghi", "/bang-xep-hang", "/xac-minh", "/hoi-dap"):
            r = web.get(path)
            assert r.status_code == 200 and "<h1>" in r.text, path
        bad = web.get("/bang-xep-hang", params={"ky": "2026-13"})
        assert bad.status_code == 422 and 'href="#f-ky"' in bad.text
        missing = web.get("/xac-minh/000.00.15.H19-000101-9999")
        assert missing.status_code == 404 and 'href="#f-ma"' in missing.text
        for path in ("/phan-anh", "/phan-anh/gui"):
            assert web.get(path, follow_redirects=False).status_code == 303
