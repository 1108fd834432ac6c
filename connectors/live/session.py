"""One websocket connection kept alive: connect, subscribe, keep-alive, decode, and on
any failure reconnect with exponential backoff and jitter, resubscribe and report the
time the feed was down as a gap, so "no liquidations" can be told from "no data".
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

import aiohttp

from connectors.venue import Decoded, Subscription, Venue
from streams.ids import stable_id

log = logging.getLogger("liqwatch.connectors")

OnDecoded = Callable[[Venue, Subscription, Decoded], Awaitable[None]]
OnGap = Callable[[dict], Awaitable[None]]
Clock = Callable[[], int]


def now_ms() -> int:
    """Wall-clock time in epoch milliseconds."""
    return time.time_ns() // 1_000_000


class RawSink(Protocol):
    """Receives every raw frame and connection event of a session (a recording)."""

    def message(self, venue: str, conn: str, text: str, received_ts: int) -> None:
        """One text frame as received."""

    def connected(self, venue: str, conn: str, ts: int) -> None:
        """The connection `conn` (subscription key) is up and subscribed."""


@dataclass
class Backoff:
    """Exponential reconnect delays with full jitter, reset after a healthy connection."""

    base_s: float = 0.5
    cap_s: float = 30.0
    attempt: int = 0

    def next_delay(self, rng: random.Random) -> float:
        """Delay before the next attempt: uniform in [0, min(cap, base·2^attempt)]."""
        delay = rng.uniform(0, min(self.cap_s, self.base_s * 2 ** self.attempt))
        self.attempt += 1
        return delay

    def reset(self) -> None:
        """A connection worked: start again from the base delay."""
        self.attempt = 0


def gap_record(venue: str, channel: str, from_ts: int, to_ts: int, reason: str) -> dict:
    """A period without data on one venue's channel."""
    return {"gap_id": stable_id("gap", venue, channel, from_ts), "exchange": venue,
            "channel": channel, "from_ts": from_ts, "to_ts": to_ts, "reason": reason[:500]}


class Session:
    """Keeps one venue subscription connected and feeds decoded messages onwards."""

    def __init__(self, venue: Venue, sub: Subscription, on_decoded: OnDecoded, on_gap: OnGap,
                 raw: RawSink | None = None, backoff: Backoff | None = None,
                 idle_timeout_s: float = 60.0, seed: int | None = None,
                 clock: Clock = now_ms) -> None:
        self.venue, self.sub = venue, sub
        self.on_decoded, self.on_gap, self.raw = on_decoded, on_gap, raw
        self.clock = clock  # receive times and gaps; a raw replay passes recorded time
        self.backoff = backoff or Backoff()
        self.idle_timeout_s = idle_timeout_s
        self.rng = random.Random(seed)
        self.connected = asyncio.Event()
        self.connects = 0
        self.messages = 0
        self.last_message_at: int | None = None

    async def run(self) -> None:
        """Run until cancelled; feed errors only ever lead to a reconnect."""
        down_since: int | None = None
        reason = ""
        async with aiohttp.ClientSession() as http:
            while True:
                try:
                    async with http.ws_connect(
                            self.sub.url, heartbeat=self._ws_heartbeat(),
                            timeout=aiohttp.ClientWSTimeout(ws_receive=self.idle_timeout_s)) as ws:
                        await self._subscribe(ws)
                        self.connects += 1
                        self.connected.set()
                        log.info("connected venue=%s channel=%s url=%s", self.venue.name,
                                 self.sub.key, self.sub.url)
                        if self.raw is not None:
                            self.raw.connected(self.venue.name, self.sub.key, self.clock())
                        if down_since is not None:
                            await self.on_gap(gap_record(self.venue.name, self.sub.key,
                                                         down_since, self.clock(), reason))
                            down_since = None
                        reason = await self._read(ws)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # connect/read errors of every kind mean: reconnect
                    reason = f"{type(exc).__name__}: {exc}"
                self.connected.clear()
                if down_since is None:  # data is known until the last message received
                    down_since = self.last_message_at or self.clock()
                delay = self.backoff.next_delay(self.rng)
                log.warning("disconnected venue=%s channel=%s reason=%s retry_in=%.2fs",
                            self.venue.name, self.sub.key, reason, delay)
                await asyncio.sleep(delay)

    def _ws_heartbeat(self) -> float | None:
        return None if self.venue.ping_frame() else self.venue.ping_interval_s

    async def _subscribe(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        for frame in self.sub.frames:
            await ws.send_str(frame)

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> str:
        decoder = self.venue.decoder()
        pinger = asyncio.create_task(self._ping(ws)) if self.venue.ping_frame() else None
        try:
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    received = self.last_message_at = self.clock()
                    if self.raw is not None:
                        self.raw.message(self.venue.name, self.sub.key, msg.data, received)
                    decoded = decoder.feed(msg.data, received)
                    for reply in decoded.replies:
                        await ws.send_str(reply)
                    if decoded.liquidations or decoded.trades or decoded.rejects:
                        await self.on_decoded(self.venue, self.sub, decoded)
                    self.messages += 1  # counted once handled: a replay waits on it
                    self.backoff.reset()
                elif msg.type == aiohttp.WSMsgType.ERROR:
                    return f"websocket error: {ws.exception()}"
            return f"closed by server (code {ws.close_code})"
        finally:
            if pinger is not None:
                pinger.cancel()

    async def _ping(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        frame = self.venue.ping_frame()
        assert frame is not None
        while not ws.closed:
            await asyncio.sleep(self.venue.ping_interval_s)
            await ws.send_str(frame)
