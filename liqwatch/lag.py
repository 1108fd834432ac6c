"""Consumer lag of the worker's group: how far the stream processor is behind its input.

Lag per partition is the partition's end offset minus the group's committed offset (the
next offset the group will read). A probe consumer reads both outside the group: it is
given its partitions by hand, so it never joins the group or takes partitions from a
worker. (aiokafka's admin `list_consumer_group_offsets` is not answered by the embedded
Tansu broker; the consumer's `committed()` is.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, TopicPartition

from streams import topics as T

log = logging.getLogger("liqwatch.lag")

#: What a worker consumes (see streams.app.Pipeline).
WORKER_TOPICS = (*T.INPUT_TOPICS, T.DLQ, T.STATS, T.GAPS)


class ConsumerLag:
    """Refreshes `lag[(topic, partition)]` of consumer group `group` every `interval_s`.

    Partitions the group has never committed are left out (their lag is unknown, not 0).
    """

    def __init__(self, bootstrap: str, group: str, topics: Sequence[str] = WORKER_TOPICS,
                 interval_s: float = 10.0) -> None:
        self.bootstrap, self.group = bootstrap, group
        self.topics = tuple(topics)
        self.interval_s = interval_s
        self.lag: dict[tuple[str, int], int] = {}
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        """Connect and refresh in the background."""
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, group_id=self.group,
                                    enable_auto_commit=False)
        await consumer.start()
        self._consumer = consumer
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Stop refreshing and disconnect (safe to call twice)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            await consumer.stop()

    async def refresh(self) -> dict[tuple[str, int], int]:
        """Read end and committed offsets now; returns and keeps the lag per partition."""
        consumer = self._consumer
        if consumer is None:
            raise RuntimeError("ConsumerLag.start() was not called")
        tps = [TopicPartition(t, p) for t in self.topics
               for p in sorted(consumer.partitions_for_topic(t) or ())]
        if not tps:
            return self.lag
        if set(tps) != consumer.assignment():  # re-assigning the same set races the coordinator
            consumer.assign(tps)
        ends = await consumer.end_offsets(tps)
        lag = {}
        for tp in tps:
            committed = await consumer.committed(tp)
            if committed is not None:
                lag[(tp.topic, tp.partition)] = max(0, ends[tp] - committed)
        self.lag = lag
        return lag

    async def _run(self) -> None:
        while True:
            try:
                await self.refresh()
            except Exception as exc:  # broker hiccup: keep the last values, try again
                log.warning("consumer lag refresh failed group=%s error=%s", self.group, exc)
            await asyncio.sleep(self.interval_s)
