"""The officer's own account in the console, on the whole platform (real gateway, PostgreSQL, NATS): the account
page, turning the second factor (TOTP) on and logging in with its code, and changing the password; citizens get
404. The set-up an officer must do before anything else outside demo mode is in ``test_console_mfa_setup``."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from portal_testing import Codes, api_token, new_officer
from test_console_admin import console_login, csrf_of, flash_of, text_of

pytestmark = pytest.mark.e2e


@pytest.fixture
def web(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=60, follow_redirects=False) as client:
        yield client


@pytest.fixture
def account(base_url: str) -> tuple[str, str]:
    return new_officer(base_url, api_token(base_url, "admin", "Admin@2026"))


def field_error(page: str, name: str) -> str:
    """The error shown beside a field (the form kit's ``f-<name>-error``), as text; empty when there is none."""
    m = re.search(rf'<p class="field-error" id="f-{name}-error">(.*?)</p>', page, re.S)
    return text_of(m.group(1)).replace("Lỗi:", "").strip() if m else ""


def log_in(web: httpx.Client, username: str, password: str, otp: str = "") -> httpx.Response:
    page = web.get("/can-bo/dang-nhap")
    return web.post("/can-bo/dang-nhap", data={"username": username, "password": password, "otp": otp,
                                               "csrf_token": csrf_of(page.text), "tiep": "/can-bo/"})


def start_set_up(web: httpx.Client) -> tuple[str, Codes]:
    """Asks a new secret on the set-up page: the page, and an authenticator app holding the secret it shows."""
    page = web.get("/can-bo/xac-thuc-hai-lop")
    assert page.status_code == 200 and "Tạo mã QR" in page.text
    shown = web.post("/can-bo/xac-thuc-hai-lop", data={"csrf_token": csrf_of(page.text)})
    assert shown.status_code == 200, shown.text
    uri = html.unescape(re.search(r'name="otpauth_uri" value="([^"]+)"', shown.text).group(1))  # type: ignore[union-attr]
    secret = parse_qs(urlsplit(uri).query)["secret"][0]
    # the QR code inline, named for screen readers; the secret grouped by four for typing by hand
    assert re.search(r'<div class="qr" role="img" aria-label="Mã QR [^"]+"><svg', shown.text)
    assert " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)) in shown.text
    return shown.text, Codes(secret)


def test_an_officer_turns_the_second_factor_on_and_then_needs_the_code(web: httpx.Client,
                                                                         account: tuple[str, str]) -> None:
    username, password = account
    assert log_in(web, username, password).status_code == 303
    home = web.get("/can-bo/")
    assert 'href="/can-bo/tai-khoan"' in home.text  # from the header, beside the name
    page = web.get("/can-bo/tai-khoan")
    text = text_of(page.text)
    for shown in ("Trần Thị Bảo Mật", username, "Sở Tư pháp", "Phòng Hành chính tư pháp", "Chuyên viên xử lý",
                  "Xác thực hai lớp Chưa bật"):
        assert shown in text, shown
    shown, app = start_set_up(web)
    assert "Xác nhận trước" not in shown  # an officer's session goes on (refreshed) while they set it up
    token = csrf_of(shown)
    uri = html.unescape(re.search(r'name="otpauth_uri" value="([^"]+)"', shown).group(1))  # type: ignore[union-attr]
    for typed, said in ((app.wrong(), "Mã OTP không đúng."), ("12ab", "Mã OTP gồm 6 chữ số."),
                        ("", "Nhập mã 6 chữ số")):
        r = web.post("/can-bo/xac-thuc-hai-lop/xac-nhan", data={"csrf_token": token, "otpauth_uri": uri, "otp": typed})
        assert r.status_code == 422 and said in field_error(r.text, "otp"), (typed, r.text)
        assert 'href="#f-otp"' in r.text and 'class="qr"' in r.text  # the summary, and the same QR to scan again
    r = web.post("/can-bo/xac-thuc-hai-lop/xac-nhan", data={"csrf_token": token, "otpauth_uri": uri, "otp": app.next()})
    assert r.headers["location"].startswith("/can-bo/tai-khoan") and "Đã bật xác thực hai lớp" in flash_of(r)
    assert "Xác thực hai lớp Đã bật" in text_of(web.get("/can-bo/tai-khoan").text)  # the session goes on

    assert web.post("/can-bo/dang-xuat", data={"csrf_token": token}).status_code == 303
    refused = log_in(web, username, password)
    assert refused.status_code == 422
    assert "xác thực hai lớp" in field_error(refused.text, "otp") and 'href="#f-otp"' in refused.text
    assert not field_error(refused.text, "password") and password not in refused.text
    wrong = log_in(web, username, password, app.wrong())
    assert wrong.status_code == 422 and "Mã OTP không đúng hoặc đã dùng" in field_error(wrong.text, "otp")
    code = app.next()
    assert log_in(web, username, password, code[:3] + " " + code[3:]).status_code == 303  # as the app shows it
    assert "Tổng quan" in web.get("/can-bo/").text
    # the set-up page says so instead of a new secret
    again = web.get("/can-bo/xac-thuc-hai-lop")
    assert again.headers["location"].startswith("/can-bo/tai-khoan")


def test_an_officer_changes_the_password_and_logs_in_again(web: httpx.Client, account: tuple[str, str]) -> None:
    username, password = account
    console_login(web, username, password)
    token = csrf_of(web.get("/can-bo/tai-khoan").text)
    new = "DoiMatKhau@2027"
    for data, name, said in (
        ({"current_password": "Sai@2026", "new_password": new, "new_password2": new}, "current-password",
         "Mật khẩu hiện tại không đúng"),
        ({"current_password": password, "new_password": new, "new_password2": new + "x"}, "new-password2",
         "không giống nhau"),
        ({"current_password": password, "new_password": "ngan", "new_password2": "ngan"}, "new-password", ""),
    ):
        r = web.post("/can-bo/tai-khoan/doi-mat-khau", data={"csrf_token": token, **data})
        assert r.status_code == 422 and said in field_error(r.text, name) and field_error(r.text, name), r.text
        assert f'href="#f-{name}"' in r.text and password not in r.text and new not in r.text
        assert "Trần Thị Bảo Mật" in text_of(r.text)  # the account page around the form
    r = web.post("/can-bo/tai-khoan/doi-mat-khau",
                 data={"csrf_token": token, "current_password": password, "new_password": new, "new_password2": new})
    assert r.headers["location"].startswith("/can-bo/dang-nhap") and "Đã đổi mật khẩu" in flash_of(r)
    assert web.get("/can-bo/").headers["location"].startswith("/can-bo/dang-nhap")  # this session ended too
    assert log_in(web, username, password).status_code == 422
    assert log_in(web, username, new).status_code == 303


def test_the_account_pages_are_the_officers_own(web: httpx.Client, base_url: str) -> None:
    assert web.get("/can-bo/tai-khoan").headers["location"].startswith("/can-bo/dang-nhap")
    assert web.get("/can-bo/xac-thuc-hai-lop").headers["location"].startswith("/can-bo/dang-nhap")
    web.post("/dang-nhap", data={"username": "congdan1", "password": "CongDan@2026",
                                 "csrf_token": csrf_of(web.get("/dang-nhap").text)})
    for path in ("/can-bo/tai-khoan", "/can-bo/xac-thuc-hai-lop"):
        assert web.get(path).status_code == 404, path
    token = csrf_of(web.get("/tai-khoan").text)
    assert web.post("/can-bo/xac-thuc-hai-lop", data={"csrf_token": token}).status_code == 404
