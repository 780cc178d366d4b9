"""Failed notification deliveries in the console: the platform runs with a mail server that does not answer, so
every email fails for good after one attempt; the admin finds it among the failures and sends it again."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from test_console_admin import console_login, csrf_of, flash_of, text_of

from devkit import devstack
from devkit.stackrun import Platform, running_platform

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def platform() -> Iterator[Platform]:
    # a port nobody listens on: the SMTP connection is refused, and one failed attempt is final
    env = {"SMTP_URL": f"smtp://127.0.0.1:{devstack.free_port()}", "NOTIFY_RETRY__MAX_ATTEMPTS": "1"}
    with running_platform(ROOT / "deploy" / "services.json", env=env, timeout=300) as p:
        yield p


def failed_rows(web: httpx.Client, email: str) -> str:
    deadline = time.monotonic() + 90
    while True:
        page = web.get("/can-bo/quan-tri/gui-thong-bao", params={"trang-thai": "failed", "kenh": "email"})
        if email in page.text or time.monotonic() > deadline:
            return page.text
        time.sleep(1)


def test_an_admin_sends_a_failed_email_again(base_url: str) -> None:
    n = uuid.uuid4().int % 10**8
    email = f"that-bai{n}@example.vn"
    r = httpx.post(f"{base_url}/api/v1/auth/register", timeout=30, json={
        "username": f"tb{n}", "password": "MatKhau@2026", "full_name": "Hồ Thị Thư", "id_number": f"0754{n:08d}",
        "email": email})
    assert r.status_code == 201, r.text
    with httpx.Client(base_url=base_url, timeout=60, follow_redirects=False) as web:
        console_login(web, "admin", "Admin@2026")
        page = failed_rows(web, email)
        assert email in page, "the welcome email never failed"
        row = next(part for part in page.split("<tr>") if email in part)
        assert "Thất bại" in text_of(row) and "1 lần thử" in text_of(row)
        action = re.search(r'action="(/can-bo/quan-tri/gui-thong-bao/[^"]+/gui-lai)"', row)
        assert action, row
        r = web.post(action.group(1), data={"csrf_token": csrf_of(page),
                                            "tiep": "/can-bo/quan-tri/gui-thong-bao?trang-thai=failed"})
        assert r.headers["location"].startswith("/can-bo/quan-tri/gui-thong-bao?trang-thai=failed")
        flash = flash_of(r)
        assert f"Đã đưa thông báo gửi {email} vào hàng gửi lại" in flash and "Chờ gửi" in flash
        # sent again (the same id), refused again by the silent mail server: failed once more, not lost
        deadline = time.monotonic() + 90
        while True:
            listed = web.get("/can-bo/quan-tri/gui-thong-bao", params={"trang-thai": "failed", "kenh": "email"})
            row = next((part for part in listed.text.split("<tr>") if email in part), "")
            if row or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert row and "Thất bại" in text_of(row)
