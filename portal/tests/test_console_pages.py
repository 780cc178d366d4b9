"""The officer console over HTTP, as a browser without JavaScript: its own login (citizens refused), menus built
from the officer's roles, 404 for pages and dossiers outside the officer's roles or agency."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import httpx
import pytest
from portal_testing import officer

pytestmark = pytest.mark.e2e


@pytest.fixture
def web(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=30, follow_redirects=False) as client:
        yield client


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "the page has no CSRF field"
    return m.group(1)


def console_login(web: httpx.Client, username: str, password: str = "CanBo@2026", *,
                  tiep: str = "/can-bo/") -> httpx.Response:
    page = web.get("/can-bo/dang-nhap")
    assert page.status_code == 200
    return web.post("/can-bo/dang-nhap", data={"username": username, "password": password, "tiep": tiep,
                                               "csrf_token": csrf_of(page.text)})


def menu_of(html: str) -> list[str]:
    nav = re.search(r'<nav aria-label="Chức năng cán bộ".*?</nav>', html, re.S)
    return re.findall(r">([^<]+)</a>", nav.group(0)) if nav else []


def test_anonymous_visitors_go_to_the_console_login(web: httpx.Client) -> None:
    r = web.get("/can-bo/")
    assert r.status_code == 303 and r.headers["location"].startswith("/can-bo/dang-nhap?tiep=/can-bo/")
    page = web.get("/can-bo/dang-nhap")
    assert "<h1>Đăng nhập trang cán bộ</h1>" in page.text and menu_of(page.text) == []


def test_citizens_are_refused_at_the_console_login(web: httpx.Client) -> None:
    r = console_login(web, "congdan1", "CongDan@2026")
    assert r.status_code == 422
    assert "Đây là tài khoản công dân" in r.text and 'href="#f-username"' in r.text and 'value="congdan1"' in r.text
    assert "dvc_session" not in r.headers.get("set-cookie", "") or web.get("/ho-so").status_code == 303
    # a citizen logged in on the citizen portal finds no console page
    page = web.get("/dang-nhap")
    web.post("/dang-nhap", data={"username": "congdan1", "password": "CongDan@2026", "csrf_token": csrf_of(page.text)})
    assert web.get("/ho-so").status_code == 200
    for path in ("/can-bo/", "/can-bo/tiep-nhan", "/can-bo/xu-ly", "/can-bo/tra-cuu"):
        r = web.get(path)
        assert r.status_code == 404, path
        assert "Không tìm thấy trang" in r.text and menu_of(r.text) == []


def test_menu_follows_the_roles_and_logout(web: httpx.Client) -> None:
    r = console_login(web, "tiepnhan.stp")
    assert r.status_code == 303 and r.headers["location"] == "/can-bo/"
    home = web.get("/can-bo/")
    assert home.status_code == 200 and "<h1>Tổng quan</h1>" in home.text
    assert menu_of(home.text)[:3] == ["Tổng quan", "Tiếp nhận hồ sơ", "Trả kết quả"]
    assert "Sở Tư pháp" in home.text
    r = web.post("/can-bo/dang-xuat", data={"csrf_token": csrf_of(home.text)})
    assert r.status_code == 303 and r.headers["location"].startswith("/can-bo/dang-nhap")
    assert web.get("/can-bo/").status_code == 303

    assert console_login(web, "chuyenvien.stp").status_code == 303
    home = web.get("/can-bo/")
    menu = menu_of(home.text)
    assert "Xử lý hồ sơ" in menu and "Tra cứu hồ sơ" in menu and "Tiếp nhận hồ sơ" not in menu
    # a page group of another role does not exist for this officer
    assert web.get("/can-bo/tiep-nhan").status_code == 404
    assert web.get("/can-bo/khong-co-trang-nay").status_code == 404


def test_an_officer_created_by_the_admin_logs_in_with_their_agency(web: httpx.Client, base_url: str) -> None:
    officer(base_url, "000.00.02.H19", "leader")  # leader.0000002h19
    r = console_login(web, "leader.0000002h19", "CanBo@2026x", tiep="//evil.example/")
    assert r.status_code == 303 and r.headers["location"] == "/can-bo/"
    home = web.get("/can-bo/")
    assert "Sở Kế hoạch và Đầu tư" in home.text and "Lãnh đạo" in home.text


def test_desk_decisions_errors_fee_and_forms_over_http(web: httpx.Client, base_url: str) -> None:
    from portal_testing import LLTP, citizen_dossier

    n = uuid.uuid4().int
    person = {"username": f"cb{n % 10**8}", "password": "MatKhau@2026", "full_name": "Ngô Thị Lan",
              "id_number": f"0754{n % 10**8:08d}", "phone": f"09{n % 10**8:08d}", "email": f"lan{n % 10**6}@example.vn"}
    code = citizen_dossier(base_url, person, LLTP, return_method="counter")
    refused = citizen_dossier(base_url, {**person, "username": person["username"] + "b",
                                         "id_number": f"0755{n % 10**8:08d}"}, LLTP, return_method="counter")
    assert console_login(web, "tiepnhan.stp").status_code == 303
    queue = web.get("/can-bo/tiep-nhan", params={"q": "ngo thi lan"})
    assert queue.status_code == 200 and f'href="/can-bo/ho-so/{code}"' in queue.text
    assert "Hạn kiểm tra (8 giờ làm việc)" in queue.text
    page = web.get(f"/can-bo/ho-so/{code}")
    assert page.status_code == 200 and "<iframe" in page.text and "Ngô Thị Lan" in page.text
    token = csrf_of(page.text)
    # the file shown in the frame comes from the portal itself and may be framed by it only
    file_url = re.search(r'<iframe class="doc-view" src="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    doc = web.get(file_url)
    assert doc.status_code == 200 and doc.headers["content-type"] == "application/pdf"
    assert "frame-ancestors 'self'" in doc.headers["content-security-policy"]
    assert doc.headers["x-frame-options"] == "SAMEORIGIN" and doc.headers["content-disposition"].startswith("inline")
    assert web.get(file_url, params={"tai": "1"}).headers["content-disposition"].startswith("attachment")
    # nothing asked: the error beside its field, what was typed kept, the dossier unchanged
    r = web.post(f"/can-bo/ho-so/{code}/tiep-nhan", data={
        "csrf_token": token, "decision": "request_supplement", "request_supplement.missing_items": "",
        "request_supplement.note": "Gọi điện trước khi đến"})
    assert r.status_code == 422 and 'id="f-request-supplement-missing-items-error"' in r.text
    assert ">Gọi điện trước khi đến</textarea>" in r.text and "Mới đăng ký" in r.text
    r = web.post(f"/can-bo/ho-so/{refused}/tiep-nhan", data={
        "csrf_token": token, "decision": "refuse", "refuse.reason": "Không thuộc thẩm quyền"})
    assert r.status_code == 303 and r.headers["location"].startswith(f"/can-bo/ho-so/{refused}?mau=03")
    form03 = web.get(f"/can-bo/ho-so/{refused}/mau/03")
    assert form03.status_code == 200 and form03.content.startswith(b"%PDF")
    r = web.post(f"/can-bo/ho-so/{code}/tiep-nhan", data={"csrf_token": token, "decision": "accept",
                                                         "accept.note": "Đủ"})
    assert r.status_code == 303
    page = web.get(r.headers["location"])
    assert "Đã tiếp nhận hồ sơ" in page.text and "Đã tiếp nhận" in page.text and "(mẫu 01)" in page.text
    assert web.get(f"/can-bo/ho-so/{code}/mau/01").content.startswith(b"%PDF")
    # the fee at the counter: a wrong amount named, then the whole remaining amount recorded
    r = web.post(f"/can-bo/ho-so/{code}/thu-phi", data={"csrf_token": token, "fee.amount": "abc",
                                                        "fee.receipt_no": "BL-7"})
    assert r.status_code == 422 and 'id="f-fee-amount-error"' in r.text and 'value="BL-7"' in r.text
    r = web.post(f"/can-bo/ho-so/{code}/thu-phi", data={"csrf_token": token, "fee.amount": "",
                                                        "fee.receipt_no": "BL-7"})
    assert r.status_code == 303, r.text
    page = web.get(r.headers["location"])
    assert "Đã ghi nhận khoản thu 200.000 đồng" in page.text and "Ghi nhận đã thu" not in page.text
    assert "hệ thống đã trả kết quả" not in page.text  # paid before any result: nothing handed over
    # an officer of another agency: the dossier's pages do not exist
    web.post("/can-bo/dang-xuat", data={"csrf_token": csrf_of(page.text)})
    assert console_login(web, "tiepnhan.skhdt").status_code == 303
    for path in (f"/can-bo/ho-so/{code}", f"/can-bo/xu-ly/{code}", f"/can-bo/ho-so/{code}/mau/01", file_url):
        assert web.get(path).status_code == 404, path
    r = web.post(f"/can-bo/ho-so/{code}/tiep-nhan", data={"csrf_token": csrf_of(web.get("/can-bo/").text),
                                                         "decision": "accept"})
    assert r.status_code == 404


def test_search_and_task_lists_over_http(web: httpx.Client, base_url: str) -> None:
    from portal_testing import LLTP, citizen_dossier

    n = uuid.uuid4().int
    code = citizen_dossier(base_url, {"username": f"tc{n % 10**8}", "password": "MatKhau@2026",
                                      "full_name": "Đặng Thị Thu", "id_number": f"0756{n % 10**8:08d}",
                                      "phone": f"09{n % 10**8:08d}", "email": ""}, LLTP, return_method="counter")
    assert console_login(web, "chuyenvien.stp").status_code == 303
    for which in ("cua-toi", "chua-nhan", "tat-ca"):
        r = web.get("/can-bo/xu-ly", params={"danh-sach": which})
        assert r.status_code == 200 and 'aria-current="page">Việc' in r.text.replace("Tất cả việc", "Việc")
    found = web.get("/can-bo/tra-cuu", params={"q": "dang thi thu", "trang-thai": "submitted", "sap-xep": "code"})
    assert found.status_code == 200 and "<caption>" in found.text and f'href="/can-bo/ho-so/{code}"' in found.text
    assert "sap-xep=-code" in found.text  # the sorted column's link sorts the other way
    bad = web.get("/can-bo/tra-cuu", params={"tu-ngay": "31/02/2026", "q": "nguyen"})
    assert bad.status_code == 422 and 'href="#f-tu-ngay"' in bad.text and 'value="nguyen"' in bad.text
