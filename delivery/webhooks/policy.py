"""Delivery policy of a channel: which alerts pass its severity floor, how fast it may
send (token bucket) and how long to wait before a retry (exponential backoff with jitter,
or the server's own Retry-After)."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from delivery.webhooks.base import SEVERITY_RANK

Sleep = Callable[[float], Awaitable[None]]


def passes(severity: str, floor: str) -> bool:
    """True when `severity` is at or above `floor` (info < low < medium < high < critical);
    an unknown severity counts as info."""
    return SEVERITY_RANK.get(severity, 0) >= SEVERITY_RANK[floor]


class TokenBucket:
    """`rate_per_min` requests a minute, up to `burst` at once: the pacing the services
    publish (see channels.DEFAULT_RATES), so a cascade of alerts is spread out instead of
    refused with 429s. Every attempt, retries included, takes a token."""

    def __init__(self, rate_per_min: float, burst: int, clock: Callable[[], float] = time.monotonic,
                 sleep: Sleep = asyncio.sleep) -> None:
        self.rate_s = rate_per_min / 60.0
        self.burst = max(1, burst)
        self.tokens = float(self.burst)
        self.clock, self.sleep = clock, sleep
        self._at = clock()

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self._at) * self.rate_s)
        self._at = now

    async def take(self) -> float:
        """Wait for a token; return the seconds waited."""
        waited = 0.0
        self._refill()
        while self.tokens < 1:
            pause = (1 - self.tokens) / self.rate_s
            await self.sleep(pause)
            waited += pause
            self._refill()
        self.tokens -= 1
        return waited


@dataclass(frozen=True)
class Backoff:
    """Delay before retry `attempt` (1-based): the server's Retry-After when it gave one
    (capped at `max_retry_after_s`), else `base_s`·2^(attempt-1) capped at `max_s`, with
    equal jitter (half fixed, half random) so channels that failed together do not retry
    in lockstep."""

    base_s: float = 0.5
    max_s: float = 30.0
    max_retry_after_s: float = 120.0

    def delay(self, attempt: int, retry_after: float | None,
              rand: Callable[[], float] = random.random) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_retry_after_s)
        step = min(self.max_s, self.base_s * 2 ** (attempt - 1))
        return step / 2 + step / 2 * rand()
