"""Catalog editors keep the portal's FAQ (hỏi đáp) and the home page's announcements from the officer console;
others get 404; errors beside their field, nothing typed lost; what they publish is on the public pages."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import httpx
import pytest
from test_console_admin import console_login, csrf_of, flash_of, text_of

pytestmark = pytest.mark.e2e


@pytest.fixture
def web(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=60, follow_redirects=False) as client:
        yield client


def test_only_editors_and_admins_reach_the_help_pages(web: httpx.Client, base_url: str) -> None:
    console_login(web, "chuyenvien.stp")
    home = web.get("/can-bo/")
    assert 'href="/can-bo/tro-giup"' not in home.text
    assert web.get("/can-bo/tro-giup").status_code == 404
    r = web.post("/can-bo/tro-giup/hoi-dap", data={"csrf_token": csrf_of(home.text), "question": "Câu hỏi thử?"})
    assert r.status_code == 404
    with httpx.Client(base_url=base_url, timeout=60, follow_redirects=False) as editor:
        console_login(editor, "bientap")
        page = editor.get("/can-bo/tro-giup")
        assert page.status_code == 200 and 'href="/can-bo/tro-giup"' in page.text
        # a form without the CSRF token is refused, nothing stored
        assert editor.post("/can-bo/tro-giup/hoi-dap", data={"question": "Không có mã chống giả mạo?",
                                                             "answer": "Không lưu."}).status_code == 403


def test_an_editor_adds_edits_and_removes_a_question_of_the_faq(web: httpx.Client) -> None:
    console_login(web, "bientap")
    page = web.get("/can-bo/tro-giup")
    token = csrf_of(page.text)
    question = f"Làm thế nào để nộp hồ sơ thay cho người thân ({uuid.uuid4().hex[:6]})?"
    bad = web.post("/can-bo/tro-giup/hoi-dap", data={"csrf_token": token, "question": question, "answer": "",
                                                      "topic": "Nộp hồ sơ", "position": "mười"})
    assert bad.status_code == 422
    assert 'href="#f-answer"' in bad.text and 'href="#f-position"' in bad.text
    assert f'value="{question}"' in bad.text.replace("&#39;", "'") and 'value="Nộp hồ sơ"' in bad.text
    answer = "Người nộp khai thông tin của người được ủy quyền ở bước 1 và đính kèm giấy ủy quyền."
    r = web.post("/can-bo/tro-giup/hoi-dap", data={"csrf_token": token, "question": question, "answer": answer,
                                                    "topic": "Nộp hồ sơ", "position": "5"})
    assert "Đã thêm câu hỏi" in flash_of(r)
    public = text_of(web.get("/hoi-dap").text)
    assert question in public and answer in public

    page = web.get("/can-bo/tro-giup").text
    entry = re.search(r'href="(/can-bo/tro-giup/hoi-dap/[0-9a-f-]{36})">' + re.escape(question), page)
    assert entry, "the new question is listed with a link to edit it"
    edit = web.get(entry.group(1))
    assert edit.status_code == 200 and answer in edit.text
    empty = web.post(entry.group(1), data={"csrf_token": token, "question": "Hỏi", "answer": answer, "position": "5"})
    assert empty.status_code == 422 and 'href="#f-question"' in empty.text and answer in empty.text
    changed = answer + " Giấy ủy quyền phải được chứng thực."
    r = web.post(entry.group(1), data={"csrf_token": token, "question": question, "answer": changed,
                                       "topic": "Nộp hồ sơ", "position": "5"})
    assert "Đã lưu câu hỏi" in flash_of(r)
    assert changed in text_of(web.get("/hoi-dap").text)
    r = web.post(entry.group(1), data={"csrf_token": token, "xoa": "1"})
    assert "Đã xóa câu hỏi" in flash_of(r)
    assert question not in text_of(web.get("/hoi-dap").text)
    assert web.get(entry.group(1)).status_code == 404
    assert web.get("/can-bo/tro-giup/hoi-dap/khong-phai-ma").status_code == 404


def test_an_editor_announces_on_the_home_page_then_withdraws_it(web: httpx.Client) -> None:
    console_login(web, "bientap")
    token = csrf_of(web.get("/can-bo/tro-giup").text)
    title = f"Tạm ngừng tiếp nhận trực tuyến để bảo trì ({uuid.uuid4().hex[:6]})"
    body = "Hệ thống bảo trì từ 22 giờ đến 23 giờ; hồ sơ đã nộp không bị ảnh hưởng."
    bad = web.post("/can-bo/tro-giup/thong-bao", data={"csrf_token": token, "title": title, "body": body,
                                                       "shown_from": "32/13/2026", "shown_until": ""})
    assert bad.status_code == 422 and 'href="#f-shown-from"' in bad.text and body in bad.text
    backwards = web.post("/can-bo/tro-giup/thong-bao", data={"csrf_token": token, "title": title, "body": body,
                                                             "shown_from": "10/01/2027", "shown_until": "01/01/2027"})
    assert backwards.status_code == 422 and 'href="#f-shown-until"' in backwards.text
    r = web.post("/can-bo/tro-giup/thong-bao", data={"csrf_token": token, "title": title, "body": body,
                                                     "shown_from": "", "shown_until": ""})
    assert "Đã đăng thông báo" in flash_of(r)
    assert title in text_of(web.get("/").text)
    page = web.get("/can-bo/tro-giup").text
    withdraw = re.search(r'action="(/can-bo/tro-giup/thong-bao/[0-9a-f-]{36}/go)"[^<]*<input[^>]*>\s*<button[^>]*>'
                         r'Gỡ thông báo “' + re.escape(title), page)
    assert withdraw, "the announcement has its withdraw button"
    assert "Đã gỡ thông báo" in flash_of(web.post(withdraw.group(1), data={"csrf_token": token}))
    assert title not in text_of(web.get("/").text)


def test_the_help_pages_in_the_browser_pass_axe_on_a_phone(base_url: str, tmp_path: object) -> None:
    """By label and role: an error state and the saved state, axe-core on each, no horizontal scroll at 360 px."""
    from pathlib import Path

    import test_console_admin_browser as kit
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=kit.CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])
        v = kit.Officer(browser, base_url, Path(str(tmp_path)), width=360)
        page = v.page
        v.log_in("bientap")
        page.get_by_role("navigation", name="Chức năng cán bộ").get_by_role("link", name="Hỏi đáp, thông báo").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Hỏi đáp và thông báo")
        v.check("help")
        question = f"Tra cứu hồ sơ bằng mã ở đâu ({uuid.uuid4().hex[:6]})?"
        page.get_by_label("Câu hỏi").fill(question)
        page.get_by_role("button", name="Thêm câu hỏi").click()
        expect(page.get_by_role("alert")).to_contain_text("Trả lời")
        expect(page.get_by_label("Câu hỏi")).to_have_value(question)
        v.check("help-faq-error")
        page.get_by_label("Trả lời", exact=False).first.fill("Vào mục Tra cứu hồ sơ trên trang chủ và nhập mã hồ sơ.")
        page.get_by_role("button", name="Thêm câu hỏi").click()
        expect(page.get_by_role("status")).to_contain_text("Đã thêm câu hỏi")
        page.get_by_role("link", name=question).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Sửa câu hỏi")
        v.check("help-faq-edit")
        page.get_by_role("button", name="Xóa câu hỏi này khỏi trang Hỏi đáp").click()
        expect(page.get_by_role("status")).to_contain_text("Đã xóa câu hỏi")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert v.other_origins() == []
        v.close()
        browser.close()
