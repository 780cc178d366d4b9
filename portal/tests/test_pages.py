"""The portal's pages fetched through the gateway as a browser without JavaScript would: public pages, the
session cookie, CSRF on every POST, the security headers and no reference to another origin."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import httpx
import pytest
from portal_testing import LLTP, MARRIAGE, PDF, citizen_dossier, officer

from devkit import devstack
from devkit.stackrun import Platform
from portal.app import PAGES

pytestmark = pytest.mark.e2e


@pytest.fixture
def web(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=30, follow_redirects=False) as client:
        yield client


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "the page has no CSRF field"
    return m.group(1)


def register_and_log_in(web: httpx.Client) -> dict[str, str]:
    n = uuid.uuid4().int
    person = {"username": f"web{n % 10**8}", "password": "MatKhau@2026", "full_name": "Đỗ Văn Minh",
              "id_number": f"0752{n % 10**8:08d}", "phone": f"09{n % 10**8:08d}", "email": ""}
    page = web.get("/dang-ky")
    r = web.post("/dang-ky", data={**person, "password2": person["password"], "csrf_token": csrf_of(page.text)})
    assert r.status_code == 303, r.text
    page = web.get("/dang-nhap")
    r = web.post("/dang-nhap", data={"username": person["username"], "password": person["password"],
                                     "csrf_token": csrf_of(page.text), "tiep": "/ho-so"})
    assert r.status_code == 303 and r.headers["location"] == "/ho-so"
    return person


def test_public_pages_search_and_procedure(web: httpx.Client) -> None:
    home = web.get("/")
    assert home.status_code == 200 and "text/html" in home.headers["content-type"]
    assert "Tra cứu hồ sơ" in home.text and "Lĩnh vực" in home.text
    found = web.get("/thu-tuc", params={"q": "dang ky ket hon"})
    assert found.status_code == 200
    assert f'href="/thu-tuc/{MARRIAGE}">Đăng ký kết hôn</a>' in found.text
    # filters and pagination keep each other
    by_level = web.get("/thu-tuc", params={"muc-do": "3", "trang": "2"})
    assert by_level.status_code == 200 and "trang 2/" in by_level.text
    assert 'option value="3" selected' in by_level.text and "muc-do=3&amp;trang=1" in by_level.text
    page = web.get(f"/thu-tuc/{MARRIAGE}")
    assert page.status_code == 200
    assert '<meta name="DC.title" content="Đăng ký kết hôn">' in page.text
    assert '<meta name="DC.identifier"' in page.text and "Nộp hồ sơ trực tuyến" in page.text
    for heading in ("Trình tự thực hiện", "Thành phần hồ sơ", "Thời hạn giải quyết", "Phí, lệ phí",
                    "Căn cứ pháp lý", "Cơ quan thực hiện", "Đối tượng thực hiện", "Tình hình giải quyết"):
        assert heading in page.text, heading
    assert web.get("/thu-tuc/khong-co-thu-tuc-nay").status_code == 404


def test_headers_and_no_other_origin(web: httpx.Client) -> None:
    for path in ("/", "/thu-tuc?q=ho+tich", f"/thu-tuc/{MARRIAGE}", "/dang-nhap", "/dang-ky", "/tra-cuu",
                 "/kha-nang-tiep-can", "/khong-co"):
        r = web.get(path)
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp
        # every src/href is this site's own (mailto:/tel: are not requests)
        for url in re.findall(r'(?:src|href|action)="([^"]+)"', r.text):
            assert url.startswith(("/", "#", "mailto:", "tel:", "?")) or url == "http://purl.org/dc/elements/1.1/", \
                (path, url)
        assert "<script>" not in r.text and "style=" not in r.text, path
    css = web.get("/static/portal.css")
    assert css.status_code == 200 and "max-age=31536000" in css.headers["cache-control"]
    assert "url(http" not in css.text and "@import" not in css.text
    font = web.get("/static/fonts/be-vietnam-pro-400.ttf")
    assert font.status_code == 200 and font.headers["content-type"] == "font/ttf"


def test_session_cookie_logout_and_profile(web: httpx.Client) -> None:
    assert web.get("/ho-so").headers["location"].startswith("/dang-nhap?tiep=/ho-so")
    login_page = web.get("/dang-nhap")
    cookie = login_page.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax") and "Path=/" in cookie
    person = register_and_log_in(web)
    assert "dvc_session" in web.cookies and person["username"] not in web.cookies["dvc_session"]
    profile = web.get("/tai-khoan")
    assert profile.status_code == 200 and person["id_number"] in profile.text and "Bearer" not in profile.text
    assert web.get("/ho-so").status_code == 200
    stolen = web.cookies["dvc_session"]
    r = web.post("/dang-xuat", data={"csrf_token": csrf_of(profile.text)})
    assert r.status_code == 303
    # the old cookie is worth nothing once logged out
    with httpx.Client(base_url=str(web.base_url), cookies={"dvc_session": stolen}) as other:
        assert other.get("/ho-so").status_code == 303


def test_wrong_login_keeps_the_username_and_names_the_field(web: httpx.Client) -> None:
    page = web.get("/dang-nhap")
    r = web.post("/dang-nhap", data={"username": "congdan1", "password": "sai-mat-khau-1",
                                     "csrf_token": csrf_of(page.text)})
    assert r.status_code == 422
    assert 'value="congdan1"' in r.text and 'href="#f-password"' in r.text and 'aria-invalid="true"' in r.text


def post_routes() -> list[str]:
    routes = {r.path for router in PAGES for r in router.routes if "POST" in getattr(r, "methods", set())}
    assert all(any(getattr(d.dependency, "__name__", "") == "check_csrf" for d in router.dependencies)
               for router in PAGES)
    return sorted(routes)


def test_every_post_without_the_csrf_token_is_refused(web: httpx.Client) -> None:
    routes = post_routes()
    assert "/dang-nhap" in routes and "/nop-ho-so/{code}/{slug}" in routes and len(routes) >= 8
    register_and_log_in(web)
    real = csrf_of(web.get("/tai-khoan").text)
    values = {"code": MARRIAGE, "slug": "thong-tin", "notification_id": "1", "username": "admin",
              "fingerprint": "ab" * 32, "delivery_id": "1", "feedback_id": "1", "seq": "1",
              "entry_id": str(uuid.uuid4()), "item_id": str(uuid.uuid4())}
    for route in routes:
        path = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], route)
        for data in ({}, {"csrf_token": "gia-mao"}, {"csrf_token": ""}):
            r = web.post(path, data={**data, "reason": "x", "username": "congdan1", "password": "x"})
            assert r.status_code == 403, (route, data, r.status_code)
            assert "Yêu cầu không hợp lệ" in r.text and "text/html" in r.headers["content-type"]
        # a header token must be the session's own too
        assert web.post(path, headers={"X-CSRF-Token": real[::-1]}).status_code == 403
    # the session is still there: a real token works
    assert web.post("/dang-xuat", data={"csrf_token": real}).status_code == 303


def test_tracking_page_has_no_personal_data(web: httpx.Client, base_url: str) -> None:
    assert web.get("/tra-cuu", params={"ma": "000.00.15.H19-261127-0001"}).headers["location"] == \
        "/tra-cuu/000.00.15.H19-261127-0001"
    missing = web.get("/tra-cuu/000.00.15.H19-991231-9999")
    assert missing.status_code == 404 and "Không tìm thấy hồ sơ" in missing.text
    bad = web.get("/tra-cuu", params={"ma": "<script>"})
    assert bad.status_code == 422 and "&lt;script&gt;" in bad.text


def test_supplement_and_withdraw_from_the_dossier_page(web: httpx.Client, base_url: str) -> None:
    n = uuid.uuid4().int
    person = {"username": f"bs{n % 10**8}", "password": "MatKhau@2026", "full_name": "Lê Văn Tâm",
              "id_number": f"0753{n % 10**8:08d}", "phone": f"09{n % 10**8:08d}", "email": f"tam{n % 10**6}@example.vn"}
    code = citizen_dossier(base_url, person, LLTP)
    reception = {**officer(base_url, "000.00.15.H19"), "Idempotency-Key": f"bs-{code}"}
    r = httpx.post(f"{base_url}/api/v1/dossiers/{code}/reception", headers=reception, timeout=30,
                   json={"decision": "request_supplement", "note": "Ảnh chụp mờ",
                         "missing_items": ["Bản sao CCCD rõ nét"]})
    assert r.status_code == 200, r.text
    page = web.get("/dang-nhap")
    r = web.post("/dang-nhap", data={"username": person["username"], "password": person["password"],
                                     "csrf_token": csrf_of(page.text)})
    assert r.status_code == 303
    page = web.get(f"/ho-so/{code}")
    assert page.status_code == 200 and "Bổ sung hồ sơ" in page.text and "Bản sao CCCD rõ nét" in page.text
    token = csrf_of(page.text)
    # a file whose content is not an accepted type: the error at its field, the dossier unchanged
    bad = web.post(f"/ho-so/{code}/bo-sung", data={"csrf_token": token, "note": "Gửi lại"},
                   files={"documents.TP2": ("cccd.pdf", b"MZ\x90\x00not a pdf at all", "application/pdf")})
    assert bad.status_code == 422 and 'id="f-documents-TP2-error"' in bad.text and ">Gửi lại</textarea>" in bad.text
    good = web.post(f"/ho-so/{code}/bo-sung", data={"csrf_token": token, "note": "Gửi lại"},
                    files={"documents.TP2": ("cccd.pdf", PDF, "application/pdf")})
    assert good.status_code == 303, good.text
    page = web.get(f"/ho-so/{code}")
    assert "Bổ sung hồ sơ" not in page.text and "Mới đăng ký" in page.text
    empty = web.post(f"/ho-so/{code}/rut", data={"csrf_token": token, "reason": ""})
    assert empty.status_code == 422 and "Nhập lý do rút hồ sơ." in empty.text
    assert web.post(f"/ho-so/{code}/rut", data={"csrf_token": token, "reason": "Nộp nhầm"}).status_code == 303
    page = web.get(f"/ho-so/{code}")
    assert "Đã rút hồ sơ" in page.text and "Rút hồ sơ</button>" not in page.text
    inbox = web.get("/thong-bao")
    assert inbox.status_code == 200 and "<h1>Thông báo</h1>" in inbox.text


def test_an_expired_access_token_is_renewed_with_the_refresh_token(web: httpx.Client, platform: Platform) -> None:
    """Access tokens live minutes; the portal keeps the person logged in with the gateway's refresh token
    (rotated: each renewal gets a new one)."""
    import asyncio

    import asyncpg

    person = register_and_log_in(web)
    url = devstack.database_url_for(platform.admin_url, "dvc_portal").replace("postgresql+asyncpg://", "postgresql://")

    async def session_row(expire: bool) -> tuple[str, object]:
        conn = await asyncpg.connect(url)
        try:
            if expire:
                await conn.execute("UPDATE web_sessions SET token_expires_at = now() - interval '1 second' "
                                   "WHERE username = $1", person["username"])
            row = await conn.fetchrow("SELECT refresh_token, token_expires_at FROM web_sessions WHERE username = $1",
                                      person["username"])
            return row["refresh_token"], row["token_expires_at"]
        finally:
            await conn.close()

    before, _ = asyncio.run(session_row(expire=True))
    assert before
    assert web.get("/ho-so").status_code == 200  # still logged in
    after, expires = asyncio.run(session_row(expire=False))
    assert expires is not None
    assert after and after != before
    assert web.get("/tai-khoan").status_code == 200


def test_forgotten_password_by_emailed_code_then_changed_on_the_profile(web: httpx.Client, platform: Platform) -> None:
    """Quên mật khẩu: the code arrives by email with the link to the reset page; a wrong code is named at its
    field; the new password logs in. Đổi mật khẩu: a wrong current password is named, then the change ends
    every session (the old cookie is worth nothing) and the new password logs in."""
    import time

    n = uuid.uuid4().int
    person = {"username": f"mk{n % 10**8}", "password": "MatKhau@2026", "full_name": "Vũ Thị Hạnh",
              "id_number": f"0754{n % 10**8:08d}", "phone": f"09{n % 10**8:08d}",
              "email": f"hanh{n % 10**8}@example.vn"}
    page = web.get("/dang-ky")
    r = web.post("/dang-ky", data={**person, "password2": person["password"], "csrf_token": csrf_of(page.text)})
    assert r.status_code == 303, r.text
    login = web.get("/dang-nhap")
    assert 'href="/quen-mat-khau"' in login.text

    page = web.get("/quen-mat-khau")
    empty = web.post("/quen-mat-khau", data={"csrf_token": csrf_of(page.text), "username": ""})
    assert empty.status_code == 422 and 'href="#f-username"' in empty.text
    sent = web.post("/quen-mat-khau", data={"csrf_token": csrf_of(page.text), "username": person["username"].upper()})
    assert sent.status_code == 303 and sent.headers["location"].startswith(
        f"/quen-mat-khau/dat-lai?tai-khoan={person['username']}")
    deadline = time.monotonic() + 60
    while not (mails := [m for m in platform.mails_to(person["email"]) if m["Subject"].startswith("Mã xác nhận")]):
        assert time.monotonic() < deadline, "no email with the code"
        time.sleep(0.2)
    body = mails[-1].get_content()
    code = mails[-1]["Subject"].split()[3]
    assert f"/quen-mat-khau/dat-lai?tai-khoan={person['username']}" in body

    reset = web.get(sent.headers["location"])
    assert f'value="{person["username"]}"' in reset.text
    form = {"csrf_token": csrf_of(reset.text), "username": person["username"], "new_password": "DatLai@2027",
            "new_password2": "DatLai@2027"}
    wrong = web.post("/quen-mat-khau/dat-lai", data={**form, "code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 422 and 'href="#f-code"' in wrong.text and "DatLai@2027" not in wrong.text
    mismatch = web.post("/quen-mat-khau/dat-lai", data={**form, "code": code, "new_password2": "Khac@2027"})
    assert mismatch.status_code == 422 and 'href="#f-new-password2"' in mismatch.text
    # the wrong code above used up a try, not the code: the right one still works once
    done = web.post("/quen-mat-khau/dat-lai", data={**form, "code": code})
    assert done.status_code == 303 and done.headers["location"].startswith("/dang-nhap"), done.text
    again = web.post("/quen-mat-khau/dat-lai", data={**form, "code": code, "new_password": "LanHai@2028",
                                                     "new_password2": "LanHai@2028"})
    assert again.status_code == 422

    r = web.post("/dang-nhap", data={"username": person["username"], "password": "DatLai@2027",
                                     "csrf_token": csrf_of(web.get("/dang-nhap").text)})
    assert r.status_code == 303, r.text
    profile = web.get("/tai-khoan")
    assert 'href="/tai-khoan/doi-mat-khau"' in profile.text
    page = web.get("/tai-khoan/doi-mat-khau")
    token = csrf_of(page.text)
    bad = web.post("/tai-khoan/doi-mat-khau", data={"csrf_token": token, "current_password": "Sai@20260",
                                                    "new_password": "DoiMoi@2029", "new_password2": "DoiMoi@2029"})
    assert bad.status_code == 422 and 'href="#f-current-password"' in bad.text
    weak = web.post("/tai-khoan/doi-mat-khau", data={"csrf_token": token, "current_password": "DatLai@2027",
                                                     "new_password": "12345678", "new_password2": "12345678"})
    assert weak.status_code == 422 and 'href="#f-new-password"' in weak.text
    old_cookie = web.cookies["dvc_session"]
    changed = web.post("/tai-khoan/doi-mat-khau", data={"csrf_token": token, "current_password": "DatLai@2027",
                                                        "new_password": "DoiMoi@2029", "new_password2": "DoiMoi@2029"})
    assert changed.status_code == 303 and changed.headers["location"].startswith("/dang-nhap"), changed.text
    with httpx.Client(base_url=str(web.base_url), cookies={"dvc_session": old_cookie}) as other:
        assert other.get("/tai-khoan").status_code == 303
    r = web.post("/dang-nhap", data={"username": person["username"], "password": "DoiMoi@2029",
                                     "csrf_token": csrf_of(web.get("/dang-nhap").text)})
    assert r.status_code == 303
