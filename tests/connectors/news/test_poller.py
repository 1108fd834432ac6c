"""The news poller end to end on the real embedded Kafka-protocol broker (Tansu): three
outlets served by a local HTTP server, one of them carrying another's story under a
slightly different headline, bad items, an unreachable outlet. Stories reach
liqwatch.news once each, keyed by news_id, in publication order, with their time as
the message timestamp, followed by the news watermark; bad items reach the dlq with their
reason; a second round of unchanged feeds publishes nothing; a changed feed publishes
only its new story."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from connectors.kafka.publisher import BatchPublisher
from connectors.news.dedupe import StoryDeduper
from connectors.news.feed import FeedSource
from connectors.news.outbox import NewsOutbox
from connectors.news.poller import NewsPoller
from connectors.testing.waiting import until
from liqwatch.infra import embedded_broker, ensure_topics
from streams import topics as T
from streams.wire import Watermark, decode
from tests.connectors.news.conftest import NewsServer, atom, ms, rss, utc

PARTITIONS = 2
DELAY_MS = 120_000
MARKETS_WIRE_COPY = """<?xml version="1.0"?><rss version="2.0"><channel><title>Markets Wire</title>
<item><title>Crypto Liquidations Top $1B as DeepSeek Shakes Markets</title>
<link>https://marketswire.example/2025/01/27/liquidations</link>
<pubDate>Mon, 27 Jan 2025 16:10:00 GMT</pubDate>
<description>Leveraged traders lost more than $1 billion.</description></item>
<item><title>Nvidia loses $589 billion of market value in a day</title>
<link>https://marketswire.example/2025/01/27/nvidia</link>
<pubDate>Mon, 27 Jan 2025 21:05:00 GMT</pubDate></item>
</channel></rss>"""


class BrokenSource:
    """An outlet whose document trips a bug in parsing."""

    name = "Broken"

    async def poll(self, http: aiohttp.ClientSession, now_ms: int) -> None:
        raise RuntimeError("parser bug")


class Clock:
    """Wall clock the test moves by hand."""

    def __init__(self, at: str) -> None:
        self.now = ms(at)

    def __call__(self) -> int:
        return self.now


async def read_topics(bootstrap: str, *topics: str) -> dict[str, list]:
    """Every message of `topics` from the beginning, partition by partition:
    (partition, key, timestamp, decoded value)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(t, p) for t in topics for p in range(PARTITIONS)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        out: dict[str, list] = {t: [] for t in topics}
        positions = {tp: 0 for tp in tps}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while any(positions[tp] < ends[tp] for tp in tps):
            assert loop.time() < deadline, "topics not read to their end"
            for tp, msgs in (await consumer.getmany(timeout_ms=200)).items():
                for m in msgs:
                    value = decode(m.value) if tp.topic == T.NEWS else orjson.loads(m.value)
                    out[tp.topic].append((tp.partition, m.key, m.timestamp, value))
                    positions[tp] = m.offset + 1
        return out
    finally:
        await consumer.stop()


@contextlib.asynccontextmanager
async def news_topic(tmp_path: Path, clock: Clock) -> AsyncIterator[tuple[str, NewsOutbox]]:
    """The embedded broker with liqwatch's topics, and an outbox publishing to it."""
    async with embedded_broker(tmp_path / "logs") as bootstrap:
        await ensure_topics(bootstrap, PARTITIONS)
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
        await producer.start()
        try:
            publisher = BatchPublisher(producer, PARTITIONS, span_ms=None, heartbeat_ms=100,
                                       topics=(T.NEWS,))
            yield bootstrap, NewsOutbox(publisher, DELAY_MS, clock)
        finally:
            await producer.stop()


def assert_ordered_then_promised(messages: list, last_mark: int) -> None:
    """On every partition: stories in time order, each before any watermark that passes
    it, watermarks never going back, and the last one `last_mark`."""
    for p in range(PARTITIONS):
        mark, last_story, marks = None, None, []
        for _, _, _, v in (m for m in messages if m[0] == p):
            if isinstance(v, Watermark):
                assert mark is None or v.ts >= mark
                mark = v.ts
                marks.append(mark)
            else:
                t = v[0]["published_at"]
                assert (mark is None or t >= mark) and (last_story is None or t >= last_story)
                last_story = t
        assert marks and marks[-1] == last_mark


def stories(messages: list) -> list[dict]:
    """The news events of the messages, in order of publication time."""
    events = [e for _, _, _, v in messages if isinstance(v, list) for e in v]
    return sorted(events, key=lambda e: (e["published_at"], e["news_id"]))


async def scenario(tmp_path: Path) -> None:
    server = NewsServer()
    await server.start()
    server.publish("/ledger/rss", rss("app_store", "futures", "liquidations", "bad_date",
                                      "no_title"), "application/rss+xml",
                   utc("2025-01-27 15:30"))
    server.publish("/brief/atom", atom("sacks"), "application/atom+xml", utc("2025-01-28 20:05"))
    server.publish("/wire/rss", MARKETS_WIRE_COPY, "application/rss+xml", utc("2025-01-27 21:05"))
    sources = [FeedSource("Block Ledger", server.url("/ledger/rss")),
               FeedSource("Tech Brief", server.url("/brief/atom")),
               FeedSource("Markets Wire", server.url("/wire/rss")),
               FeedSource("Offline Outlet", "http://127.0.0.1:1/rss"), BrokenSource()]
    clock = Clock("2025-01-29 12:00")
    async with news_topic(tmp_path, clock) as (bootstrap, outbox):
        poller = NewsPoller(sources, outbox, StoryDeduper(6 * 3_600_000, 0.6),
                            interval_s=3600, timeout_s=5)
        async with aiohttp.ClientSession() as http:
            await poller.poll_once(http)
            await outbox.tick()
            await outbox.publisher.drain()
            first = await read_topics(bootstrap, T.NEWS, T.DLQ)

            await poller.poll_once(http)                          # nothing changed
            server.publish("/brief/atom", atom("openai_ft", "sacks"), "application/atom+xml",
                           utc("2025-01-29 08:10"))
            server.publish("/ledger/rss", rss("undated", "app_store", "futures", "liquidations",
                                              "bad_date", "no_title"), "application/rss+xml",
                           utc("2025-01-29 12:00"))
            clock.now += 30_000
            await poller.poll_once(http)                          # two new stories
            await outbox.tick()
            await outbox.publisher.drain()
            second = await read_topics(bootstrap, T.NEWS, T.DLQ)
    await server.stop()

    published = stories(first[T.NEWS])
    assert [s["title"][:30] for s in published] == [
        "DeepSeek’s AI assistant overta", "Nasdaq futures set for a weak ",
        "Crypto liquidations top $1 bil", "Nvidia loses $589 billion of m",
        "White House AI czar David Sack"]
    news = [(k, ts, v) for _, k, ts, v in first[T.NEWS] if isinstance(v, list)]
    assert len(news) == 5 and all(
        k.decode() == v[0]["news_id"] and ts == v[-1]["published_at"] and len(v) == 1
        for k, ts, v in news)                                   # key news_id, time = event time
    assert_ordered_then_promised(first[T.NEWS], clock.now - 30_000 - DELAY_MS)
    dlq = sorted((r["source"], r["reason"]) for _, _, _, r in first[T.DLQ])
    assert dlq == [("news:Block Ledger", "bad_timestamp"), ("news:Block Ledger", "missing_field")]

    m = poller.metrics
    assert m.items == {"Block Ledger": 4, "Tech Brief": 2, "Markets Wire": 1}
    assert m.duplicates == {"Markets Wire": 1}
    assert m.dead_letters == {"Block Ledger": 2}                  # once, though parsed twice
    assert m.errors == {"Offline Outlet": 3, "Broken": 3}
    assert m.not_modified == {"Block Ledger": 1, "Tech Brief": 1, "Markets Wire": 2}
    assert m.repeats == {"Block Ledger": 3, "Tech Brief": 1}
    assert m.late == {"Tech Brief": 1}                            # published after its mark

    new = stories(second[T.NEWS])[len(published):]
    assert [s["title"] for s in new] == ["OpenAI says it found signs DeepSeek used its models"]
    assert len(outbox) == 1                                       # the undated story, held
    assert len(second[T.DLQ]) == 2


def test_poller_publishes_each_story_once_in_order(tmp_path: Path):
    asyncio.run(scenario(tmp_path))


async def ticking(tmp_path: Path) -> None:
    server = NewsServer()
    await server.start()
    server.publish("/ledger/rss", rss("futures"), "application/rss+xml", utc("2025-01-26 22:20"))
    clock = Clock("2025-01-26 22:21")                   # the story is one minute old
    async with news_topic(tmp_path, clock) as (bootstrap, outbox):
        poller = NewsPoller([FeedSource("Block Ledger", server.url("/ledger/rss"))],
                            outbox, StoryDeduper(3_600_000, 0.6), interval_s=0.05, tick_s=0.01)
        task = asyncio.create_task(poller.run())
        await until(lambda: poller.rounds >= 2 and outbox.watermark is not None, 10,
                    "two poll rounds and a tick")
        assert len(outbox) == 1 and outbox.publisher.sent_events == 0   # held for the delay
        clock.now += DELAY_MS
        await until(lambda: outbox.publisher.sent_events == 1, 10, "the story released")
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        got = await read_topics(bootstrap, T.NEWS)
    await server.stop()
    (story,) = stories(got[T.NEWS])
    assert story["published_at"] == ms("2025-01-26 22:20")
    assert_ordered_then_promised(got[T.NEWS], clock.now - DELAY_MS)


def test_run_holds_stories_until_the_delay_has_passed(tmp_path: Path):
    asyncio.run(ticking(tmp_path))
