"""The citizen's paths in headless Chromium (Debian's package, driven by Playwright), acting as a person does:
finding things by their label or role, with and without JavaScript, with the keyboard alone; axe-core on every
page; every request the browser makes recorded."""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from portal_testing import MARRIAGE, PDF, accept

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("Chromium not installed: run `apt-get install chromium` (make test does it as root)",
                allow_module_level=True)

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

AXE = Axe()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield b
        b.close()


class Visit:
    """One person's browser tab, recording every request it makes."""

    def __init__(self, browser: Browser, base_url: str, *, javascript: bool = True, width: int = 1280) -> None:
        self.base = base_url
        self.context = browser.new_context(java_script_enabled=javascript, base_url=base_url,
                                           viewport={"width": width, "height": 900}, accept_downloads=True)
        self.context.set_default_timeout(30_000)
        self.page: Page = self.context.new_page()
        self.requests: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.javascript = javascript

    def axe(self, what: str) -> None:
        if not self.javascript:
            return
        results = AXE.run(self.page)
        assert results.violations_count == 0, f"{what}: {results.generate_report()}"

    def other_origins(self) -> list[str]:
        return [u for u in self.requests if not (u.startswith(self.base + "/") or u == self.base)
                and not u.startswith(("data:", "about:", "blob:"))]

    def close(self) -> None:
        self.context.close()


def new_citizen() -> dict[str, str]:
    n = uuid.uuid4().int
    return {"username": f"dan{n % 10**8}", "password": "MatKhau@2026", "full_name": "Phạm Thị Hoa",
            "id_number": f"0751{n % 10**8:08d}", "phone": f"09{n % 10**8:08d}",
            "email": f"hoa{n % 10**6}@example.vn"}


def documents_of(base_url: str, code: str) -> list[dict[str, Any]]:
    p = httpx.get(f"{base_url}/api/v1/catalog/procedures/{code}", timeout=30).json()
    return [d for d in p["documents"] if d.get("required", True)]


def fill_online_form(page: Page) -> None:
    """Fills whatever the procedure's form schema asks (text, number, date, choices) with plausible answers."""
    form = page.locator("form[action$='/to-khai']")
    for field in form.locator("input:not([type=hidden]):not([type=radio]), textarea, select").all():
        kind = field.get_attribute("type") or field.evaluate("e => e.tagName.toLowerCase()")
        if kind == "date":
            field.fill("2026-12-20")
        elif kind == "select":
            field.select_option(index=1)
        elif field.get_attribute("inputmode") in ("numeric", "decimal"):
            field.fill("1")
        else:
            field.fill("Nội dung khai")
    for group in form.locator("fieldset").all():
        group.get_by_role("radio").first.check()


def file_path(tmp: Path, name: str) -> Path:
    path = tmp / name
    path.write_bytes(PDF)
    return path


def walk_citizen_path(v: Visit, base_url: str, tmp: Path) -> str:
    """home → search → procedure page → register → log in → wizard → submit → my dossiers; returns the code."""
    page = v.page
    person = new_citizen()
    page.goto("/")
    v.axe("trang chủ")
    page.get_by_label("Tìm thủ tục hành chính").fill("dang ky ket hon")
    page.get_by_role("button", name="Tìm kiếm").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("dang ky ket hon")
    v.axe("kết quả tìm kiếm")
    page.get_by_role("link", name="Đăng ký kết hôn", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng ký kết hôn")
    assert page.locator('meta[name="DC.title"]').get_attribute("content") == "Đăng ký kết hôn"
    v.axe("trang thủ tục")
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng nhập")
    page.get_by_role("link", name="Đăng ký tài khoản").click()
    # a form shown with errors: nothing typed is lost, each error beside its field and in the summary
    page.get_by_label("Họ và tên").fill(person["full_name"])
    page.get_by_label("Số Căn cước công dân").fill("12345")
    page.get_by_role("button", name="Đăng ký").click()
    expect(page.get_by_role("alert")).to_contain_text("lỗi cần sửa")
    expect(page.get_by_label("Họ và tên")).to_have_value(person["full_name"])
    v.axe("đăng ký, có lỗi")
    page.get_by_role("alert").get_by_role("link", name=re.compile("Tên đăng nhập")).click()
    expect(page.get_by_label("Tên đăng nhập")).to_be_focused()
    page.get_by_label("Số Căn cước công dân").fill(person["id_number"])
    page.get_by_label("Số điện thoại di động").fill(person["phone"])
    page.get_by_label("Email").fill(person["email"])
    page.get_by_label("Tên đăng nhập").fill(person["username"])
    page.get_by_label(re.compile(r"^Mật khẩu")).fill(person["password"])
    page.get_by_label("Nhập lại mật khẩu").fill(person["password"])
    page.get_by_role("button", name="Đăng ký").click()
    expect(page.get_by_role("status")).to_contain_text("Đã tạo tài khoản")
    v.axe("đăng nhập")
    page.get_by_label("Tên đăng nhập").fill(person["username"])
    page.get_by_label("Mật khẩu").fill(person["password"])
    page.get_by_role("button", name="Đăng nhập").click()
    # the wizard, where the person was going; the applicant prefilled from the account
    expect(page.get_by_role("heading", level=1)).to_have_text("Thông tin người nộp hồ sơ")
    expect(page.get_by_label("Họ và tên người nộp")).to_have_value(person["full_name"])
    expect(page.get_by_label("Số Căn cước công dân")).to_have_value(person["id_number"])
    page.get_by_role("button", name="Tiếp tục").click()
    expect(page.get_by_role("alert")).to_contain_text("Địa chỉ liên hệ")
    v.axe("bước 1, có lỗi")
    page.get_by_label("Địa chỉ liên hệ").fill("12 Cách Mạng Tháng Tám, phường Tân Phong, Biên Hòa")
    page.get_by_label("Nhận tại Bộ phận Một cửa").check()
    page.get_by_role("button", name="Tiếp tục").click()
    if page.get_by_role("heading", level=1, name="Tờ khai trực tuyến").count():
        v.axe("tờ khai")
        fill_online_form(page)
        page.get_by_role("button", name="Tiếp tục").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Giấy tờ kèm theo")
    v.axe("giấy tờ")
    for i, doc in enumerate(documents_of(base_url, MARRIAGE)):
        page.get_by_label(doc["name"]).set_input_files(file_path(tmp, f"giay-to-{i}.pdf"))
    page.get_by_role("button", name="Tiếp tục").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kiểm tra lại trước khi nộp")
    v.axe("kiểm tra lại")
    page.get_by_role("button", name="Nộp hồ sơ").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đã nộp hồ sơ")
    code = page.locator(".code").inner_text().strip()
    assert re.fullmatch(r"000\.01\.30\.H19-\d{6}-\d{4}", code), code
    v.axe("xác nhận")
    page.get_by_role("link", name="Hồ sơ của tôi").first.click()
    expect(page.get_by_role("table")).to_contain_text(code)
    v.axe("hồ sơ của tôi")
    return code


def download_receipt(v: Visit, base_url: str, code: str) -> None:
    accept(base_url, code, "000.01.30.H19")
    page = v.page
    page.get_by_role("link", name=code).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hồ sơ {code}")
    v.axe("trang hồ sơ")
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("Tải giấy tiếp nhận")).click()
    assert Path(info.value.path()).read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(("javascript", "width"), [(True, 1280), (False, 360)], ids=["javascript", "no-javascript"])
def test_new_citizen_files_online_and_downloads_the_receipt(browser: Browser, base_url: str, tmp_path: Path,
                                                            javascript: bool, width: int) -> None:
    """With JavaScript (axe-core on every page) and without it (on a 360 px phone): the whole path, and not one
    request to another origin."""
    v = Visit(browser, base_url, javascript=javascript, width=width)
    try:
        code = walk_citizen_path(v, base_url, tmp_path)
        download_receipt(v, base_url, code)
        assert v.other_origins() == []
    finally:
        v.close()
