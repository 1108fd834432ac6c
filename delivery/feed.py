"""Follow the spikes and alerts topics: the single source every alert surface reads.

A `TopicFeed` is an aiokafka consumer outside the worker's consumer group, so surfaces
never take partitions from the stream processor. Records arrive as `FeedItem`s in topic
order; each spike or alert may arrive several times, once per version (an open spike
that grows, then resolves), so surfaces key on the id and keep the highest version.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from streams import topics as T

KIND = {T.SPIKES: "spike", T.ALERTS: "alert"}


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One published spike or alert version."""

    kind: str  # "spike" or "alert"
    record: dict
    offset: int


class FeedError(RuntimeError):
    """The feed could not reach the broker or caught up too late."""


class TopicFeed:
    """Spike and alert records from `bootstrap`, from the end (live) or the beginning.

    `from_beginning` replays what the topics hold (a board opened mid-run shows the alerts
    raised so far); `group_id` commits offsets so a restarted webhook dispatcher resumes
    where it stopped instead of re-sending.
    """

    def __init__(self, bootstrap: str, topics: Sequence[str] = (T.SPIKES, T.ALERTS), *,
                 from_beginning: bool = True, group_id: str | None = None) -> None:
        self.bootstrap = bootstrap
        self.topics = tuple(topics)
        self.from_beginning = from_beginning
        self.group_id = group_id
        self._consumer: AIOKafkaConsumer | None = None
        self._handled: dict[TopicPartition, int] = {}

    async def start(self) -> None:
        """Connect and position on every partition of the topics."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, group_id=self.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest" if self.from_beginning else "latest")
        await consumer.start()
        parts = [TopicPartition(t, p) for t in self.topics
                 for p in sorted(consumer.partitions_for_topic(t) or {0})]
        consumer.assign(parts)
        if self.group_id is None:
            if self.from_beginning:
                await consumer.seek_to_beginning(*parts)
            else:
                await consumer.seek_to_end(*parts)
        for tp in parts:
            self._handled[tp] = await consumer.position(tp)
        self._consumer = consumer

    async def stop(self) -> None:
        """Disconnect (safe to call twice)."""
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            await consumer.stop()

    async def items(self) -> AsyncIterator[FeedItem]:
        """Every record as it arrives; undecodable ones are skipped (the worker wrote
        them, so a bad one is a bug to log, not input to dead-letter)."""
        consumer = self._require()
        while True:
            batches = await consumer.getmany(timeout_ms=500, max_records=500)
            for tp, messages in sorted(batches.items(), key=lambda kv: (kv[0].topic, kv[0].partition)):
                for msg in messages:
                    try:
                        record = orjson.loads(msg.value)
                    except orjson.JSONDecodeError:
                        continue
                    yield FeedItem(KIND.get(tp.topic, tp.topic), record, msg.offset)
                    self._handled[tp] = msg.offset + 1

    async def commit(self) -> None:
        """Commit the handled positions (only with a `group_id`)."""
        consumer = self._require()
        if self.group_id is not None and self._handled:
            await consumer.commit({tp: off for tp, off in self._handled.items()})

    async def end_offsets(self) -> dict[TopicPartition, int]:
        """Current end of every followed partition."""
        consumer = self._require()
        return await consumer.end_offsets(list(self._handled))

    async def wait_caught_up(self, ends: dict[TopicPartition, int], timeout_s: float) -> None:
        """Return once the records before `ends` have been yielded and handled."""
        deadline = time.monotonic() + timeout_s
        while any(self._handled.get(tp, 0) < end for tp, end in ends.items()):
            if time.monotonic() > deadline:
                behind = {f"{tp.topic}[{tp.partition}]": end - self._handled.get(tp, 0)
                          for tp, end in ends.items()}
                raise FeedError(f"feed still behind after {timeout_s:.0f} s: {behind}")
            await asyncio.sleep(0.05)

    def _require(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            raise FeedError("TopicFeed.start() was not called")
        return self._consumer
