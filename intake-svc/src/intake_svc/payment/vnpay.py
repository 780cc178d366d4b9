"""The merchant side of the VNPAY 2.1.0 protocol: the signed pay URL and the checks of what comes back.

Signature: HMAC-SHA512 (key = the hash secret) over ``k=v&…`` of the ``vnp_`` parameters sorted by name,
names and values URL-encoded with ``+`` for spaces, ``vnp_SecureHash``/``vnp_SecureHashType`` excluded.
Amounts travel as VND × 100; dates as ``yyyyMMddHHmmss`` in GMT+7.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from contracts.vocabulary import VN_TZ as VN

VERSION = "2.1.0"
HASH_FIELDS = frozenset({"vnp_SecureHash", "vnp_SecureHashType"})

# IPN answers (RspCode) defined by the protocol
CONFIRMED = ("00", "Confirm Success")
ORDER_NOT_FOUND = ("01", "Order not found")
ALREADY_CONFIRMED = ("02", "Order already confirmed")
INVALID_AMOUNT = ("04", "Invalid amount")
INVALID_SIGNATURE = ("97", "Invalid signature")
UNKNOWN_ERROR = ("99", "Unknown error")


def vnp_date(at: datetime) -> str:
    return at.astimezone(VN).strftime("%Y%m%d%H%M%S")


def ascii_text(text: str, limit: int = 255) -> str:
    """Order info must be Vietnamese without diacritics and without special characters."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in text if c.isalnum() or c in " .,-_:")[:limit]


def canonical(params: Mapping[str, str]) -> str:
    items = sorted((k, v) for k, v in params.items() if k.startswith("vnp_") and k not in HASH_FIELDS)
    return "&".join(f"{urllib.parse.quote_plus(k)}={urllib.parse.quote_plus(v)}" for k, v in items)


def sign(params: Mapping[str, str], secret: str) -> str:
    return hmac.new(secret.encode(), canonical(params).encode(), hashlib.sha512).hexdigest()


def verify(params: Mapping[str, str], secret: str) -> bool:
    given = params.get("vnp_SecureHash") or ""
    return bool(given) and hmac.compare_digest(given.lower().encode(), sign(params, secret).encode())


@dataclass(frozen=True)
class Gateway:
    pay_url: str
    tmn_code: str
    secret: str
    return_url: str  # a template: {public_url}, {code}, {payment_id}
    ipn_url: str | None = None
    public_url: str = "http://127.0.0.1:8000"

    def return_url_for(self, code: str, txn_ref: str) -> str:
        """The page the browser comes back to: by default the portal's payment page of that dossier."""
        return self.return_url.format(public_url=self.public_url.rstrip("/"), code=urllib.parse.quote(code, safe=""),
                                      payment_id=txn_ref)

    def payment_url(self, *, txn_ref: str, amount: int, order_info: str, created_at: datetime,
                    expires_at: datetime, client_ip: str, return_url: str) -> str:
        params = {
            "vnp_Version": VERSION, "vnp_Command": "pay", "vnp_TmnCode": self.tmn_code,
            "vnp_Amount": str(amount * 100), "vnp_CurrCode": "VND", "vnp_TxnRef": txn_ref,
            "vnp_OrderInfo": ascii_text(order_info), "vnp_OrderType": "other", "vnp_Locale": "vn",
            "vnp_ReturnUrl": return_url, "vnp_IpAddr": client_ip or "127.0.0.1",
            "vnp_CreateDate": vnp_date(created_at), "vnp_ExpireDate": vnp_date(expires_at),
        }
        if self.ipn_url:
            params["vnp_IpnUrl"] = self.ipn_url
        query = f"{canonical(params)}&vnp_SecureHash={sign(params, self.secret)}"
        return f"{self.pay_url}{'&' if '?' in self.pay_url else '?'}{query}"
