"""The local VNPAY-style provider: signature checks, the real IPN call, the redirect, the HTML mode."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from devkit.devstack import free_port
from devkit.payprovider import VN_TZ, PaymentProvider, secure_hash, signed_query, verify

SECRET = "TESTSECRET0123456789ABCDEFGHIJKL"
TMN = "DVCDN001"


class Merchant:
    """A minimal merchant IPN endpoint that records what it receives."""

    def __init__(self) -> None:
        self.port = free_port()
        self.calls: list[dict[str, str]] = []
        merchant = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                merchant.calls.append(q)
                ok = verify(q, SECRET)
                body = json.dumps({"RspCode": "00" if ok else "97", "Message": "ok" if ok else "bad"}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/ipn"


@pytest.fixture
def merchant() -> Iterator[Merchant]:
    m = Merchant()
    yield m
    m.server.shutdown()
    m.server.server_close()


@pytest.fixture
def provider(tmp_path: Path, merchant: Merchant) -> Iterator[PaymentProvider]:
    p = PaymentProvider(tmp_path / "pay", SECRET, TMN, ipn_url=merchant.url).start()
    yield p
    p.stop()


def pay_params(**overrides: str) -> dict[str, str]:
    now = datetime.now(VN_TZ)
    return {
        "vnp_Version": "2.1.0",
        "vnp_Command": "pay",
        "vnp_TmnCode": TMN,
        "vnp_Amount": "20000000",
        "vnp_CurrCode": "VND",
        "vnp_TxnRef": "ABC123",
        "vnp_OrderInfo": "Thanh toan phi ho so 1",
        "vnp_OrderType": "other",
        "vnp_Locale": "vn",
        "vnp_ReturnUrl": "http://portal.test/return?x=1",
        "vnp_IpAddr": "127.0.0.1",
        "vnp_CreateDate": now.strftime("%Y%m%d%H%M%S"),
        "vnp_ExpireDate": (now + timedelta(minutes=15)).strftime("%Y%m%d%H%M%S"),
        **overrides,
    }


def test_signature_is_hmac_sha512_over_sorted_encoded_params() -> None:
    import hashlib
    import hmac

    params = {"vnp_B": "a b", "vnp_A": "x/y", "other": "ignored"}
    expected = hmac.new(SECRET.encode(), b"vnp_A=x%2Fy&vnp_B=a+b", hashlib.sha512).hexdigest()
    assert secure_hash(params, SECRET) == expected
    assert verify({**params, "vnp_SecureHash": expected.upper()}, SECRET)
    assert not verify({**params, "vnp_B": "a c", "vnp_SecureHash": expected}, SECRET)


def test_auto_approve_calls_ipn_and_redirects(provider: PaymentProvider, merchant: Merchant) -> None:
    resp = httpx.get(f"{provider.url}?{signed_query(pay_params(), SECRET)}")
    assert resp.status_code == 302
    location = urllib.parse.urlsplit(resp.headers["location"])
    assert location.netloc == "portal.test"
    back = dict(urllib.parse.parse_qsl(location.query))
    assert back["x"] == "1" and verify(back, SECRET) and back["vnp_ResponseCode"] == "00"
    assert len(merchant.calls) == 1
    ipn = merchant.calls[0]
    assert verify(ipn, SECRET) and ipn["vnp_Amount"] == "20000000" and ipn["vnp_TxnRef"] == "ABC123"
    txn = provider.transaction("ABC123")
    assert txn is not None and txn.status == "approved"
    assert txn.ipn_attempts[0]["answer"] == {"RspCode": "00", "Message": "ok"}
    saved = json.loads((provider.root / f"{txn.transaction_no}.json").read_text())
    assert saved["status"] == "approved"
    # a re-delivery of the same notification reaches the merchant again
    provider.resend_ipn(txn.transaction_no)
    assert len(merchant.calls) == 2 and merchant.calls[1] == merchant.calls[0]


def test_bad_requests_are_refused(provider: PaymentProvider, merchant: Merchant) -> None:
    forged = signed_query(pay_params(), "WRONG-SECRET")
    assert httpx.get(f"{provider.url}?{forged}").status_code == 400
    tampered = signed_query(pay_params(), SECRET).replace("vnp_Amount=20000000", "vnp_Amount=100")
    assert httpx.get(f"{provider.url}?{tampered}").status_code == 400
    past = (datetime.now(VN_TZ) - timedelta(minutes=1)).strftime("%Y%m%d%H%M%S")
    assert httpx.get(f"{provider.url}?{signed_query(pay_params(vnp_ExpireDate=past), SECRET)}").status_code == 400
    other_shop = signed_query(pay_params(vnp_TmnCode="OTHER"), SECRET)
    assert httpx.get(f"{provider.url}?{other_shop}").status_code == 400
    assert merchant.calls == [] and provider.transactions() == []


def test_html_mode_with_cancel(provider: PaymentProvider, merchant: Merchant) -> None:
    provider.auto_approve = False
    page = httpx.get(f"{provider.url}?{signed_query(pay_params(vnp_TxnRef='T2'), SECRET)}")
    assert page.status_code == 200 and "Thanh toán" in page.text and "Hủy" in page.text
    txn = provider.transaction("T2")
    assert txn is not None and merchant.calls == []
    done = httpx.post(provider.url + "/confirm", data={"transaction_no": txn.transaction_no, "decision": "cancel"})
    assert done.status_code == 303
    assert merchant.calls[0]["vnp_ResponseCode"] == "24" and txn.status == "cancelled"
    again = httpx.post(provider.url + "/confirm", data={"transaction_no": txn.transaction_no, "decision": "approve"})
    assert again.status_code == 400
