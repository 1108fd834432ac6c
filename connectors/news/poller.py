"""Runs the news sources on an interval: poll every source at once, drop stories already
published (by any outlet), and queue the rest in the outbox for the news topic.

A source that fails is logged and counted and tried again next round; it never stops the
others. Bad items go to the dead-letter topic with their reason, once (a changed feed is
parsed whole again, its bad entries with it). Within a round, stories are offered oldest
first (ties by id), so which copy of a story wins does not depend on which outlet
answered first.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

import aiohttp

from connectors.files.tardis import BadLine
from connectors.news.dedupe import StoryDeduper
from connectors.news.outbox import NewsOutbox
from connectors.news.source import FetchError, NewsSource, Poll
from streams.records import dlq_record

log = logging.getLogger("liqwatch.news")

USER_AGENT = "liqwatch-news/0.1 (RSS/Atom poller)"
DEAD_LETTER_MEMORY = 10_000


@dataclass
class NewsMetrics:
    """Per-source counters an operator watches."""

    polls: Counter = field(default_factory=Counter)
    items: Counter = field(default_factory=Counter)          # published (queued) stories
    duplicates: Counter = field(default_factory=Counter)     # copies of another outlet's story
    repeats: Counter = field(default_factory=Counter)        # the source's own stories again
    not_modified: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    dead_letters: Counter = field(default_factory=Counter)
    late: Counter = field(default_factory=Counter)           # behind the news watermark

    def snapshot(self) -> dict:
        """Plain-dict view for logs."""
        return {name: dict(getattr(self, name)) for name in self.__dataclass_fields__}


class NewsPoller:
    """Polls `sources` every `interval_s`, ticking the outbox every `tick_s`."""

    def __init__(self, sources: Sequence[NewsSource], outbox: NewsOutbox,
                 deduper: StoryDeduper, interval_s: float, tick_s: float = 0.1,
                 timeout_s: float = 20.0) -> None:
        self.sources = list(sources)
        self.outbox = outbox
        self.deduper = deduper
        self.interval_s = interval_s
        self.tick_s = tick_s
        self.timeout_s = timeout_s
        self.metrics = NewsMetrics()
        self.rounds = 0
        self._dead_ids: OrderedDict[str, None] = OrderedDict()

    async def run(self) -> None:
        """Poll once (so the backlog goes out before the first watermark), then poll and
        tick until cancelled; on the way out publish what is queued."""
        timeout = aiohttp.ClientTimeout(total=self.timeout_s)
        async with aiohttp.ClientSession(timeout=timeout,
                                         headers={"User-Agent": USER_AGENT}) as http:
            ticker: asyncio.Task | None = None
            try:
                await self.poll_once(http)
                ticker = asyncio.create_task(self._tick_loop(), name="news:tick")
                while True:
                    await asyncio.sleep(self.interval_s)
                    await self.poll_once(http)
            finally:
                if ticker is not None:
                    ticker.cancel()
                    await asyncio.gather(ticker, return_exceptions=True)
                await self.outbox.close()

    async def _tick_loop(self) -> None:
        while True:
            await self.outbox.tick()
            await asyncio.sleep(self.tick_s)

    async def _poll(self, source: NewsSource, http: aiohttp.ClientSession,
                    now: int) -> Poll | None:
        self.metrics.polls[source.name] += 1
        try:
            return await source.poll(http, now)
        except FetchError as exc:
            self.metrics.errors[source.name] += 1
            log.warning("news poll failed source=%s error=%s", source.name, exc)
        except Exception:  # a parser bug on one outlet's document must not stop the rest
            self.metrics.errors[source.name] += 1
            log.exception("news poll failed source=%s", source.name)
        return None

    async def poll_once(self, http: aiohttp.ClientSession) -> None:
        """One round over every source."""
        now = self.outbox.clock()
        polls = await asyncio.gather(*(self._poll(s, http, now) for s in self.sources))
        stories: list[tuple[dict, str]] = []
        for source, poll in zip(self.sources, polls):
            if poll is None:
                continue
            if poll.not_modified:
                self.metrics.not_modified[source.name] += 1
                continue
            for item in poll.items:
                if isinstance(item, BadLine):
                    self._dead_letter(source.name, item)
                else:
                    # A story cannot have been published after it was fetched (outlet
                    # clocks and zones are wrong sometimes); a future time would hold
                    # back or make late every other story on its partition.
                    item["published_at"] = min(item["published_at"], now)
                    stories.append((item, source.name))
        stories.sort(key=lambda pair: (pair[0]["published_at"], pair[0]["news_id"]))
        for item, name in stories:
            self._offer(item, name)
        self.rounds += 1

    def _dead_letter(self, name: str, bad: BadLine) -> None:
        record = dlq_record(bad.source, bad.reason, bad.detail, bad.raw)
        if record["dlq_id"] in self._dead_ids:
            return
        self._dead_ids[record["dlq_id"]] = None
        if len(self._dead_ids) > DEAD_LETTER_MEMORY:
            self._dead_ids.popitem(last=False)
        self.metrics.dead_letters[name] += 1
        log.warning("news item rejected source=%s at=%s reason=%s detail=%s", name, bad.source,
                    bad.reason, bad.detail)
        self.outbox.dead_letter(record)

    def _offer(self, item: dict, name: str) -> None:
        dup = self.deduper.offer(item)
        if dup is not None and dup.reason == "same_id" and dup.first_source == item["source"]:
            self.metrics.repeats[name] += 1
            return
        if dup is not None:
            self.metrics.duplicates[name] += 1
            log.info("news duplicate source=%s news_id=%s of=%s first_source=%s reason=%s "
                     "similarity=%.2f title=%r", item["source"], item["news_id"], dup.first_id,
                     dup.first_source, dup.reason, dup.similarity, item["title"])
            return
        self.metrics.items[name] += 1
        if not self.outbox.put(item):
            self.metrics.late[name] += 1
            log.warning("news story behind the watermark source=%s news_id=%s "
                        "published_at=%d watermark=%s: workers will dead-letter it as late; "
                        "raise [news] watermark_delay_s to keep such stories",
                        item["source"], item["news_id"], item["published_at"],
                        self.outbox.watermark)
