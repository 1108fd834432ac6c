"""Hands stories to the news topic in event-time order, `delay_ms` behind the wall clock.

Feeds are polled, not pushed: a story arrives seconds to minutes after its publication
time, and outlets are polled in no particular order. The workers drop a story older than
its partition's watermark as late, and the global watermark (the minimum over every
input partition) decides when liquidation steps close and which stories can be a
spike's trigger. So stories wait here until the clock is `delay_ms` past their
publication, go out oldest first, and every tick promises the news partitions a
watermark of now − `delay_ms`. A larger delay lets slower feeds in, and delays every
live alert by as much.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable

from connectors.kafka.publisher import BatchPublisher
from streams import topics as T


class NewsOutbox:
    """Reorder buffer between the news poller and a BatchPublisher that owns the news
    partitions' watermarks (its `topics` should be just the news topic)."""

    def __init__(self, publisher: BatchPublisher, delay_ms: int,
                 clock: Callable[[], int]) -> None:
        self.publisher = publisher
        self.delay_ms = delay_ms
        self.clock = clock
        self.watermark: int | None = None
        self._heap: list[tuple[int, str, dict]] = []
        self._dead: list[dict] = []

    def __len__(self) -> int:
        return len(self._heap)

    def put(self, item: dict) -> bool:
        """Queue a story; False if the news watermark already passed it (it goes out at
        once, and the workers will dead-letter it as late)."""
        heapq.heappush(self._heap, (item["published_at"], item["news_id"], item))
        return self.watermark is None or item["published_at"] >= self.watermark

    def dead_letter(self, record: dict) -> None:
        """Queue a dead-letter record (streams.records.dlq_record) for the next tick."""
        self._dead.append(record)

    async def tick(self) -> None:
        """Publish the stories now due, oldest first, then the news watermark."""
        mark = self.clock() - self.delay_ms
        if self.watermark is not None:
            mark = max(mark, self.watermark)
        await self._release(mark)
        await self.publisher.tick(mark)
        self.watermark = mark

    async def close(self) -> None:
        """Publish everything still queued and wait until the broker has it."""
        await self._release(None)
        await self.publisher.flush()
        await self.publisher.drain()

    async def _release(self, until: int | None) -> None:
        dead, self._dead = self._dead, []
        for record in dead:
            await self.publisher.dead_letter(record)
        heap = self._heap
        while heap and (until is None or heap[0][0] <= until):
            published_at, news_id, item = heapq.heappop(heap)
            await self.publisher.add(T.NEWS, news_id, item, published_at)
