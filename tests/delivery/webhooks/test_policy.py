"""Severity floor, token-bucket pacing (on a fake clock) and backoff delays."""

from __future__ import annotations

import asyncio

import pytest

from delivery.webhooks.policy import Backoff, TokenBucket, passes


def test_severity_order():
    order = ["info", "low", "medium", "high", "critical"]
    for i, sev in enumerate(order):
        assert [passes(sev, floor) for floor in order] == [j <= i for j in range(5)]
    assert not passes("unknown", "low") and passes("unknown", "info")


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, s: float) -> None:
        self.now += s


def test_bucket_allows_a_burst_then_paces():
    clock = FakeClock()
    bucket = TokenBucket(60, 2, clock=clock, sleep=clock.sleep)  # 1/s, burst 2

    async def take(n: int) -> list[float]:
        return [await bucket.take() for _ in range(n)]

    waits = asyncio.run(take(5))
    assert waits[:2] == [0, 0] and waits[2:] == pytest.approx([1, 1, 1])
    assert clock.now == pytest.approx(3)
    clock.now += 10                                   # idle refills up to the burst only
    assert asyncio.run(take(3)) == pytest.approx([0, 0, 1])


def test_backoff_grows_with_jitter_and_honours_retry_after():
    b = Backoff(base_s=0.5, max_s=4, max_retry_after_s=60)
    for attempt, step in ((1, 0.5), (2, 1), (3, 2), (4, 4), (5, 4), (9, 4)):
        assert b.delay(attempt, None, rand=lambda: 0.0) == step / 2
        assert b.delay(attempt, None, rand=lambda: 1.0) == step
    assert b.delay(1, 7.5) == 7.5                     # the server's word, not our backoff
    assert b.delay(1, 3600) == 60                     # but never an hour
