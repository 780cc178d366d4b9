"""Outside demo mode (as in production) an officer's password alone gives a token that only sets up the second
factor: the console sends them to that set-up from every page, they scan the QR code and confirm a first code,
the session ends, and from then on they log in with the code. The platform runs here with demo mode off, so the
gateway really issues such tokens (``require_mfa`` on, its default); its only account is the admin, whose own
second factor is set up through the API before officers are created."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from portal_testing import Codes, new_officer
from test_console_account import field_error, log_in, start_set_up
from test_console_admin import csrf_of, flash_of, text_of

from devkit.stackrun import Platform, running_platform

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
ADMIN_PASSWORD = "QuanTri@Prod2026"


def production_keys(root: Path) -> dict[str, str]:
    """What a production start needs besides the token keys the platform makes (each service refuses to start
    without them outside demo mode): the audit chain's keys, the documents' signing CA and a default agency key
    under it, the interop's XML signing key and certificate; all new, for this run only."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    from servicekit.audit import ensure_key

    def pem_key(path: Path, key: rsa.RSAPrivateKey) -> str:
        path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
        return str(path)

    def certificate(path: Path, cn: str, key: rsa.RSAPrivateKey, issuer: tuple[x509.Name, rsa.RSAPrivateKey] | None,
                    ca: bool) -> x509.Name:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn), x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")])
        issuer_name, issuer_key = issuer or (name, key)
        now = datetime.now(UTC)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer_name).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
                .not_valid_after(now + timedelta(days=30))
                .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
                .sign(issuer_key, hashes.SHA256()))
        path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return name

    root.mkdir(parents=True, exist_ok=True)
    services = json.loads((ROOT / "deploy" / "services.json").read_text())
    env = {}
    for svc in services:
        ensure_key(root / f"audit-{svc['name']}.pem")
        env[f"{svc['env_prefix']}AUDIT_KEY_FILE"] = str(root / f"audit-{svc['name']}.pem")
    signing = root / "signing"
    signing.mkdir()
    ca_key, agency_key, xml_key = (rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(3))
    ca = certificate(signing / "ca.cert.pem", "CA thử nghiệm", ca_key, None, True)
    pem_key(signing / "default.key.pem", agency_key)
    certificate(signing / "default.cert.pem", "Cơ quan thử nghiệm", agency_key, (ca, ca_key), False)
    certificate(root / "interop.cert.pem", "dvc.dongnai.gov.vn", xml_key, None, False)
    return {**env, "INTAKE_SIGNING_DIR": str(signing),
            "INTEROP_SIGNING_KEY_FILE": pem_key(root / "interop.key.pem", xml_key),
            "INTEROP_SIGNING_CERT_FILE": str(root / "interop.cert.pem"), "DVC_ADMIN_PASSWORD": ADMIN_PASSWORD}


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    env = production_keys(tmp_path_factory.mktemp("production-keys"))
    with running_platform(ROOT / "deploy" / "services.json", env=env, demo=False, timeout=300) as p:
        yield p


class Admin:
    """The admin's API session: the second factor set up once, then fresh access tokens from the refresh token."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url
        first = self.grant({"grant_type": "password", "username": "admin", "password": ADMIN_PASSWORD})
        assert first["mfa_setup_required"] is True, first
        setup = {"Authorization": f"Bearer {first['access_token']}"}
        r = httpx.post(f"{base_url}/api/v1/auth/mfa", headers=setup, timeout=30)
        assert r.status_code == 200, r.text
        codes = Codes(r.json()["secret"])
        r = httpx.post(f"{base_url}/api/v1/auth/mfa/confirm", headers=setup, json={"otp": codes.next()}, timeout=30)
        assert r.status_code == 200, r.text
        self.refresh = self.grant({"grant_type": "password", "username": "admin", "password": ADMIN_PASSWORD,
                                   "otp": codes.next()})["refresh_token"]

    def grant(self, form: dict[str, str]) -> dict[str, Any]:
        r = httpx.post(f"{self.base}/api/v1/auth/token", data=form, timeout=30)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    def headers(self) -> dict[str, str]:
        token = self.grant({"grant_type": "refresh_token", "refresh_token": self.refresh})
        self.refresh = token["refresh_token"]
        return {"Authorization": f"Bearer {token['access_token']}"}


@pytest.fixture(scope="module")
def admin(base_url: str) -> Admin:
    return Admin(base_url)


@pytest.fixture
def web(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=60, follow_redirects=False) as client:
        yield client


def citizens_login_refuses(base_url: str, username: str, password: str) -> str:
    """The citizens' login page turns the officer away: the message beside the username."""
    with httpx.Client(base_url=base_url, timeout=60, follow_redirects=False) as citizen:
        page = citizen.get("/dang-nhap")
        r = citizen.post("/dang-nhap", data={"username": username, "password": password,
                                             "csrf_token": csrf_of(page.text)})
        assert r.status_code == 422, r.text
        assert citizen.get("/tai-khoan").status_code != 200  # no session started
        return field_error(r.text, "username")


def test_an_officer_without_a_second_factor_sets_it_up_before_anything_else(web: httpx.Client, base_url: str,
                                                                              admin: Admin) -> None:
    username, password = new_officer(base_url, admin.headers(), role="leader")
    # the citizens' login is not where an officer sets it up (nor a way around it): it says where to go
    assert "cần bật xác thực hai lớp" in citizens_login_refuses(base_url, username, password)
    r = log_in(web, username, password)
    assert r.status_code == 303, r.text
    # every console page (the one asked for, the menu's, the account page) sends them to the set-up, never 404
    for path in (r.headers["location"], "/can-bo/xu-ly", "/can-bo/tai-khoan"):
        sent = web.get(path)
        assert sent.headers["location"].startswith("/can-bo/xac-thuc-hai-lop"), path
    page = web.get("/can-bo/xac-thuc-hai-lop")
    assert page.status_code == 200 and "Trần Thị Bảo Mật" in text_of(page.text)  # their name, and logging out
    assert "Tài khoản cán bộ phải bật xác thực hai lớp trước khi dùng trang cán bộ" in text_of(page.text)
    assert 'action="/can-bo/dang-xuat"' in page.text and 'aria-label="Chức năng cán bộ"' not in page.text
    assert "Đây là tài khoản công dân" not in page.text
    shown, app = start_set_up(web)
    assert "Xác nhận trước" in text_of(shown)  # the set-up-only token's end (it has no refresh token)
    token = csrf_of(shown)
    uri = re.search(r'name="otpauth_uri" value="([^"]+)"', shown).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    wrong = web.post("/can-bo/xac-thuc-hai-lop/xac-nhan", data={"csrf_token": token, "otpauth_uri": uri,
                                                                "otp": app.wrong()})
    assert wrong.status_code == 422 and "Mã OTP không đúng" in field_error(wrong.text, "otp")
    done = web.post("/can-bo/xac-thuc-hai-lop/xac-nhan", data={"csrf_token": token, "otpauth_uri": uri,
                                                               "otp": app.next()})
    assert done.headers["location"].startswith("/can-bo/dang-nhap")
    assert "đăng nhập lại" in flash_of(done) and "mã OTP" in flash_of(done)
    assert web.get("/can-bo/").headers["location"].startswith("/can-bo/dang-nhap")  # the session ended

    refused = log_in(web, username, password)
    assert refused.status_code == 422 and "xác thực hai lớp" in field_error(refused.text, "otp")
    assert "Trang cán bộ (/can-bo/dang-nhap)" in citizens_login_refuses(base_url, username, password)
    assert log_in(web, username, password, app.next()).status_code == 303
    home = web.get("/can-bo/")
    assert home.status_code == 200 and 'href="/can-bo/xu-ly"' in home.text  # the roles are there now
    r = httpx.get(f"{base_url}/api/v1/admin/users", params={"q": username}, headers=admin.headers(), timeout=30)
    assert r.json()["items"][0]["mfa_enabled"] is True


def test_the_set_up_and_the_login_with_a_code_in_the_browser(base_url: str, admin: Admin, tmp_path: Path) -> None:
    """By label and role at 360 px: the set-up page (QR code, grouped secret, an error beside the code), then the
    login refused without the code and let in with it; axe-core on each state, a screenshot of each."""
    import test_console_admin_browser as kit
    from playwright.sync_api import expect, sync_playwright

    username, password = new_officer(base_url, admin.headers(), role="reception")
    shots = Path(os.environ.get("CONSOLE_SCREENSHOTS") or tmp_path)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=kit.CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])
        v = kit.Officer(browser, base_url, shots, width=360)
        page = v.page
        v.submit_login(username, password)
        expect(page.get_by_role("heading", level=1)).to_have_text("Bật xác thực hai lớp")
        expect(page.get_by_role("main")).to_contain_text("phải bật xác thực hai lớp trước khi dùng trang cán bộ")
        v.check("mfa-setup-start")
        page.get_by_role("button", name="Tạo mã QR").click()
        qr = page.get_by_role("img", name=re.compile("Mã QR thiết lập xác thực hai lớp"))
        expect(qr).to_be_visible()
        secret = page.locator(".secret code").inner_text().replace(" ", "")
        app = Codes(secret)
        page.get_by_label("Mã xác thực (OTP)").fill(app.wrong())
        page.get_by_role("button", name="Xác nhận và bật").click()
        expect(page.get_by_role("alert")).to_contain_text("Mã OTP không đúng")
        expect(qr).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        v.check("mfa-setup-qr-error")
        # by keyboard alone: the error summary's link leads to the field, typing and Enter confirm
        page.get_by_role("alert").get_by_role("link").focus()
        page.keyboard.press("Enter")
        expect(page.get_by_label("Mã xác thực (OTP)")).to_be_focused()
        page.keyboard.type(app.next())
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Đăng nhập trang cán bộ")
        expect(page.get_by_role("status")).to_contain_text("đăng nhập lại")

        v.submit_login(username, password)
        expect(page.get_by_role("alert")).to_contain_text("Mã xác thực (OTP)")
        otp = page.get_by_label("Mã xác thực (OTP)")
        expect(otp).to_have_attribute("aria-invalid", "true")
        expect(otp).to_have_attribute("autocomplete", "one-time-code")
        expect(otp).to_have_attribute("inputmode", "numeric")
        expect(page.get_by_label("Mật khẩu")).to_have_value("")  # never kept in the page
        v.check("mfa-login-code-missing")
        v.submit_login(username, password, app.next())
        expect(page.get_by_role("heading", level=1)).to_have_text("Tổng quan")
        page.get_by_role("link", name="Tài khoản của tôi").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Tài khoản của tôi")
        expect(page.locator("main")).to_contain_text("Đã bật")
        v.check("account-page")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert v.other_origins() == []
        v.close()
        browser.close()
