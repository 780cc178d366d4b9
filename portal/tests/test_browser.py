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
from portal_testing import LLTP, MARRIAGE, PDF, accept, citizen_dossier

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("Chromium not installed: run `apt-get install chromium` (make test does it as root)",
                allow_module_level=True)

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import Browser, FileChooser, Locator, Page, expect, sync_playwright  # noqa: E402

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


def fill_online_form(page: Page, *, keyboard: bool = False) -> None:
    """Fills whatever the procedure's form schema asks (text, number, date, choices) with plausible answers,
    with the mouse or with the keyboard alone."""
    form = page.locator("form[action$='/to-khai']")
    for field in form.locator("input:not([type=hidden]), textarea, select").all():
        kind = field.get_attribute("type") or field.evaluate("e => e.tagName.toLowerCase()")
        if kind == "radio":
            if field.evaluate("e => e.closest('fieldset').querySelector('input') !== e"):
                continue  # a group is answered once, by its first choice
            if keyboard:
                tab_to(page, field)
                page.keyboard.press("Space")
            else:
                field.check()
            continue
        if kind == "select":
            if keyboard:
                tab_to(page, field)
                page.keyboard.press("ArrowDown")
            else:
                field.select_option(index=1)
            continue
        hint = field.get_attribute("aria-describedby") or ""
        hint_text = " ".join(page.locator(f"#{h}").inner_text() for h in hint.split() if h)
        value = ("20/05/1990" if "Ngày/tháng/năm" in hint_text
                 else "1" if field.get_attribute("inputmode") in ("numeric", "decimal") else "Nội dung khai")
        if keyboard:
            tab_to(page, field)
            page.keyboard.type(value)
        else:
            field.fill(value)


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


def log_in(v: Visit, person: dict[str, str]) -> None:
    v.page.goto("/dang-nhap")
    v.page.get_by_label("Tên đăng nhập").fill(person["username"])
    v.page.get_by_label("Mật khẩu").fill(person["password"])
    v.page.get_by_role("button", name="Đăng nhập").click()
    expect(v.page.get_by_role("link", name="Hồ sơ của tôi")).to_be_visible()


def register_through_api(base_url: str) -> dict[str, str]:
    person = new_citizen()
    r = httpx.post(f"{base_url}/api/v1/auth/register", json=person, timeout=30)
    assert r.status_code == 201, r.text
    return person


def tab_to(page: Page, target: Locator, limit: int = 120) -> None:
    """Presses Tab until ``target`` has the focus, as a keyboard user does; the focus must always be visible."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        visible = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
            return s.outlineStyle !== 'none' || s.boxShadow !== 'none'; }""")
        assert visible, f"no visible focus on {page.evaluate('document.activeElement.outerHTML')[:200]}"
        if target.evaluate("e => e === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {target}")


def follow(page: Page, key: str) -> None:
    """Presses a key that opens another page (a link, a submit button) and waits for that page."""
    with page.expect_navigation():
        page.keyboard.press(key)


def test_the_path_with_the_keyboard_only(browser: Browser, base_url: str, tmp_path: Path) -> None:
    v = Visit(browser, base_url)
    page, kb = v.page, v.page.keyboard
    # listening from the start turns the file dialog into an event before any key is pressed
    choosers: list[FileChooser] = []
    page.on("filechooser", lambda chooser: choosers.append(chooser))
    person = register_through_api(base_url)
    try:
        page.goto("/")
        kb.press("Tab")
        expect(page.get_by_role("link", name="Bỏ qua, đến nội dung chính")).to_be_focused()
        tab_to(page, page.get_by_label("Tìm thủ tục hành chính"))
        kb.type("dang ky ket hon")
        follow(page, "Enter")
        tab_to(page, page.get_by_role("link", name="Đăng ký kết hôn", exact=True))
        follow(page, "Enter")
        tab_to(page, page.get_by_role("link", name="Nộp hồ sơ trực tuyến"))
        follow(page, "Enter")
        tab_to(page, page.get_by_label("Tên đăng nhập"))
        kb.type(person["username"])
        kb.press("Tab")
        kb.type(person["password"])
        follow(page, "Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Thông tin người nộp hồ sơ")
        tab_to(page, page.get_by_label("Địa chỉ liên hệ"))
        kb.type("8 Võ Thị Sáu, Biên Hòa")
        tab_to(page, page.get_by_label("Nhận trực tuyến"))
        kb.press("ArrowDown")  # radios: the arrow keys move the choice
        expect(page.get_by_label("Nhận tại Bộ phận Một cửa")).to_be_checked()
        tab_to(page, page.get_by_role("button", name="Tiếp tục"))
        follow(page, "Enter")
        if page.get_by_role("heading", level=1, name="Tờ khai trực tuyến").count():
            fill_online_form(page, keyboard=True)
            tab_to(page, page.get_by_role("button", name="Tiếp tục"))
            follow(page, "Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Giấy tờ kèm theo")
        for i, doc in enumerate(documents_of(base_url, MARRIAGE)):
            tab_to(page, page.get_by_label(doc["name"]))
            kb.press("Space")  # the file input opens its dialog, as Enter or a click would
            for _ in range(100):
                if len(choosers) > i:
                    break
                page.wait_for_timeout(100)
            choosers[i].set_files(file_path(tmp_path, f"ban-phim-{i}.pdf"))
        tab_to(page, page.get_by_role("button", name="Tiếp tục"))
        follow(page, "Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Kiểm tra lại trước khi nộp")
        tab_to(page, page.get_by_role("button", name="Nộp hồ sơ"))
        follow(page, "Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Đã nộp hồ sơ")
        code = page.locator(".code").inner_text().strip()
        tab_to(page, page.get_by_role("link", name="Xem hồ sơ"))
        follow(page, "Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Hồ sơ {code}")
    finally:
        v.close()


def test_leaving_the_wizard_and_coming_back_restores_everything(browser: Browser, base_url: str,
                                                                tmp_path: Path) -> None:
    person = register_through_api(base_url)
    wizard = f"/nop-ho-so/{MARRIAGE}"
    first = Visit(browser, base_url)
    try:
        log_in(first, person)
        page = first.page
        page.goto(f"{wizard}/thong-tin")
        page.get_by_label("Số điện thoại di động").fill("0934567890")
        page.get_by_label("Địa chỉ liên hệ").fill("27 Đồng Khởi, phường Tân Phong")
        page.get_by_label("Nhận qua bưu chính").check()
        page.get_by_role("button", name="Tiếp tục").click()
        expect(page.get_by_role("heading", level=1)).not_to_have_text("Thông tin người nộp hồ sơ")
        page.goto(f"{wizard}/giay-to")
        doc = documents_of(base_url, MARRIAGE)[0]
        page.get_by_label(doc["name"]).set_input_files(file_path(tmp_path, "to-khai-ket-hon.pdf"))
        page.get_by_role("button", name="Lưu nháp").click()
        expect(page.get_by_role("status").first).to_contain_text("Đã lưu nháp")
        # typed but never submitted: the page's script saves it as the person types
        page.goto(f"{wizard}/thong-tin")
        page.get_by_label("Email").fill("dang.do@example.vn")
        expect(page.locator("#trang-thai-nhap")).to_have_text("Đã tự động lưu nháp.")
    finally:
        first.close()
    # another browser, another day: log in again and everything typed is there
    later = Visit(browser, base_url, javascript=False)
    try:
        log_in(later, person)
        page = later.page
        page.goto(f"{wizard}/thong-tin")
        expect(page.get_by_label("Số điện thoại di động")).to_have_value("0934567890")
        expect(page.get_by_label("Địa chỉ liên hệ")).to_have_value("27 Đồng Khởi, phường Tân Phong")
        expect(page.get_by_label("Email")).to_have_value("dang.do@example.vn")
        expect(page.get_by_label("Nhận qua bưu chính")).to_be_checked()
        page.goto(f"{wizard}/giay-to")
        expect(page.get_by_text("Đã tải lên: to-khai-ket-hon.pdf")).to_be_visible()
    finally:
        later.close()


def test_paying_a_fee_returns_to_a_portal_page_that_says_it_is_paid(browser: Browser, base_url: str) -> None:
    person = new_citizen()
    code = citizen_dossier(base_url, person, LLTP)
    accept(base_url, code, "000.00.15.H19")
    v = Visit(browser, base_url)
    try:
        log_in(v, person)
        page = v.page
        page.goto(f"/ho-so/{code}")
        expect(page.get_by_text("Phải nộp: 200.000 đồng")).to_be_visible()
        page.get_by_role("button", name="Thanh toán trực tuyến").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Thanh toán trực tuyến")
        v.axe("thanh toán")
        page.get_by_role("link", name="Tiếp tục đến cổng thanh toán").click()
        # the provider (another origin, the only one) approves and sends the person back to the portal
        landing = rf"/(thanh-toan/ket-qua|ho-so/{re.escape(code)}/thanh-toan)\?"
        page.wait_for_url(re.compile(re.escape(base_url) + landing))
        expect(page.get_by_role("heading", level=1)).to_have_text("Đã thanh toán")
        v.axe("đã thanh toán")
        page.get_by_role("link", name=f"Về trang hồ sơ {code}").click()
        expect(page.get_by_text("Đã thanh toán đủ phí, lệ phí.")).to_be_visible()
    finally:
        v.close()


def test_a_forgotten_password_is_reset_then_changed_in_the_browser(browser: Browser, base_url: str,
                                                                   platform: Any) -> None:
    """From the login page's link, with the code the email brings; then the profile's password change. axe-core
    on every page and state; a phone-sized window."""
    import time

    person = new_citizen()
    r = httpx.post(f"{base_url}/api/v1/auth/register", timeout=30, json={k: person[k] for k in (
        "username", "password", "full_name", "id_number", "phone", "email")})
    assert r.status_code == 201, r.text
    v = Visit(browser, base_url, width=360)
    page = v.page
    page.goto("/dang-nhap")
    page.get_by_role("link", name="Quên mật khẩu?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Quên mật khẩu")
    v.axe("quên mật khẩu")
    page.get_by_label("Tên đăng nhập").fill(person["username"])
    page.get_by_role("button", name="Gửi mã xác nhận").click()
    expect(page.get_by_role("status")).to_contain_text("mã xác nhận")
    expect(page.get_by_role("heading", level=1)).to_have_text("Đặt lại mật khẩu")
    expect(page.get_by_label("Tên đăng nhập")).to_have_value(person["username"])
    v.axe("đặt lại mật khẩu")
    deadline = time.monotonic() + 60
    while not (mails := [m for m in platform.mails_to(person["email"]) if m["Subject"].startswith("Mã xác nhận")]):
        assert time.monotonic() < deadline, "no email with the code"
        time.sleep(0.2)
    code = mails[-1]["Subject"].split()[3]
    page.get_by_label("Mã xác nhận").fill("000000" if code != "000000" else "111111")
    page.get_by_label(re.compile(r"^Mật khẩu mới")).fill("DatLai@2027")
    page.get_by_label("Nhập lại mật khẩu mới").fill("DatLai@2027")
    page.get_by_role("button", name="Đặt lại mật khẩu").click()
    expect(page.get_by_role("alert")).to_contain_text("Mã xác nhận")
    v.axe("đặt lại mật khẩu, mã sai")
    page.get_by_role("alert").get_by_role("link", name=re.compile("Mã xác nhận")).click()
    expect(page.get_by_label("Mã xác nhận")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type(code)
    page.get_by_label(re.compile(r"^Mật khẩu mới")).fill("DatLai@2027")
    page.get_by_label("Nhập lại mật khẩu mới").fill("DatLai@2027")
    page.get_by_role("button", name="Đặt lại mật khẩu").click()
    expect(page.get_by_role("status")).to_contain_text("Đã đặt lại mật khẩu")
    page.get_by_label("Tên đăng nhập").fill(person["username"])
    page.get_by_label("Mật khẩu").fill("DatLai@2027")
    page.get_by_role("button", name="Đăng nhập").click()
    page.goto("/tai-khoan")
    page.get_by_role("link", name="Đổi mật khẩu").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đổi mật khẩu")
    v.axe("đổi mật khẩu")
    page.get_by_label("Mật khẩu hiện tại").fill("DatLai@2027")
    page.get_by_label(re.compile(r"^Mật khẩu mới")).fill("DoiMoi@2029")
    page.get_by_label("Nhập lại mật khẩu mới").fill("DoiMoi@2029")
    page.get_by_role("button", name="Đổi mật khẩu").click()
    expect(page.get_by_role("status")).to_contain_text("Đã đổi mật khẩu")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert not v.other_origins()
    v.close()
