"""The console's reports, catalog editing and administration over HTTP, as a browser without JavaScript uses them,
on the whole platform (real services, PostgreSQL, NATS): roles and 404s, CSRF on every form, errors beside their
field with what was typed kept, each action confirmed with the resulting state, and the report downloads."""

from __future__ import annotations

import html
import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from portal_testing import MARRIAGE, PDF, accept, api_token, citizen_dossier

from portal.console import account, admin, catalog, reports

pytestmark = pytest.mark.e2e

STP = "000.00.15.H19"


@pytest.fixture
def web(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=60, follow_redirects=False) as client:
        yield client


def csrf_of(page: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert m, "the page has no CSRF field"
    return m.group(1)


def console_login(web: httpx.Client, username: str, password: str = "CanBo@2026") -> None:
    page = web.get("/can-bo/dang-nhap")
    r = web.post("/can-bo/dang-nhap", data={"username": username, "password": password,
                                            "csrf_token": csrf_of(page.text), "tiep": "/can-bo/"})
    assert r.status_code == 303, r.text


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def flash_of(r: httpx.Response) -> str:
    assert r.status_code == 303, r.text
    m = re.search(r"thong-bao=([^&]+)", r.headers["location"])
    assert m, r.headers["location"]
    from urllib.parse import unquote_plus

    return unquote_plus(m.group(1))


def certificate(cn: str, days: int = 365) -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn), x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=days)).sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


# ---- roles -----------------------------------------------------------------------------------------------------


def test_menus_follow_roles_and_pages_outside_them_are_404(web: httpx.Client) -> None:
    assert web.get("/can-bo/quan-tri/nguoi-dung").status_code == 303  # anonymous: the console's login page
    console_login(web, "chuyenvien.stp")
    home = web.get("/can-bo/bao-cao")
    assert 'href="/can-bo/bao-cao"' in home.text and "/can-bo/quan-tri" not in home.text
    assert 'href="/can-bo/thu-tuc"' not in home.text
    for path in ("/can-bo/quan-tri", "/can-bo/quan-tri/nguoi-dung", "/can-bo/quan-tri/nguoi-dung/admin",
                 "/can-bo/quan-tri/co-quan", "/can-bo/quan-tri/he-thong-mot-cua", "/can-bo/quan-tri/quy-trinh",
                 "/can-bo/quan-tri/gui-thong-bao", "/can-bo/thu-tuc", "/can-bo/thu-tuc/moi",
                 f"/can-bo/thu-tuc/{MARRIAGE}", f"/can-bo/thu-tuc/{MARRIAGE}/lich-su"):
        r = web.get(path)
        assert r.status_code == 404, path
        assert "Không tìm thấy" in r.text, path
    r = web.post("/can-bo/quan-tri/nguoi-dung/moi", data={"csrf_token": csrf_of(home.text), "username": "x"})
    assert r.status_code == 404

    editor = httpx.Client(base_url=str(web.base_url), timeout=60)
    console_login(editor, "bientap")
    home = editor.get("/can-bo/thu-tuc")
    assert 'href="/can-bo/thu-tuc"' in home.text and "/can-bo/quan-tri" not in home.text
    assert editor.get("/can-bo/thu-tuc").status_code == 200
    assert editor.get("/can-bo/quan-tri/nguoi-dung").status_code == 404
    assert editor.get("/can-bo/bao-cao").status_code == 404

    boss = httpx.Client(base_url=str(web.base_url), timeout=60)
    console_login(boss, "admin", "Admin@2026")
    home = boss.get("/can-bo/quan-tri")
    for href in ("/can-bo/quan-tri", "/can-bo/thu-tuc", "/can-bo/bao-cao"):
        assert f'href="{href}"' in home.text, href


def post_routes() -> list[str]:
    paths = []
    for router in (reports.router, catalog.router, admin.router, account.router, account.setup):
        for route in router.routes:
            if "POST" in getattr(route, "methods", set()):
                paths.append(route.path.replace("{code}", MARRIAGE).replace("{username}", "admin")
                             .replace("{fingerprint}", "ab" * 32).replace("{delivery_id}", str(uuid.uuid4())))
    return paths


def test_every_console_form_needs_the_csrf_token(web: httpx.Client) -> None:
    console_login(web, "admin", "Admin@2026")
    paths = post_routes()
    assert len(paths) >= 12 and "/can-bo/tai-khoan/doi-mat-khau" in paths and "/can-bo/xac-thuc-hai-lop" in paths
    for path in paths:
        r = web.post(path, data={"name": "x"})
        assert r.status_code == 403, path
        assert "không hợp lệ" in r.text.lower(), path


# ---- reports ---------------------------------------------------------------------------------------------------


def test_reports_show_indicators_charts_tables_and_download(web: httpx.Client, base_url: str) -> None:
    n = uuid.uuid4().int % 10**8
    person = {"username": f"bc{n}", "password": "MatKhau@2026", "full_name": "Lê Thị Báo Cáo",
              "id_number": f"0753{n:08d}", "phone": f"09{n:08d}", "email": f"bc{n}@example.vn"}
    code = citizen_dossier(base_url, person, "2.000488.000.00.15.H19")
    accept(base_url, code, STP)
    console_login(web, "lanhdao.stp")
    period = datetime.now(UTC).astimezone().strftime("%Y-%m")
    page = web.get("/can-bo/bao-cao", params={"ky": period})
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Sở Tư pháp" in text and "Tỷ lệ hồ sơ giải quyết trước hạn và đúng hạn" in text
    assert page.text.count("<svg") == 4 and page.text.count('role="img"') >= 4
    assert page.text.count("<table") >= 4  # a table beside every chart
    assert "<script>" not in page.text and "style=" not in page.text
    # an officer never reads another agency's report, whatever the address says
    other = web.get("/can-bo/bao-cao", params={"ky": period, "co-quan": "000.00.02.H19"})
    assert "Sở Kế hoạch" not in text_of(other.text).split("Tải toàn bộ báo cáo")[1][:200]
    # the register (form 06) lists the dossier once the statistics have it
    deadline = time.monotonic() + 60
    while True:
        register = web.get("/can-bo/bao-cao/so-theo-doi", params={"ky": period, "q": code})
        if code in register.text or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert code in register.text and "Lê Thị Báo Cáo" in text_of(register.text)
    by_procedure = web.get("/can-bo/bao-cao/thu-tuc", params={"ky": period, "q": "ly lich tu phap"})
    assert "Cấp Phiếu lý lịch tư pháp" in text_of(by_procedure.text)
    for fmt, media, magic in (("ods", "application/vnd.oasis.opendocument.spreadsheet", b"PK"),
                              ("csv", "text/csv", b"\xef\xbb\xbf"), ("pdf", "application/pdf", b"%PDF")):
        r = web.get("/can-bo/bao-cao/tai-ve", params={"ky": period, "dinh-dang": fmt})
        assert r.status_code == 200, fmt
        assert r.headers["content-type"].startswith(media), fmt
        assert r.content.startswith(magic), fmt
        assert "attachment" in r.headers["content-disposition"], fmt
    csv = web.get("/can-bo/bao-cao/tai-ve", params={"ky": period, "dinh-dang": "csv"}).content.decode("utf-8-sig")
    assert code in csv and "Sở Tư pháp" in csv

    auditor = httpx.Client(base_url=base_url, timeout=60)
    console_login(auditor, "thanhtra")
    province = auditor.get("/can-bo/bao-cao", params={"ky": period})
    assert "Tỉnh Đồng Nai" in text_of(province.text) and 'name="co-quan"' in province.text
    stp = auditor.get("/can-bo/bao-cao", params={"ky": period, "co-quan": STP})
    assert "Sở Tư pháp" in text_of(stp.text)


# ---- catalog editing -------------------------------------------------------------------------------------------


def new_procedure_form(code: str, **changes: str) -> dict[str, str]:
    data = {
        "code": code, "name": "Thủ tục thử nghiệm biên tập", "sector_code": "HOTICH", "level": "3",
        "online_class": "", "agency_code": STP, "effective_date": "01/07/2026",
        "steps": "Nộp hồ sơ\nTiếp nhận và xử lý\nTrả kết quả", "method": "Trực tuyến hoặc trực tiếp",
        "processing_time.value": "5", "processing_time.unit": "working_days", "applicants": "Công dân Việt Nam",
        "result": "Giấy xác nhận", "legal_basis": "Luật Hộ tịch 2014", "requirements": "",
        "online_registration": "Nộp trên Cổng dịch vụ công tỉnh", "guide": "Làm theo hướng dẫn trên cổng",
        "form_names": "", "form_schema": "",
        "documents.0.code": "TP1", "documents.0.name": "Tờ khai", "documents.0.copies": "1",
        "documents.0.required": "1", "fees.0.name": "Lệ phí", "fees.0.amount": "50.000",
    }
    data.update(changes)
    return data


def test_editor_creates_a_procedure_with_errors_at_their_fields_then_edits_it(web: httpx.Client) -> None:
    console_login(web, "bientap")
    page = web.get("/can-bo/thu-tuc/moi")
    token = csrf_of(page.text)
    code = f"9.{uuid.uuid4().int % 10**6:06d}"
    # a broken form schema and a missing guide: both named at their field, nothing typed lost
    broken = '{"type": "object", "properties": {"ho_ten": {"type": "string" "title": "Họ tên"}}}'
    r = web.post("/can-bo/thu-tuc/moi", data={**new_procedure_form(code, form_schema=broken), "csrf_token": token})
    assert r.status_code == 422
    assert 'id="f-form-schema-error"' in r.text and "JSON không hợp lệ ở dòng 1" in r.text
    assert broken in html.unescape(r.text) and "Thủ tục thử nghiệm biên tập" in r.text
    r = web.post("/can-bo/thu-tuc/moi", data={**new_procedure_form(code, guide=""), "csrf_token": token})
    assert r.status_code == 422 and 'id="f-guide-error"' in r.text and "hướng dẫn sử dụng" in r.text
    # a schema the catalog refuses (a type the subset has not): its error at the schema field
    odd = '{"type": "object", "properties": {"anh": {"type": "file", "title": "Ảnh"}}}'
    r = web.post("/can-bo/thu-tuc/moi", data={**new_procedure_form(code, form_schema=odd), "csrf_token": token})
    assert r.status_code == 422 and 'id="f-form-schema-error"' in r.text
    schema = ('{"type": "object", "properties": {"ho_ten": {"type": "string", "title": "Họ và tên"}}, '
              '"required": ["ho_ten"]}')
    r = web.post("/can-bo/thu-tuc/moi", data={**new_procedure_form(code, form_schema=schema), "csrf_token": token})
    assert r.status_code == 303 and r.headers["location"].startswith(f"/can-bo/thu-tuc/{code}")
    assert "phiên bản 1" in flash_of(r)
    created = web.get(f"/api/v1/catalog/procedures/{code}").json()
    assert created["fees"] == [{"name": "Lệ phí", "amount": 50000}]
    assert created["form_schema"]["properties"]["ho_ten"]["title"] == "Họ và tên"

    edit = web.get(f"/can-bo/thu-tuc/{code}")
    assert edit.status_code == 200 and 'value="Thủ tục thử nghiệm biên tập"' in edit.text
    changed = new_procedure_form(code, name="Thủ tục thử nghiệm đã sửa", **{"processing_time.value": "7",
                                 "documents.1.code": "TP2", "documents.1.name": "Bản sao CCCD",
                                 "documents.1.copies": "1", "agencies": STP, "note": "Thêm giấy tờ"})
    changed.pop("code")
    changed["form_schema"] = schema
    changed["revision"] = "1"
    r = web.post(f"/can-bo/thu-tuc/{code}", data={**changed, "csrf_token": token})
    assert "phiên bản 2" in flash_of(r)
    # editing from a stale page: refused, what was typed kept
    r = web.post(f"/can-bo/thu-tuc/{code}", data={**changed, "name": "Sửa muộn", "csrf_token": token})
    assert r.status_code == 422 and "vừa được người khác sửa" in r.text and 'value="Sửa muộn"' in r.text
    history = web.get(f"/can-bo/thu-tuc/{code}/lich-su")
    text = text_of(history.text)
    assert "Phiên bản 2" in text and "Thêm giấy tờ" in text
    assert "Cũ: Thủ tục thử nghiệm biên tập" in text and "Mới: Thủ tục thử nghiệm đã sửa" in text
    assert "Thêm: TP2: Bản sao CCCD" in text and "Thời hạn giải quyết" in text

    # a form template: a closed format refused at the file field, an open one attached
    r = web.post(f"/can-bo/thu-tuc/{code}/mau-don", data={"csrf_token": token, "form_name": "Tờ khai mẫu"},
                 files={"form_file": ("to-khai.exe", b"MZ\x90\x00binary", "application/octet-stream")})
    assert r.status_code == 422 and 'id="f-form-file-error"' in r.text and 'value="Tờ khai mẫu"' in r.text
    r = web.post(f"/can-bo/thu-tuc/{code}/mau-don", data={"csrf_token": token, "form_name": "Tờ khai mẫu"},
                 files={"form_file": ("to-khai.pdf", PDF, "application/pdf")})
    assert "Đã tải lên mẫu “Tờ khai mẫu”" in flash_of(r)
    assert [f["name"] for f in web.get(f"/api/v1/catalog/procedures/{code}").json()["forms"]] == ["Tờ khai mẫu"]

    listed = web.get("/can-bo/thu-tuc", params={"q": "thu tuc thu nghiem da sua"})
    assert f'href="/can-bo/thu-tuc/{code}"' in listed.text


# ---- administration --------------------------------------------------------------------------------------------


def users_api_available(base_url: str) -> bool:
    r = httpx.get(f"{base_url}/api/v1/admin/users", headers=api_token(base_url, "admin", "Admin@2026"), timeout=30)
    return r.status_code == 200


def test_admin_creates_an_officer_changes_roles_disables_and_enables(web: httpx.Client, base_url: str) -> None:
    console_login(web, "admin", "Admin@2026")
    page = web.get("/can-bo/quan-tri/nguoi-dung/moi")
    token = csrf_of(page.text)
    username = f"cb{uuid.uuid4().int % 10**8}"
    form = {"csrf_token": token, "full_name": "Trần Văn Cán Bộ", "username": username, "password": "123",
            "roles": "reception", "agency_code": STP, "phone": "0912 345 678"}
    r = web.post("/can-bo/quan-tri/nguoi-dung/moi", data=form)
    assert r.status_code == 422 and 'id="f-password-error"' in r.text and "8 đến 128" in r.text
    assert 'value="Trần Văn Cán Bộ"' in r.text and 'value="123"' not in r.text
    r = web.post("/can-bo/quan-tri/nguoi-dung/moi", data={**form, "roles": "specialist", "agency_code": ""})
    assert r.status_code == 422 and 'id="f-agency-code-error"' in r.text
    r = web.post("/can-bo/quan-tri/nguoi-dung/moi", data={**form, "password": "CanBo@2026x"})
    assert "Đã tạo tài khoản" in flash_of(r) and "đang hoạt động" in flash_of(r)
    api_token(base_url, username, "CanBo@2026x")
    r = web.post("/can-bo/quan-tri/nguoi-dung/moi", data={**form, "password": "CanBo@2026x"})
    assert r.status_code == 422 and "đã có" in r.text

    if not users_api_available(base_url):
        pytest.skip("the gateway has no GET /api/v1/admin/users yet: listing, editing and disabling wait for it")
    listed = web.get("/can-bo/quan-tri/nguoi-dung", params={"q": username})
    assert f'href="/can-bo/quan-tri/nguoi-dung/{username}"' in listed.text and "Đang hoạt động" in listed.text
    by_role = web.get("/can-bo/quan-tri/nguoi-dung", params={"vai-tro": "auditor"})
    assert "thanhtra" in by_role.text and username not in by_role.text

    r = web.post(f"/can-bo/quan-tri/nguoi-dung/{username}",
                 data={"csrf_token": token, "full_name": "Trần Văn Cán Bộ", "roles": ["reception", "leader"],
                       "agency_code": STP})
    assert "Lãnh đạo" in flash_of(r)
    r = web.post(f"/can-bo/quan-tri/nguoi-dung/{username}", data={"csrf_token": token, "full_name": "", "roles": []})
    assert r.status_code == 422 and 'id="f-roles-error"' in r.text and 'id="f-full-name-error"' in r.text

    r = web.post(f"/can-bo/quan-tri/nguoi-dung/{username}/trang-thai", data={"csrf_token": token, "active": "false"})
    assert "trạng thái đã khóa" in flash_of(r)
    page = web.get(f"/can-bo/quan-tri/nguoi-dung/{username}")
    assert "Đã khóa" in page.text and "Mở khóa tài khoản" in page.text
    refused = httpx.post(f"{base_url}/api/v1/auth/token", timeout=30,
                         data={"grant_type": "password", "username": username, "password": "CanBo@2026x"})
    assert refused.status_code in (400, 401, 403)
    r = web.post(f"/can-bo/quan-tri/nguoi-dung/{username}/trang-thai", data={"csrf_token": token, "active": "true"})
    assert "đang hoạt động" in flash_of(r)
    api_token(base_url, username, "CanBo@2026x")
    # the admin cannot lock themself out
    r = web.post("/can-bo/quan-tri/nguoi-dung/admin/trang-thai", data={"csrf_token": token, "active": "false"})
    assert r.status_code == 422 and "tự khóa" in r.text


def test_admin_adds_an_agency(web: httpx.Client) -> None:
    console_login(web, "admin", "Admin@2026")
    page = web.get("/can-bo/quan-tri/co-quan")
    assert page.status_code == 200 and "Sở Tư pháp" in page.text
    token = csrf_of(page.text)
    r = web.post("/can-bo/quan-tri/co-quan", data={"csrf_token": token, "code": "abc", "name": "Phòng thử nghiệm"})
    assert r.status_code == 422 and 'id="f-code-error"' in r.text and 'value="Phòng thử nghiệm"' in r.text
    code = f"000.{uuid.uuid4().int % 90 + 10}.9{uuid.uuid4().int % 10}.H19"
    r = web.post("/can-bo/quan-tri/co-quan", data={"csrf_token": token, "code": code, "name": "Phòng thử nghiệm",
                                                   "parent_code": "000.00.00.H19"})
    assert f"Đã thêm cơ quan Phòng thử nghiệm ({code})" in flash_of(r)
    listed = web.get("/can-bo/quan-tri/co-quan", params={"q": code})
    assert "Phòng thử nghiệm" in listed.text and "1 cơ quan" in listed.text
    r = web.post("/can-bo/quan-tri/co-quan", data={"csrf_token": token, "code": code, "name": "Lặp lại"})
    assert r.status_code == 422 and 'id="f-code-error"' in r.text

    # its page: edited; the API's refusals beside their fields, what was typed kept; unknown codes are 404
    edit = web.get(f"/can-bo/quan-tri/co-quan/{code}")
    assert edit.status_code == 200 and "Hệ thống một cửa của cơ quan" in edit.text
    fields = {"csrf_token": csrf_of(edit.text), "name": "Phòng thử nghiệm số 2", "parent_code": code,
              "address": "1 Đồng Khởi", "phone": "gọi tôi", "email": ""}
    r = web.post(f"/can-bo/quan-tri/co-quan/{code}", data=fields)
    assert r.status_code == 422 and 'id="f-phone-error"' in r.text and 'value="1 Đồng Khởi"' in r.text
    assert 'id="f-parent_code-error"' not in r.text  # the agency itself is not offered as its parent
    r = web.post(f"/can-bo/quan-tri/co-quan/{code}", data={**fields, "phone": "0251 3822 345", "name": ""})
    assert r.status_code == 422 and 'id="f-name-error"' in r.text
    r = web.post(f"/can-bo/quan-tri/co-quan/{code}", data={**fields, "parent_code": "000.00.15.H19",
                                                           "phone": "0251 3822 345"})
    assert "Đã lưu thông tin cơ quan Phòng thử nghiệm số 2" in flash_of(r) and "0251 3822 345" in flash_of(r)
    saved = web.get(f"/can-bo/quan-tri/co-quan/{code}")
    assert "Sở Tư pháp" in saved.text and "1 Đồng Khởi" in saved.text
    assert web.get("/can-bo/quan-tri/co-quan/000.99.99.H19").status_code == 404
    assert web.post(f"/can-bo/quan-tri/co-quan/{code}", data={"name": "x"}).status_code == 403  # no CSRF token


def test_admin_registers_rotates_and_revokes_a_one_stop_system(web: httpx.Client) -> None:
    console_login(web, "admin", "Admin@2026")
    page = web.get("/can-bo/quan-tri/he-thong-mot-cua/moi")
    token = csrf_of(page.text)
    code = f"motcua-{uuid.uuid4().hex[:8]}"
    form = {"csrf_token": token, "code": code, "name": "Một cửa thử nghiệm", "agency_code": STP,
            "certificate": "không phải chứng thư"}
    r = web.post("/can-bo/quan-tri/he-thong-mot-cua/moi", data=form)
    assert r.status_code == 422 and 'id="f-certificate-error"' in r.text and 'value="Một cửa thử nghiệm"' in r.text
    r = web.post("/can-bo/quan-tri/he-thong-mot-cua/moi", data={**form, "certificate": ""},
                 files={"certificate_file": ("motcua.pem", certificate("motcua").encode(), "application/x-pem-file")})
    assert r.status_code == 201 and "client_secret" in r.text and "Đang hoạt động" in r.text
    secret = re.search(r"client_secret</dt><dd><code>([^<]+)</code>", r.text)
    assert secret and len(secret.group(1)) > 20

    page = web.get(f"/can-bo/quan-tri/he-thong-mot-cua/{code}")
    assert page.status_code == 200 and "Nhật ký đẩy dữ liệu" in page.text and page.text.count("<code>") >= 2
    r = web.post(f"/can-bo/quan-tri/he-thong-mot-cua/{code}/chung-thu",
                 data={"csrf_token": token, "certificate": certificate("motcua-2"), "overlap_hours": "abc"})
    assert r.status_code == 422 and 'id="f-overlap-hours-error"' in r.text
    r = web.post(f"/can-bo/quan-tri/he-thong-mot-cua/{code}/chung-thu",
                 data={"csrf_token": token, "certificate": certificate("motcua-2"), "overlap_hours": "24"})
    assert "Đã thay chứng thư số" in flash_of(r)
    system = web.get(f"/can-bo/quan-tri/he-thong-mot-cua/{code}")
    fingerprints = re.findall(r"/chung-thu/([0-9a-f]{64})/thu-hoi", system.text)
    assert len(fingerprints) == 2
    # revoking asks first, then says what happened
    ask = web.post(f"/can-bo/quan-tri/he-thong-mot-cua/{code}/chung-thu/{fingerprints[0]}/thu-hoi",
                   data={"csrf_token": token})
    assert ask.status_code == 200 and "Không thể hoàn tác" in ask.text and 'name="xac-nhan" value="1"' in ask.text
    r = web.post(f"/can-bo/quan-tri/he-thong-mot-cua/{code}/chung-thu/{fingerprints[0]}/thu-hoi",
                 data={"csrf_token": token, "xac-nhan": "1"})
    assert "không còn tin cậy" in flash_of(r)
    r = web.post(f"/can-bo/quan-tri/he-thong-mot-cua/{code}/thu-hoi",
                 data={"csrf_token": token, "xac-nhan": "1", "reason": "Ngừng sử dụng"})
    assert "trạng thái: đã thu hồi" in flash_of(r)
    listed = web.get("/can-bo/quan-tri/he-thong-mot-cua", params={"q": code, "trang-thai": "revoked"})
    assert code in listed.text and "Đã thu hồi" in listed.text
    assert web.get("/can-bo/quan-tri/he-thong-mot-cua/khong-co-he-thong-nay").status_code == 404


def test_admin_views_and_uploads_a_workflow_definition(web: httpx.Client) -> None:
    console_login(web, "admin", "Admin@2026")
    listed = web.get("/can-bo/quan-tri/quy-trinh", params={"q": "dang ky ket hon"})
    assert f'href="/can-bo/quan-tri/quy-trinh/{MARRIAGE}"' in listed.text
    page = web.get(f"/can-bo/quan-tri/quy-trinh/{MARRIAGE}")
    assert page.status_code == 200 and "bước của quy trình" in page.text
    token = csrf_of(page.text)
    current = re.search(r'<textarea id="f-definition"[^>]*>(.*?)</textarea>', page.text, re.S)
    assert current
    definition = html.unescape(current.group(1))
    r = web.post(f"/can-bo/quan-tri/quy-trinh/{MARRIAGE}", data={"csrf_token": token, "definition": "{ không"})
    assert r.status_code == 422 and 'id="f-definition-error"' in r.text and "{ không" in html.unescape(r.text)
    bad = definition.replace('"start": "', '"start": "khong_co_', 1)
    r = web.post(f"/can-bo/quan-tri/quy-trinh/{MARRIAGE}", data={"csrf_token": token, "definition": bad})
    assert r.status_code == 422 and 'id="f-definition-error"' in r.text
    r = web.post(f"/can-bo/quan-tri/quy-trinh/{MARRIAGE}", data={"csrf_token": token},
                 files={"definition_file": ("quy-trinh.json", definition.encode(), "application/json")})
    assert "Đã lưu quy trình phiên bản" in flash_of(r)
    assert "Phiên bản" in web.get(f"/can-bo/quan-tri/quy-trinh/{MARRIAGE}").text


def test_admin_sees_notification_deliveries_and_a_retry_says_what_happened(web: httpx.Client,
                                                                          base_url: str) -> None:
    n = uuid.uuid4().int % 10**8  # an account of its own: its welcome email is a delivery that gets sent
    person = {"username": f"tb{n}", "password": "MatKhau@2026", "full_name": "Phạm Thị Thư",
              "id_number": f"0754{n:08d}", "phone": f"09{n:08d}", "email": f"tb{n}@example.vn"}
    assert httpx.post(f"{base_url}/api/v1/auth/register", json=person, timeout=30).status_code == 201
    console_login(web, "admin", "Admin@2026")
    failed = web.get("/can-bo/quan-tri/gui-thong-bao")
    assert failed.status_code == 200 and 'option value="failed" selected' in failed.text
    deadline = time.monotonic() + 60
    while True:
        sent = web.get("/can-bo/quan-tri/gui-thong-bao", params={"trang-thai": "sent", "kenh": "email"})
        ids = re.findall(r"<th scope=\"row\">([^<]+)<span", sent.text)
        if ids or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert ids, "no delivery was sent"
    admin_token = api_token(base_url, "admin", "Admin@2026")
    one = httpx.get(f"{base_url}/api/v1/notifications/deliveries", headers=admin_token, timeout=30,
                    params={"status": "sent", "size": 1}).json()["items"][0]
    r = web.post(f"/can-bo/quan-tri/gui-thong-bao/{one['id']}/gui-lai",
                 data={"csrf_token": csrf_of(failed.text), "tiep": "/can-bo/quan-tri/gui-thong-bao?trang-thai=sent"})
    assert r.headers["location"].startswith("/can-bo/quan-tri/gui-thong-bao?trang-thai=sent")
    assert "Chưa gửi lại được" in flash_of(r)

