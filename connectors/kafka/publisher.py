"""Batching publisher for market and news topics, for replays and live connectors.

Events are packed per key (exchange:symbol, or news_id) into batches of up to
`max_batch` events. Replay (`span_ms` set): all open batches are sent whenever event
time moves `span_ms` past the current batch window, so the stream on any partition is
never more than `span_ms` out of event-time order (the workers' allowed lateness must
cover it). Live (`span_ms` None): the caller calls `tick` every ~100 ms of wall time.
Partitions that got nothing for `heartbeat_ms` receive a watermark marker, so idle
partitions do not hold windows open; `finish` sends the final marker to every
partition. The Kafka message timestamp is the batch's last event time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import orjson
from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import murmur2

from streams import topics as T
from streams.wire import encode_batch, encode_watermark


def partition_for(key: bytes, partitions: int) -> int:
    """Kafka's default (Java client) partition for a key."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


class BatchPublisher:
    """Batches records by key in event time and publishes them with watermarks."""

    def __init__(self, producer: AIOKafkaProducer, partitions: int, span_ms: int | None = 5_000,
                 max_batch: int = 1_000, heartbeat_ms: int = 60_000,
                 topics: Iterable[str] = T.INPUT_TOPICS) -> None:
        self.producer = producer
        self.partitions = partitions
        self.span_ms = span_ms
        self.max_batch = max_batch
        self.heartbeat_ms = heartbeat_ms
        self.topics = tuple(topics)
        self._batches: dict[tuple[str, bytes], list[dict]] = {}
        self._window_start: int | None = None
        self._clock: int | None = None
        self._last_sent: dict[tuple[str, int], int] = {}
        self._inflight: list[asyncio.Future] = []
        self.sent_messages = 0
        self.sent_events = 0
        self.sent_dlq = 0
        self.sent_gaps = 0

    async def _send(self, topic: str, key: bytes, value: bytes, ts: int | None) -> None:
        p = partition_for(key, self.partitions)
        fut = await self.producer.send(topic, value=value, key=key, partition=p,
                                       timestamp_ms=ts)
        self._inflight.append(fut)
        self.sent_messages += 1
        if ts is not None:
            self._last_sent[(topic, p)] = max(ts, self._last_sent.get((topic, p), ts))
        if len(self._inflight) >= 2_000:
            await self.drain()

    async def _send_to(self, topic: str, partition: int, value: bytes, ts: int | None) -> None:
        fut = await self.producer.send(topic, value=value, partition=partition, timestamp_ms=ts)
        self._inflight.append(fut)

    async def drain(self) -> None:
        """Wait until every message handed to the producer is acknowledged."""
        if self._inflight:
            futs, self._inflight = self._inflight, []
            await asyncio.gather(*futs)

    async def add(self, topic: str, key: str, record: dict, ts: int) -> None:
        """Queue one record of event time `ts` (records must come in event-time order)."""
        if self.span_ms is None:
            pass
        elif self._window_start is None:
            self._window_start = ts
        elif ts >= self._window_start + self.span_ms:
            await self.flush()
            await self._heartbeat(ts - self.span_ms, ts)
            self._window_start = ts
        self._clock = ts if self._clock is None else max(self._clock, ts)
        k = (topic, key.encode())
        batch = self._batches.setdefault(k, [])
        batch.append(record)
        if len(batch) >= self.max_batch:
            await self._send_batch(k, self._batches.pop(k))

    async def _send_batch(self, k: tuple[str, bytes], events: list[dict]) -> None:
        ts_field = "published_at" if k[0] == T.NEWS else "ts"
        await self._send(k[0], k[1], encode_batch(events), events[-1][ts_field])
        self.sent_events += len(events)

    async def flush(self) -> None:
        """Send every open batch."""
        batches, self._batches = self._batches, {}
        for k, events in batches.items():
            await self._send_batch(k, events)

    async def tick(self, watermark_ms: int) -> None:
        """Live: send every open batch, then promise `watermark_ms` to idle partitions."""
        await self.flush()
        await self._heartbeat(watermark_ms, watermark_ms)

    async def gap(self, record: dict) -> None:
        """Publish a feed gap record (connectors.live.session.gap_record)."""
        await self._send_to(T.GAPS, 0, orjson.dumps(record), record["to_ts"])  # 1 partition
        self.sent_gaps += 1

    async def _heartbeat(self, mark: int, now: int) -> None:
        for topic in self.topics:
            for p in range(self.partitions):
                last = self._last_sent.get((topic, p))
                if last is None or last < now - self.heartbeat_ms:
                    await self._send_to(topic, p, encode_watermark(mark), mark)
                    self._last_sent[(topic, p)] = mark

    async def dead_letter(self, record: dict) -> None:
        """Publish a dead-letter record (see streams.app.dlq_record)."""
        await self._send(T.DLQ, record["source"].encode(), orjson.dumps(record), None)
        self.sent_dlq += 1

    async def finish(self) -> None:
        """Send what is open, then the final marker to every partition; wait for acks."""
        await self.flush()
        for topic in self.topics:
            for p in range(self.partitions):
                await self._send_to(topic, p, encode_watermark(None, final=True), self._clock)
        await self.drain()
        await self.producer.flush()
