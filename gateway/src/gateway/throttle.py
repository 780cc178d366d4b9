"""Throttling by what is attacked, its state in the gateway's PostgreSQL so every replica sees the same counts.

- **An account** (``account:<username>``): failed logins count within a burst (no failure for
  ``account_window`` seconds ends it); after ``account_free_failures`` each further failure makes the next
  attempt wait 1, 2, 4, … seconds (at most ``account_max_delay``), whatever address the attempts come from.
  The first block of a burst tells the owner (an event notify-svc turns into an email and an inbox entry).
- **An address** (``address:<ip>``): failed logins from it, at a much higher limit (a whole province behind
  one proxy logs in from one address: only failures count, never successes).
- **Public calls that can be scraped or flooded** (``rate:<name>:<ip>``): a fixed window of one minute, shared by
  the replicas (registration, one-time codes, tracking: low volumes, and guessing must not gain from more
  replicas).
- **The hot public reads and uploads** (the procedure search, ``POST /files``): :class:`LocalRate`, a token bucket
  per address in each replica's memory. One row per address in PostgreSQL, updated by every request, was the
  search's bottleneck (~55 req/s through the gateway against ~1,500 direct); counted in memory a hit costs about
  a microsecond. The limit is then per replica: behind N replicas an address gets at most N times it, which is
  what a flood limit needs (the login throttle above, against guessing, stays shared).

The client's address is the socket's peer, unless the peer is one of the configured proxies
(``GATEWAY_TRUSTED_PROXIES``): then the right-most address of ``X-Forwarded-For`` that is not a proxy.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from servicekit.problems import Problem

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> list[Network]:
    return [ipaddress.ip_network(v.strip(), strict=False) for v in values if v.strip()]


def client_address(peer: str | None, forwarded_for: str | None, trusted: list[Network]) -> str:
    """The address a request comes from; ``X-Forwarded-For`` is believed only from a trusted proxy."""
    peer = peer or "unknown"
    if not trusted or not _in(peer, trusted) or not forwarded_for:
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _in(hop, trusted):
            return hop if _valid(hop) else peer
    return hops[0] if hops and _valid(hops[0]) else peer


def _valid(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _in(value: str, networks: list[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return False
    return any(ip in n for n in networks)


class TooManyRequests(Problem):
    status, slug = 429, "too-many-requests"

    def __init__(self, detail: str, retry_after: float) -> None:
        seconds = max(1, math.ceil(retry_after))
        super().__init__(detail, headers={"Retry-After": str(seconds)}, retry_after=seconds)


@dataclass(frozen=True)
class Policy:
    account_free_failures: int = 5
    account_window: float = 900.0
    account_max_delay: float = 900.0
    address_failures: int = 200
    address_window: float = 900.0


@dataclass(frozen=True)
class Failure:
    """What one failed login did to the account's count: how long the next attempt waits, and whether this
    is the first block of the burst (the owner is told then, once)."""

    count: int
    blocked_for: float
    notify: bool


_FAIL = text(
    """
    INSERT INTO throttle (key, count, window_started_at, last_at) VALUES (:key, 1, now(), now())
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN throttle.last_at < now() - make_interval(secs => :window) THEN 1 ELSE throttle.count + 1 END,
      window_started_at = CASE WHEN throttle.last_at < now() - make_interval(secs => :window)
                               THEN now() ELSE throttle.window_started_at END,
      notified_at = CASE WHEN throttle.last_at < now() - make_interval(secs => :window)
                         THEN NULL ELSE throttle.notified_at END,
      blocked_until = CASE WHEN throttle.last_at < now() - make_interval(secs => :window)
                           THEN NULL ELSE throttle.blocked_until END,
      last_at = now()
    RETURNING count, notified_at
    """
)
_RATE = text(
    """
    INSERT INTO throttle (key, count, window_started_at, last_at) VALUES (:key, 1, now(), now())
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN throttle.window_started_at <= now() - make_interval(secs => :window)
                   THEN 1 ELSE throttle.count + 1 END,
      window_started_at = CASE WHEN throttle.window_started_at <= now() - make_interval(secs => :window)
                               THEN now() ELSE throttle.window_started_at END,
      last_at = now()
    RETURNING count, EXTRACT(EPOCH FROM (window_started_at + make_interval(secs => :window) - now()))
    """
)


class Throttle:
    def __init__(self, engine: AsyncEngine, policy: Policy) -> None:
        self.engine = engine
        self.policy = policy

    async def check_login(self, conn: AsyncConnection, username: str, address: str) -> None:
        """Before a password is even looked at: a blocked account or address answers 429."""
        now = datetime.now(UTC)
        rows = (
            await conn.execute(
                text("SELECT key, count, last_at, blocked_until FROM throttle WHERE key IN (:a, :b)"),
                {"a": account_key(username), "b": address_key(address)},
            )
        ).all()
        for key, count, last_at, blocked_until in rows:
            if key.startswith("account:"):
                if blocked_until is not None and blocked_until > now:
                    raise TooManyRequests(
                        "Tài khoản này vừa bị nhập sai mật khẩu nhiều lần; vui lòng thử lại sau "
                        f"{_vi_seconds((blocked_until - now).total_seconds())}.",
                        (blocked_until - now).total_seconds(),
                    )
            elif count >= self.policy.address_failures and last_at > now - timedelta(
                seconds=self.policy.address_window
            ):
                wait = (last_at + timedelta(seconds=self.policy.address_window) - now).total_seconds()
                raise TooManyRequests(
                    "Có quá nhiều lần đăng nhập sai từ địa chỉ này; vui lòng thử lại sau "
                    f"{_vi_seconds(wait)}.",
                    wait,
                )

    async def login_failed(self, conn: AsyncConnection, username: str, address: str) -> Failure:
        """Counts one failure against the account and the address (in the caller's transaction)."""
        p = self.policy
        await conn.execute(_FAIL, {"key": address_key(address), "window": p.address_window})
        account = await conn.execute(_FAIL, {"key": account_key(username), "window": p.account_window})
        count, notified_at = account.one()
        over = count - p.account_free_failures
        if over <= 0:
            return Failure(count, 0.0, False)
        delay = min(2.0 ** (over - 1), p.account_max_delay)
        notify = notified_at is None
        await conn.execute(
            text(
                "UPDATE throttle SET blocked_until = now() + make_interval(secs => :delay), "
                "notified_at = CASE WHEN :notify THEN now() ELSE notified_at END WHERE key = :key"
            ),
            {"delay": delay, "notify": notify, "key": account_key(username)},
        )
        return Failure(count, delay, notify)

    async def login_succeeded(self, conn: AsyncConnection, username: str) -> None:
        await conn.execute(text("DELETE FROM throttle WHERE key = :k"), {"k": account_key(username)})

    async def hit(self, name: str, address: str, limit: int, window: float = 60.0) -> None:
        """One call of a rate-limited public endpoint from ``address``: 429 past ``limit`` in the window."""
        async with self.engine.begin() as conn:
            count, left = (await conn.execute(_RATE, {"key": f"rate:{name}:{address}", "window": window})).one()
        if count > limit:
            raise TooManyRequests(
                f"Quá nhiều yêu cầu từ địa chỉ này; vui lòng thử lại sau {_vi_seconds(float(left))}.", float(left)
            )

    async def prune(self, older_than: float = 86400.0) -> int:
        async with self.engine.begin() as conn:
            result: Any = await conn.execute(
                text("DELETE FROM throttle WHERE last_at < now() - make_interval(secs => :s) "
                     "AND (blocked_until IS NULL OR blocked_until < now())"),
                {"s": older_than},
            )
        return int(result.rowcount or 0)


class LocalRate:
    """Per-address token buckets in this replica's memory: ``limit`` calls at once, refilled at ``limit`` per
    ``window`` seconds; past them :class:`TooManyRequests` with the wait until the next call is allowed.
    Once ``max_keys`` addresses are kept, the buckets full again are dropped (a full bucket and no bucket are the
    same), then, if that is not enough, the least recently used."""

    def __init__(self, *, window: float = 60.0, max_keys: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self.max_keys = max_keys
        self.clock = clock
        self.buckets: dict[str, list[float]] = {}  # key → [tokens left, when counted]

    def hit(self, name: str, address: str, limit: int) -> None:
        now = self.clock()
        key = f"{name}:{address}"
        rate = limit / self.window
        bucket = self.buckets.pop(key, None)  # re-inserted last: the dict is kept in order of use
        if bucket is None:
            if len(self.buckets) >= self.max_keys:
                self._prune(now)
            bucket = [float(limit), now]
        tokens = min(float(limit), bucket[0] + (now - bucket[1]) * rate)
        self.buckets[key] = bucket
        bucket[1] = now
        if tokens < 1.0:
            bucket[0] = tokens
            wait = (1.0 - tokens) / rate
            raise TooManyRequests(f"Quá nhiều yêu cầu từ địa chỉ này; vui lòng thử lại sau {_vi_seconds(wait)}.", wait)
        bucket[0] = tokens - 1.0

    def _prune(self, now: float) -> None:
        """Drops the full buckets (untouched for a whole window), then the least recently used down to 3/4."""
        for k in [k for k, (_, at) in self.buckets.items() if now - at >= self.window]:
            del self.buckets[k]
        if len(self.buckets) >= self.max_keys:
            for k in list(self.buckets)[: len(self.buckets) - self.max_keys * 3 // 4]:
                del self.buckets[k]


def account_key(username: str) -> str:
    return "account:" + username.strip().lower()[:150]


def address_key(address: str) -> str:
    return "address:" + address[:150]


def _vi_seconds(seconds: float) -> str:
    s = max(1, math.ceil(seconds))
    if s < 60:
        return f"{s} giây"
    return f"{math.ceil(s / 60)} phút"
