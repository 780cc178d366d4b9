"""The per-replica token buckets of the hot public calls (throttle.LocalRate), on a clock the test moves."""

from __future__ import annotations

import pytest

from gateway.throttle import LocalRate, TooManyRequests


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def allowed(rate: LocalRate, address: str, limit: int, n: int) -> int:
    ok = 0
    for _ in range(n):
        try:
            rate.hit("search", address, limit)
            ok += 1
        except TooManyRequests:
            pass
    return ok


def test_a_burst_up_to_the_limit_then_one_call_per_refill() -> None:
    clock = Clock()
    rate = LocalRate(clock=clock)
    assert allowed(rate, "203.0.113.1", 600, 1000) == 600
    with pytest.raises(TooManyRequests) as refused:
        rate.hit("search", "203.0.113.1", 600)
    assert refused.value.status == 429 and refused.value.headers == {"Retry-After": "1"}
    assert "thử lại sau 1 giây" in refused.value.detail
    clock.now += 1.0  # 600 a minute: 10 more a second
    assert allowed(rate, "203.0.113.1", 600, 100) == 10
    clock.now += 60.0  # a quiet minute fills the bucket again, never above the limit
    assert allowed(rate, "203.0.113.1", 600, 1000) == 600


def test_the_wait_told_is_the_time_to_the_next_allowed_call() -> None:
    clock = Clock()
    rate = LocalRate(clock=clock)
    assert allowed(rate, "198.51.100.9", 2, 5) == 2
    with pytest.raises(TooManyRequests) as refused:
        rate.hit("search", "198.51.100.9", 2)  # 2 a minute: one every 30 s
    assert refused.value.headers == {"Retry-After": "30"}
    clock.now += 29.0
    assert allowed(rate, "198.51.100.9", 2, 1) == 0
    clock.now += 1.0
    assert allowed(rate, "198.51.100.9", 2, 1) == 1


def test_addresses_and_calls_count_apart() -> None:
    rate = LocalRate(clock=Clock())
    assert allowed(rate, "203.0.113.1", 3, 5) == 3
    assert allowed(rate, "203.0.113.2", 3, 5) == 3
    rate.hit("upload", "203.0.113.1", 3)  # another call's bucket


def test_memory_is_bounded_and_the_idle_addresses_go_first() -> None:
    clock = Clock()
    rate = LocalRate(clock=clock, max_keys=100)
    for i in range(99):
        rate.hit("search", f"10.0.0.{i}", 5)
    clock.now += 61.0  # those 99 buckets are full again: the same as none
    assert allowed(rate, "192.0.2.1", 5, 10) == 5  # the flooder, the 100th address
    rate.hit("search", "192.0.2.2", 5)  # one more: the full buckets are dropped, the flooder's count is kept
    assert len(rate.buckets) == 2
    with pytest.raises(TooManyRequests):
        rate.hit("search", "192.0.2.1", 5)
    for i in range(500):  # many active addresses at once: the least recently used are forgotten
        rate.hit("search", f"10.1.{i // 250}.{i % 250}", 5)
        assert len(rate.buckets) <= 100
    assert "search:10.1.1.249" in rate.buckets and "search:192.0.2.1" not in rate.buckets
