"""Live feeds: every enabled venue's sessions, publishing to Kafka.

Each session runs on its own: it reconnects by itself, so one venue failing never stops
another. Decoded records are batched
per exchange:symbol and flushed every `flush_interval_ms`; idle partitions get a
watermark `watermark_delay_ms` behind the wall clock; rejects go to the dlq with the
exchange and reason; outages become gap records.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from connectors.kafka.publisher import BatchPublisher
from connectors.live.session import Clock, RawSink, Session, now_ms
from connectors.venue import Decoded, Subscription, Venue
from streams import topics as T
from streams.records import dlq_record
from streams.topics import market_key

log = logging.getLogger("liqwatch.connectors")


@dataclass
class FeedMetrics:
    """Per-exchange counters an operator watches."""

    liquidations: Counter = field(default_factory=Counter)
    trades: Counter = field(default_factory=Counter)
    rejects: Counter = field(default_factory=Counter)  # (exchange, reason)
    gaps: Counter = field(default_factory=Counter)

    def snapshot(self) -> dict:
        """Plain-dict view for logs."""
        return {"liquidations": dict(self.liquidations), "trades": dict(self.trades),
                "rejects": {f"{e}:{r}": n for (e, r), n in self.rejects.items()},
                "gaps": dict(self.gaps)}


class LiveFeeds:
    """Runs venues' sessions and publishes what they decode."""

    def __init__(self, publisher: BatchPublisher, flush_interval_ms: int = 100,
                 watermark_delay_ms: int = 2_000, raw: RawSink | None = None,
                 clock: Clock = now_ms) -> None:
        self.publisher = publisher
        self.flush_interval_ms = flush_interval_ms
        self.watermark_delay_ms = watermark_delay_ms
        self.raw = raw
        self.clock = clock
        self.metrics = FeedMetrics()
        self.sessions: list[Session] = []
        self._lock = asyncio.Lock()

    async def run(self, venues: Sequence[tuple[Venue, Sequence[str]]]) -> None:
        """Run every venue (with its trade symbols) and the flusher until cancelled."""
        tasks = [asyncio.create_task(self._flusher(), name="feeds:flush")]
        for venue, symbols in venues:
            for sub in venue.subscriptions(symbols):
                session = Session(venue, sub, self._on_decoded, self._on_gap, self.raw,
                                  clock=self.clock)
                self.sessions.append(session)
                tasks.append(asyncio.create_task(session.run(),
                                                 name=f"feed:{venue.name}:{sub.key}"))
        try:
            await asyncio.gather(*tasks)
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            async with self._lock:
                await self.publisher.flush()
                await self.publisher.drain()

    async def _on_decoded(self, venue: Venue, sub: Subscription, decoded: Decoded) -> None:
        async with self._lock:
            for topic, records, counter in ((T.LIQUIDATIONS, decoded.liquidations,
                                             self.metrics.liquidations),
                                            (T.TRADES, decoded.trades, self.metrics.trades)):
                for rec in records:
                    await self.publisher.add(topic, market_key(rec["exchange"], rec["symbol"]),
                                             rec, rec["ts"])
                counter[venue.name] += len(records)
            for rej in decoded.rejects:
                self.metrics.rejects[(venue.name, rej.reason)] += 1
                await self.publisher.dead_letter(dlq_record(
                    f"{venue.name}:{sub.key}", rej.reason, rej.detail, rej.raw))

    async def _on_gap(self, gap: dict) -> None:
        self.metrics.gaps[gap["exchange"]] += 1
        log.warning("gap exchange=%s channel=%s from=%d to=%d", gap["exchange"],
                    gap["channel"], gap["from_ts"], gap["to_ts"])
        async with self._lock:
            await self.publisher.gap(gap)

    async def _flusher(self) -> None:
        while True:
            await asyncio.sleep(self.flush_interval_ms / 1000)
            async with self._lock:
                await self.publisher.tick(self.clock() - self.watermark_delay_ms)
