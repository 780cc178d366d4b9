"""A local payment provider for the dev stack and tests, speaking the VNPAY 2.1.0 protocol.

The merchant (intake-svc) redirects the browser to ``GET {url}?vnp_...&vnp_SecureHash=...``. The provider
checks the HMAC-SHA512 signature (over the sorted, URL-encoded ``vnp_`` parameters), then either approves
at once (``auto_approve``: tests, ``make run``) or shows a page with the buttons "Thanh toán" / "Hủy".
It then calls the merchant's IPN URL server to server (a real HTTP GET with signed parameters), records
the merchant's answer, and redirects the browser to ``vnp_ReturnUrl``. Transactions are kept in memory
and as JSON files under ``root``. Like :class:`devkit.devstack.SmsSink`: stdlib only, one thread.

The IPN URL comes from the request's ``vnp_IpnUrl`` parameter (a local extension: real gateways keep it
in the merchant's profile) or from the constructor's ``ipn_url``.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from contracts.vocabulary import VN_TZ
from devkit.devstack import free_port

DATE_FMT = "%Y%m%d%H%M%S"
HASH_FIELDS = ("vnp_SecureHash", "vnp_SecureHashType")
REQUIRED = (
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_Amount",
    "vnp_CurrCode",
    "vnp_TxnRef",
    "vnp_OrderInfo",
    "vnp_ReturnUrl",
    "vnp_CreateDate",
)


def canonical_query(params: dict[str, str]) -> str:
    """``k=v&...`` of the ``vnp_`` parameters sorted by name, values URL-encoded (spaces as ``+``)."""
    items = sorted((k, v) for k, v in params.items() if k.startswith("vnp_") and k not in HASH_FIELDS)
    return "&".join(f"{urllib.parse.quote_plus(k)}={urllib.parse.quote_plus(str(v))}" for k, v in items)


def secure_hash(params: dict[str, str], secret: str) -> str:
    return hmac.new(secret.encode(), canonical_query(params).encode(), hashlib.sha512).hexdigest()


def signed_query(params: dict[str, str], secret: str) -> str:
    return f"{canonical_query(params)}&vnp_SecureHash={secure_hash(params, secret)}"


def verify(params: dict[str, str], secret: str) -> bool:
    given = params.get("vnp_SecureHash", "")
    return bool(given) and hmac.compare_digest(given.lower(), secure_hash(params, secret))


@dataclass
class Transaction:
    transaction_no: str
    txn_ref: str
    amount: int  # as in the protocol: VND x 100
    currency: str
    order_info: str
    return_url: str
    ipn_url: str | None
    created_at: str
    status: str = "pending"  # pending | approved | cancelled
    response_code: str | None = None
    pay_date: str | None = None
    ipn_attempts: list[dict[str, Any]] = field(default_factory=list)


class PaymentProvider:
    """``PaymentProvider(root, secret, tmn_code).start()``; ``.url`` is the pay page to configure as
    ``INTAKE_PAYMENT_URL``; ``.stop()`` at the end."""

    def __init__(
        self,
        root: Path,
        secret: str,
        tmn_code: str,
        port: int = 0,
        *,
        ipn_url: str | None = None,
        auto_approve: bool = True,
        bank_code: str = "NCB",
        ipn_timeout: float = 10.0,
    ) -> None:
        self.root = Path(root)
        self.secret = secret
        self.tmn_code = tmn_code
        self.port = port or free_port()
        self.ipn_url = ipn_url
        self.auto_approve = auto_approve
        self.bank_code = bank_code
        self.ipn_timeout = ipn_timeout
        self._lock = threading.Lock()
        self._txns: dict[str, Transaction] = {}
        self._seq = 0
        self._server: Any = None
        self._thread: threading.Thread | None = None

    # life cycle --------------------------------------------------------------------------------------
    def start(self) -> PaymentProvider:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.root.mkdir(parents=True, exist_ok=True)
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parsed = urllib.parse.urlsplit(self.path)
                if parsed.path == "/pay":
                    provider._pay(self, dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True)))
                elif parsed.path == "/healthz":
                    provider._send(self, 200, "ok", "text/plain")
                else:
                    provider._send(self, 404, "not found", "text/plain")

            def do_POST(self) -> None:
                parsed = urllib.parse.urlsplit(self.path)
                length = min(int(self.headers.get("content-length") or 0), 16 * 1024)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode("utf-8", "replace")))
                if parsed.path == "/pay/confirm":
                    provider._confirm(self, form.get("transaction_no", ""), form.get("decision", ""))
                else:
                    provider._send(self, 404, "not found", "text/plain")

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="payprovider")
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/pay"

    # what tests and operators read ---------------------------------------------------------------------
    def transactions(self) -> list[Transaction]:
        with self._lock:
            return list(self._txns.values())

    def transaction(self, txn_ref: str) -> Transaction | None:
        with self._lock:
            return next((t for t in self._txns.values() if t.txn_ref == txn_ref), None)

    def notification(self, txn: Transaction, **overrides: str) -> dict[str, str]:
        """The signed IPN parameters of a transaction; ``overrides`` are applied BEFORE signing."""
        params = {
            "vnp_TmnCode": self.tmn_code,
            "vnp_Amount": str(txn.amount),
            "vnp_CurrCode": txn.currency,
            "vnp_BankCode": self.bank_code,
            "vnp_BankTranNo": f"VNP{txn.transaction_no}",
            "vnp_CardType": "ATM",
            "vnp_PayDate": txn.pay_date or datetime.now(VN_TZ).strftime(DATE_FMT),
            "vnp_OrderInfo": txn.order_info,
            "vnp_TransactionNo": txn.transaction_no,
            "vnp_ResponseCode": txn.response_code or "00",
            "vnp_TransactionStatus": "00" if (txn.response_code or "00") == "00" else "02",
            "vnp_TxnRef": txn.txn_ref,
            **overrides,
        }
        params["vnp_SecureHashType"] = "HmacSHA512"
        params["vnp_SecureHash"] = secure_hash(params, self.secret)
        return params

    def resend_ipn(self, transaction_no: str) -> dict[str, Any]:
        """Delivers the same notification again (gateways retry until the merchant answers 00 or 02)."""
        with self._lock:
            txn = self._txns[transaction_no]
        return self._notify(txn)

    # protocol -----------------------------------------------------------------------------------------
    def _check(self, q: dict[str, str]) -> str | None:
        if not verify(q, self.secret):
            return "Sai chữ ký (vnp_SecureHash)."
        missing = [k for k in REQUIRED if not q.get(k)]
        if missing:
            return "Thiếu tham số: " + ", ".join(missing)
        if q["vnp_TmnCode"] != self.tmn_code:
            return "Mã website (vnp_TmnCode) không đúng."
        if q["vnp_Command"] != "pay" or q["vnp_CurrCode"] != "VND":
            return "Chỉ hỗ trợ lệnh pay bằng VND."
        if not q["vnp_Amount"].isdigit() or int(q["vnp_Amount"]) <= 0 or int(q["vnp_Amount"]) % 100:
            return "Số tiền (vnp_Amount) không hợp lệ."
        expire = q.get("vnp_ExpireDate")
        if expire:
            try:
                if datetime.strptime(expire, DATE_FMT).replace(tzinfo=VN_TZ) < datetime.now(VN_TZ):
                    return "Giao dịch đã quá thời gian chờ thanh toán."
            except ValueError:
                return "vnp_ExpireDate không hợp lệ."
        return None

    def _pay(self, h: Any, q: dict[str, str]) -> None:
        error = self._check(q)
        if error:
            self._send(h, 400, self._page("Giao dịch không hợp lệ", f"<p>{html.escape(error)}</p>"))
            return
        with self._lock:
            self._seq += 1
            txn = Transaction(
                transaction_no=f"{datetime.now(VN_TZ):%H%M%S}{self._seq:04d}",
                txn_ref=q["vnp_TxnRef"],
                amount=int(q["vnp_Amount"]),
                currency=q["vnp_CurrCode"],
                order_info=q["vnp_OrderInfo"],
                return_url=q["vnp_ReturnUrl"],
                ipn_url=q.get("vnp_IpnUrl") or self.ipn_url,
                created_at=datetime.now(VN_TZ).isoformat(),
            )
            self._txns[txn.transaction_no] = txn
        self._save(txn)
        if self.auto_approve:
            self._finish(h, txn, "00")
            return
        amount = f"{txn.amount // 100:,}".replace(",", ".")
        body = (
            f"<p>Đơn hàng: <b>{html.escape(txn.order_info)}</b></p><p>Số tiền: <b>{amount} VND</b></p>"
            f'<form method="post" action="/pay/confirm">'
            f'<input type="hidden" name="transaction_no" value="{txn.transaction_no}">'
            '<button name="decision" value="approve">Thanh toán</button> '
            '<button name="decision" value="cancel">Hủy</button></form>'
        )
        self._send(h, 200, self._page("Cổng thanh toán thử nghiệm", body))

    def _confirm(self, h: Any, transaction_no: str, decision: str) -> None:
        with self._lock:
            txn = self._txns.get(transaction_no)
        if txn is None or txn.status != "pending" or decision not in ("approve", "cancel"):
            self._send(h, 400, self._page("Giao dịch không hợp lệ", "<p>Không tìm thấy giao dịch chờ xử lý.</p>"))
            return
        # 24: the customer cancelled the transaction (VNPAY response code)
        self._finish(h, txn, "00" if decision == "approve" else "24", status=303)

    def _finish(self, h: Any, txn: Transaction, response_code: str, status: int = 302) -> None:
        txn.status = "approved" if response_code == "00" else "cancelled"
        txn.response_code = response_code
        txn.pay_date = datetime.now(VN_TZ).strftime(DATE_FMT)
        self._notify(txn)
        params = self.notification(txn)
        sep = "&" if "?" in txn.return_url else "?"
        location = f"{txn.return_url}{sep}{urllib.parse.urlencode(params)}"
        h.send_response(status)
        h.send_header("Location", location)
        h.send_header("content-length", "0")
        h.end_headers()

    def _notify(self, txn: Transaction) -> dict[str, Any]:
        attempt: dict[str, Any] = {"at": datetime.now(VN_TZ).isoformat()}
        if not txn.ipn_url:
            attempt["error"] = "no IPN URL"
        else:
            query = urllib.parse.urlencode(self.notification(txn))
            sep = "&" if "?" in txn.ipn_url else "?"
            try:
                with urllib.request.urlopen(f"{txn.ipn_url}{sep}{query}", timeout=self.ipn_timeout) as resp:
                    attempt["http_status"] = resp.status
                    attempt["answer"] = json.loads(resp.read(64 * 1024) or b"null")
            except urllib.error.HTTPError as exc:
                attempt["http_status"] = exc.code
                attempt["error"] = str(exc)
            except (OSError, ValueError) as exc:
                attempt["error"] = repr(exc)
        txn.ipn_attempts.append(attempt)
        self._save(txn)
        return attempt

    # plumbing -----------------------------------------------------------------------------------------
    def _save(self, txn: Transaction) -> None:
        with self._lock:
            data = json.dumps(asdict(txn), ensure_ascii=False, indent=1)
        (self.root / f"{txn.transaction_no}.json").write_text(data, encoding="utf-8")

    @staticmethod
    def _page(title: str, body: str) -> str:
        return (
            f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"</head><body><h1>{html.escape(title)}</h1>{body}</body></html>"
        )

    @staticmethod
    def _send(h: Any, status: int, body: str, content_type: str = "text/html; charset=utf-8") -> None:
        data = body.encode()
        h.send_response(status)
        h.send_header("content-type", content_type)
        h.send_header("content-length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)
