"""The officer console in headless Chromium, as officers use it: found by visible label and role, axe-core on
every console page visited, the desk's decisions by keyboard alone, screenshots of every page kept under
``.data/screenshots/console`` to look at.

1. a citizen's online dossier: the desk opens its documents, asks a supplement (form 02), the citizen supplements
   on the portal, the desk accepts (form 01), the specialist claims and proposes a draft, the leader sees the
   draft inline and approves; handing it over online first asks the fee (said beside the choice), the desk records
   the fee paid at the counter, hands the result over by keyboard alone, and the citizen's page shows it returned;
2. a walk-in dossier registered at the desk goes the same way, its result sent by post with the tracking number,
   and the public tracking page shows it returned;
3. a leader reassigns a task; a hand-off is accepted and completed by the partner agency in its own console;
4. an officer of another agency gets 404 for the dossier's pages."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from portal_testing import LLTP, PDF, accept, api_token, citizen_dossier, officer
from test_browser import CHROMIUM, Visit, new_citizen

pytestmark = pytest.mark.e2e

from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError  # noqa: E402

expect.set_options(timeout=30_000)  # a loaded shared machine: pages may take seconds
SHOTS = Path(__file__).resolve().parents[2] / ".data" / "screenshots" / "console"
LAND = "1.012756.000.01.08.H19"  # Đăng ký biến động đất đai (000.01.08.H19), handed off to 000.00.93.H19


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM is not None
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield b
        b.close()


class Officer(Visit):
    """One officer's browser: logged in at the console's own login page."""

    def __init__(self, browser: Browser, base_url: str, username: str, password: str = "CanBo@2026", *,
                 width: int = 1280) -> None:
        super().__init__(browser, base_url, width=width)
        self.username = username
        page = self.page
        page.goto("/can-bo/dang-nhap")
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu").fill(password)
        page.get_by_role("button", name="Đăng nhập").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Tổng quan")

    def look(self, what: str) -> None:
        """axe-core on the page, and a screenshot of it at 1280 px to look at."""
        self.axe(what)
        SHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^a-z0-9]+", "-", f"{self.username}-{what}".lower()).strip("-")
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def narrow(self, paths: list[str]) -> None:
        """Each page at this browser's width: nothing wider than the screen (no horizontal scroll), axe-core."""
        for path in paths:
            answer = self.page.goto(path)
            assert answer is not None and answer.status == 200, path
            wider = self.page.evaluate("""async () => { await document.fonts.ready; const w = window.innerWidth;
                if (document.documentElement.scrollWidth <= w) return [];
                return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 1)
                    .map(e => e.outerHTML.slice(0, 100)).slice(0, 5); }""")
            assert not wider, f"{path} is wider than the screen: {wider}"
            self.look(f"hep {path}")

    def flash(self) -> str:
        notice = self.page.get_by_role("status")
        expect(notice).to_be_visible()
        return notice.inner_text()

    def pdf_link(self, name: str) -> bytes:
        link = self.page.get_by_role("link", name=name)
        response = self.page.request.get(self.base + str(link.get_attribute("href")))
        assert response.status == 200 and response.headers["content-type"] == "application/pdf", name
        body = response.body()
        assert body.startswith(b"%PDF"), name
        return body


def tab_until(page: Page, target: Locator, limit: int = 150) -> None:
    """Presses Tab until ``target`` has the focus; the focus is visible on every element of the page (a document
    frame draws its own: Chromium's PDF viewer)."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        active = page.evaluate("""() => { const e = document.activeElement; const s = getComputedStyle(e);
            return [e.tagName, s.outlineStyle !== 'none' || s.boxShadow !== 'none', e.outerHTML.slice(0, 120)]; }""")
        seen.append(active[2])
        if active[0] not in ("IFRAME", "BODY"):
            assert active[1], f"no visible focus on {active[2]}"
        if target.evaluate("e => e === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {target}: {seen}")


def until(check: Callable[[], bool], what: str, timeout: float = 60) -> None:
    """Events reach the other services a moment later: reload until the page shows it."""
    end = time.monotonic() + timeout
    while not check():
        if time.monotonic() > end:
            raise AssertionError(f"never happened: {what}")
        time.sleep(1)


def frame_serves(v: Visit, frame_title: str) -> None:
    frame = v.page.get_by_title(frame_title)
    expect(frame).to_be_visible()
    src = str(frame.get_attribute("src"))
    assert src.startswith("/can-bo/")  # the portal itself serves it: same origin
    r = v.page.request.get(v.base + src)
    assert r.status == 200 and r.headers["content-type"] == "application/pdf"
    assert "frame-ancestors 'self'" in r.headers["content-security-policy"]


def submit(page: Page, button: str) -> None:
    """Clicks ``button`` until its form is sent. A page showing documents inline can lose a click: when Chromium's
    PDF viewer finishes loading a frame it takes the focus and scrolls the page, and a click aimed a moment before
    lands on whatever has moved under the pointer (under load the frames finish late)."""
    target = page.get_by_role("button", name=button, exact=True)
    for _ in range(3):
        try:
            with page.expect_request(lambda r: r.method == "POST", timeout=10_000):
                target.click()
            return
        except PlaywrightTimeoutError:
            continue
    raise AssertionError(f"the form of {button!r} was never sent")


def refused_beside(v: Officer, button: str, field: str, kept: tuple[str, str] | None, shot: str) -> None:
    """Submits ``button``'s form with ``field`` left empty: the error names the field, what was typed (``kept``:
    label and value, typed first) stays."""
    page = v.page
    if kept:
        page.get_by_label(kept[0]).fill(kept[1])
    submit(page, button)
    expect(page.get_by_role("alert")).to_contain_text(field)
    if kept:
        expect(page.get_by_label(kept[0])).to_have_value(kept[1])
    v.look(shot)


def citizen_supplements(browser: Browser, base_url: str, person: dict[str, str], code: str, asked: str,
                        tmp: Path) -> Visit:
    """The citizen logs in to the portal, sees what was asked on the dossier's page and sends a file."""
    citizen = Visit(browser, base_url)
    page = citizen.page
    page.goto("/dang-nhap")
    page.get_by_label("Tên đăng nhập").fill(person["username"])
    page.get_by_label("Mật khẩu").fill(person["password"])
    page.get_by_role("button", name="Đăng nhập").click()
    page.goto(f"/ho-so/{code}")
    expect(page.get_by_text(asked)).to_be_visible()
    scan = tmp / "bo-sung.pdf"
    scan.write_bytes(PDF)
    page.locator("input[type=file]").first.set_input_files(str(scan))
    page.get_by_role("button", name="Gửi hồ sơ bổ sung").click()
    expect(page.get_by_role("status")).to_contain_text("Đã gửi hồ sơ bổ sung")
    return citizen


def process_to_result(browser: Browser, base_url: str, code: str, tmp: Path) -> Officer:
    """Accepted dossier: the desk forwards it, the specialist claims and proposes a draft, the leader sees the
    draft and approves; returns the desk at the dossier's page with the form to hand the result over."""
    desk = Officer(browser, base_url, "tiepnhan.stp")
    desk.page.goto(f"/can-bo/xu-ly/{code}")
    desk.look("trang xu ly buoc tiep nhan")
    desk.page.get_by_role("button", name="Chuyển phòng chuyên môn").click()
    assert "Phòng chuyên môn" in desk.flash()

    spec = Officer(browser, base_url, "chuyenvien.stp")
    spec.page.get_by_role("navigation", name="Chức năng cán bộ").get_by_role("link", name="Xử lý hồ sơ").click()
    spec.page.get_by_role("link", name="Việc chưa có người nhận").click()
    spec.look("danh sach viec chua nhan")
    spec.page.get_by_role("link", name=code).click()
    spec.page.get_by_role("button", name="Nhận xử lý").click()
    assert "Đã nhận xử lý" in spec.flash()
    draft = tmp / "du-thao-ket-qua.pdf"
    draft.write_bytes(PDF)
    # without the draft the form says so beside the field
    spec.page.get_by_role("button", name="Trình dự thảo kết quả").click()
    expect(spec.page.get_by_role("alert")).to_contain_text("Chọn tệp dự thảo")
    spec.look("trinh du thao thieu tep")
    spec.page.get_by_label("Dự thảo văn bản kết quả").set_input_files(str(draft))
    spec.page.get_by_label("Ý kiến trình").fill("Đủ điều kiện cấp phiếu")
    spec.page.get_by_role("button", name="Trình dự thảo kết quả").click()
    assert "Đã trình dự thảo" in spec.flash()
    spec.look("da trinh du thao")
    spec.close()

    lead = Officer(browser, base_url, "lanhdao.stp")
    lead.page.get_by_role("navigation", name="Chức năng cán bộ").get_by_role("link", name="Xử lý hồ sơ").click()
    lead.page.get_by_role("link", name=code).click()
    expect(lead.page.get_by_role("heading", name="Dự thảo kết quả")).to_be_visible()

    def draft_readable() -> bool:
        try:
            frame_serves(lead, "Dự thảo: du-thao-ket-qua.pdf")
        except AssertionError:
            lead.page.reload()
            return False
        return True

    until(draft_readable, "the leader reads the draft (intake learns the processing file from an event)")
    lead.look("lanh dao xem du thao")
    submit(lead.page, "Phê duyệt kết quả")
    assert "Đã phê duyệt" in lead.flash()
    lead.close()

    page = desk.page

    def result_ready() -> bool:
        page.goto(f"/can-bo/ho-so/{code}")
        return page.get_by_role("button", name="Xác nhận đã trả kết quả").count() > 0

    until(result_ready, "the desk sees the result ready")
    desk.look("tra ket qua")
    return desk


def returned(v: Visit | Officer) -> None:
    expect(v.page.get_by_role("main")).to_contain_text("Tình trạng: Đã trả kết quả")


def test_online_dossier_from_the_desk_to_its_return(browser: Browser, base_url: str, tmp_path: Path) -> None:
    person = new_citizen()
    code = citizen_dossier(base_url, person, LLTP)

    desk = Officer(browser, base_url, "tiepnhan.stp")
    desk.look("tong quan")
    desk.page.get_by_role("navigation", name="Chức năng cán bộ").get_by_role("link", name="Tiếp nhận hồ sơ").click()
    desk.look("hang doi tiep nhan")
    desk.page.get_by_label("Mã hồ sơ, họ tên, CCCD hoặc điện thoại").fill(person["full_name"].lower())
    desk.page.get_by_role("button", name="Lọc").click()
    desk.page.get_by_role("link", name=code).click()
    expect(desk.page.get_by_role("heading", level=1)).to_have_text(f"Hồ sơ {code}")
    frame_serves(desk, next(t for t in desk.page.locator("iframe").evaluate_all("fs => fs.map(f => f.title)")))
    desk.look("ho so moi")
    # asking a supplement without saying what: the error beside the field, what was typed kept
    desk.page.get_by_label("Hướng dẫn cho người nộp").fill("Nộp lại trong 5 ngày")
    submit(desk.page, "Yêu cầu bổ sung")
    expect(desk.page.get_by_role("alert")).to_contain_text("Nội dung cần bổ sung")
    expect(desk.page.get_by_label("Hướng dẫn cho người nộp")).to_have_value("Nộp lại trong 5 ngày")
    desk.look("yeu cau bo sung thieu noi dung")
    desk.page.get_by_label("Nội dung cần bổ sung").fill("Bản sao CCCD rõ nét")
    submit(desk.page, "Yêu cầu bổ sung")
    assert "Đã yêu cầu bổ sung" in desk.flash()
    desk.pdf_link("In Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (mẫu 02) (PDF)")

    citizen = citizen_supplements(browser, base_url, person, code, "Bản sao CCCD rõ nét", tmp_path)

    # the supplemented dossier is back in the queue; the desk accepts it with the keyboard alone
    desk.page.goto(f"/can-bo/tiep-nhan?q={code}")
    desk.page.get_by_role("link", name=code).click()
    expect(desk.page.get_by_text("bổ sung lần 1").first).to_be_visible()
    # by keyboard alone: past the documents shown inline through the link to the decisions, then the decision
    page_keys = desk.page.keyboard
    tab_until(desk.page, desk.page.get_by_role("link", name="Đến phần kết quả kiểm tra hồ sơ"))
    page_keys.press("Enter")
    tab_until(desk.page, desk.page.get_by_label("Ghi chú tiếp nhận"))
    page_keys.type("Hồ sơ đầy đủ")
    page_keys.press("Tab")
    expect(desk.page.get_by_role("button", name="Tiếp nhận hồ sơ", exact=True)).to_be_focused()
    page_keys.press("Enter")
    assert "Đã tiếp nhận hồ sơ" in desk.flash()
    desk.look("da tiep nhan")
    desk.pdf_link("In Giấy tiếp nhận hồ sơ và hẹn trả kết quả (mẫu 01) (PDF)")
    desk.close()

    desk = process_to_result(browser, base_url, code, tmp_path)
    page = desk.page
    # online return asks the fee paid first: said beside the choice, the choice kept
    page.get_by_role("button", name="Xác nhận đã trả kết quả").click()
    expect(page.get_by_role("alert")).to_contain_text("Chưa thanh toán đủ phí")
    expect(page.get_by_label("Trả trực tuyến")).to_be_checked()
    desk.look("tra truc tuyen chua nop phi")
    # the fee paid at the counter: more than is due is refused beside the amount, what was typed kept
    page.get_by_label("Số tiền thu (đồng)").fill("9.999.999")
    page.get_by_label("Số biên lai").fill("BL-2026-0042")
    page.get_by_role("button", name="Ghi nhận đã thu").click()
    expect(page.get_by_role("alert")).to_contain_text("vượt quá")
    expect(page.get_by_label("Số biên lai")).to_have_value("BL-2026-0042")
    desk.look("thu phi vuot qua")
    page.get_by_label("Số tiền thu (đồng)").fill("")
    page.get_by_role("button", name="Ghi nhận đã thu").click()
    assert "Đã ghi nhận khoản thu 200.000 đồng" in desk.flash()
    expect(page.get_by_text("200.000 đồng; đã nộp 200.000 đồng")).to_be_visible()
    expect(page.get_by_role("button", name="Ghi nhận đã thu")).to_have_count(0)
    desk.look("da thu phi tai quay")
    expect(page.locator(".timeline")).to_contain_text("Thu tại quầy 200.000 đồng, biên lai số BL-2026-0042")
    # the hand-over by keyboard alone
    page_keys = page.keyboard
    tab_until(page, page.get_by_label("Trả trực tuyến"))
    expect(page.get_by_label("Trả trực tuyến")).to_be_checked()
    page_keys.press("Tab")
    expect(page.get_by_label("Số hiệu bưu gửi")).to_be_focused()
    page_keys.press("Tab")
    page_keys.type("Đã gửi kết quả vào tài khoản của người nộp")
    page_keys.press("Tab")
    expect(page.get_by_role("button", name="Xác nhận đã trả kết quả")).to_be_focused()
    page_keys.press("Enter")
    message = desk.flash()
    assert f"Đã trả kết quả hồ sơ {code} trực tuyến" in message and "“Đã trả kết quả”" in message, message
    returned(desk)
    expect(page.get_by_role("button", name="Xác nhận đã trả kết quả")).to_have_count(0)
    desk.look("da tra ket qua truc tuyen")
    desk.close()

    # the citizen's page shows it returned
    citizen.page.goto(f"/ho-so/{code}")
    returned(citizen)
    citizen.close()

    # an officer of another agency: none of the dossier's pages exist
    other = Officer(browser, base_url, "tiepnhan.skhdt")
    for path in (f"/can-bo/ho-so/{code}", f"/can-bo/xu-ly/{code}", f"/can-bo/ho-so/{code}/mau/01"):
        response = other.page.goto(path)
        assert response is not None and response.status == 404, path
        expect(other.page.get_by_role("heading", level=1)).to_have_text("Không tìm thấy trang")
    other.look("co quan khac 404")
    other.close()


def test_walk_in_dossier_registered_at_the_desk(browser: Browser, base_url: str, tmp_path: Path) -> None:
    desk = Officer(browser, base_url, "tiepnhan.stp")
    page = desk.page
    page.get_by_role("navigation", name="Chức năng cán bộ").get_by_role("link", name="Tiếp nhận hồ sơ").click()
    page.get_by_role("link", name="Tiếp nhận hồ sơ trực tiếp, bưu chính").click()
    page.get_by_label("Thủ tục").select_option(LLTP)
    page.get_by_role("button", name="Tiếp tục").click()
    desk.look("dang ky ho so truc tiep")
    page.get_by_label("Nộp trực tiếp tại Bộ phận Một cửa").check()
    n = uuid.uuid4().int
    page.get_by_label("Họ và tên người nộp").fill("Trần Văn Bình")
    page.get_by_label("Số Căn cước công dân").fill(f"0751{n % 10**8:08d}")
    page.get_by_label("Địa chỉ liên hệ").fill("12 Hà Huy Giáp, Biên Hòa")
    page.get_by_label("Nhận tại Bộ phận Một cửa").check()
    form = page.locator("form[action='/can-bo/tiep-nhan/moi'][method=post]")
    for field in form.locator("[name^='form_data.']").all():
        kind = field.get_attribute("type") or field.evaluate("e => e.tagName.toLowerCase()")
        if kind == "radio":
            field.check()
        elif kind == "select":
            field.select_option(index=1)
        elif field.get_attribute("inputmode") in ("numeric", "decimal"):
            field.fill("1")
        elif "Ngày/tháng/năm" in (page.locator(f"#{field.get_attribute('id')}-hint").all_inner_texts() or [""])[0]:
            field.fill("20/05/1990")
        else:
            field.fill("Nội dung khai")
    scans = tmp_path / "scan.pdf"
    scans.write_bytes(PDF)
    for required in form.locator("input[type=file]").all():
        required.set_input_files(str(scans))
    page.get_by_role("button", name="Tiếp nhận và in giấy hẹn (mẫu 01)").click()
    message = desk.flash()
    assert "Đã tiếp nhận hồ sơ" in message
    code = re.search(r"(\S+-\d{6}-\d{4,})", message).group(1)  # type: ignore[union-attr]
    desk.pdf_link("In Giấy tiếp nhận hồ sơ và hẹn trả kết quả (mẫu 01) (PDF)")
    expect(page.get_by_text("Trực tiếp", exact=True)).to_be_visible()
    desk.look("ho so truc tiep da tiep nhan")
    desk.close()

    desk = process_to_result(browser, base_url, code, tmp_path)
    page = desk.page
    # sent by post: without its tracking number the form says so beside the field
    page.get_by_label("Gửi qua bưu chính").check()
    page.get_by_label("Ghi chú").fill("Gửi về địa chỉ liên hệ")
    page.get_by_role("button", name="Xác nhận đã trả kết quả").click()
    expect(page.get_by_role("alert")).to_contain_text("Số hiệu bưu gửi")
    expect(page.get_by_label("Gửi qua bưu chính")).to_be_checked()
    expect(page.get_by_label("Ghi chú")).to_have_value("Gửi về địa chỉ liên hệ")
    desk.look("tra qua buu chinh thieu so hieu")
    page.get_by_label("Số hiệu bưu gửi").fill("EL123456789VN")
    page.get_by_role("button", name="Xác nhận đã trả kết quả").click()
    message = desk.flash()
    assert f"Đã trả kết quả hồ sơ {code} qua bưu chính (số hiệu bưu gửi EL123456789VN)" in message, message
    returned(desk)
    expect(page.locator(".timeline")).to_contain_text("số hiệu bưu gửi EL123456789VN")  # the history keeps it
    desk.look("da tra ket qua qua buu chinh")
    desk.close()

    # the applicant has no account: the public tracking page shows it returned
    applicant = Visit(browser, base_url)
    applicant.page.goto(f"/tra-cuu/{code}")
    expect(applicant.page.get_by_role("main")).to_contain_text("Đã trả kết quả")
    applicant.axe("tra cuu cong khai da tra")
    applicant.close()


def test_leader_reassigns_and_a_partner_agency_completes_a_hand_off(browser: Browser, base_url: str) -> None:
    # a dossier of the Sở Tư pháp, claimed by one specialist, given by the leader to another
    code = citizen_dossier(base_url, new_citizen(), LLTP)
    accept(base_url, code, "000.00.15.H19")
    desk = api_token(base_url, "tiepnhan.stp", "CanBo@2026")
    spec = api_token(base_url, "chuyenvien.stp", "CanBo@2026")

    def act(headers: dict[str, str], action: str, **body: object) -> dict[str, object]:
        r = httpx.post(f"{base_url}/api/v1/workflow/dossiers/{code}/actions", timeout=30,
                       headers={**headers, "Idempotency-Key": uuid.uuid4().hex}, json={"action": action, **body})
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    def wf_ready() -> bool:
        r = httpx.get(f"{base_url}/api/v1/workflow/dossiers/{code}", headers=desk, timeout=30)
        return r.status_code == 200

    until(wf_ready, "workflow starts the accepted dossier")
    act(desk, "forward")
    act(spec, "claim")
    lead = Officer(browser, base_url, "lanhdao.stp")
    lead.page.goto(f"/can-bo/xu-ly/{code}")
    lead.look("lanh dao giao lai")
    choice = lead.page.get_by_label("Cán bộ được giao")
    choice.select_option(index=1)
    chosen = choice.evaluate("s => s.options[s.selectedIndex].text")
    lead.page.get_by_role("button", name="Giao lại cho cán bộ khác").click()
    assert "Đã giao hồ sơ cho cán bộ khác" in lead.flash() and chosen in lead.flash()
    lead.close()

    # a land dossier handed off to the partner agency, which accepts and completes it in its own console
    land = citizen_dossier(base_url, new_citizen(), LAND, return_method="counter")
    accept(base_url, land, "000.01.08.H19")
    lead_desk = officer(base_url, "000.01.08.H19", "reception")
    lead_spec_headers = officer(base_url, "000.01.08.H19", "specialist")
    officer(base_url, "000.00.93.H19", "specialist")
    code = land
    desk = lead_desk
    until(wf_ready, "workflow starts the land dossier")
    act(lead_desk, "forward")
    act(lead_spec_headers, "claim")
    lead_spec = Officer(browser, base_url, "specialist.0000108h19", "CanBo@2026x")
    lead_spec.page.goto(f"/can-bo/xu-ly/{land}")
    lead_spec.page.get_by_label("Cơ quan phối hợp").select_option("000.00.93.H19")
    lead_spec.page.get_by_label("Nội dung đề nghị").fill("Đề nghị xác nhận nghĩa vụ tài chính")
    lead_spec.look("chuyen lien thong")
    lead_spec.page.get_by_role("button", name="Chuyển liên thông").click()
    assert "Đã thực hiện: chuyển liên thông" in lead_spec.flash()

    partner = Officer(browser, base_url, "specialist.0000093h19", "CanBo@2026x")
    partner.page.get_by_role("navigation", name="Chức năng cán bộ").get_by_role("link", name="Xử lý hồ sơ").click()
    partner.page.get_by_role("link", name=land).click()
    partner.look("lien thong nhan duoc")
    partner.page.get_by_role("button", name="Tiếp nhận hồ sơ liên thông", exact=True).click()
    assert "tiếp nhận hồ sơ liên thông" in partner.flash()
    partner.page.get_by_label("Kết quả phần việc liên thông").fill("Đã xác nhận nghĩa vụ tài chính")
    partner.page.get_by_role("button", name="Trả kết quả phần việc liên thông").click()
    assert "trả kết quả phần việc liên thông" in partner.flash()
    partner.look("lien thong da tra")
    partner.close()
    lead_spec.page.reload()
    expect(lead_spec.page.get_by_text("đã trả kết quả").first).to_be_visible()
    lead_spec.close()


def test_search_by_name_without_diacritics(browser: Browser, base_url: str) -> None:
    person = new_citizen()
    code = citizen_dossier(base_url, person, LLTP)
    lead = Officer(browser, base_url, "lanhdao.stp")
    page = lead.page
    page.get_by_role("navigation", name="Chức năng cán bộ").get_by_role("link", name="Tra cứu hồ sơ").click()
    page.get_by_label("Mã hồ sơ, họ tên (không cần dấu), CCCD hoặc điện thoại").fill(person["id_number"])
    page.get_by_role("button", name="Tìm kiếm").click()
    expect(page.get_by_role("link", name=code)).to_be_visible()
    lead.look("tra cuu")
    page.get_by_label("Tiếp nhận từ ngày").fill("32/13/2026")
    page.get_by_role("button", name="Tìm kiếm").click()
    expect(page.get_by_role("alert")).to_contain_text("Tiếp nhận từ ngày")
    lead.look("tra cuu loi ngay")
    lead.close()
