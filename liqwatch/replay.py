"""Replay recorded files through the real path: Kafka → Faust agents → ClickHouse.

Inputs are merged in event-time order and published in batches with their original
event time; the same agents a live worker runs process them in this process (one worker,
or several in one consumer group). The replay ends when every input partition's final
marker has been processed, dead letters are archived and the sink has flushed; then it
reads the row counts back from ClickHouse.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import heapq
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from connectors.files.news_jsonl import read_news
from connectors.files.tardis import BadLine, read_market
from connectors.kafka.publisher import BatchPublisher
from connectors.testing.waiting import until
from delivery.surface import AlertSurface, SurfaceGroup
from liqwatch.config import Config
from liqwatch.infra import ensure_topics, kafka
from storage import Store
from streams import topics as T
from streams.app import Pipeline
from streams.metrics import Metrics
from streams.records import dlq_record
from streams.topics import market_key

log = logging.getLogger("liqwatch.replay")

SUMMARY_TABLES = ("liquidations", "trade_bars_1m", "news", "spikes", "alerts",
                  "liquidations_1m", "dlq")
Progress = Callable[[int, int], None]


@dataclass
class ReplayInputs:
    """Files to replay, by kind."""

    liquidations: list[Path] = field(default_factory=list)
    trades: list[Path] = field(default_factory=list)
    news: list[Path] = field(default_factory=list)

    def all(self) -> list[Path]:
        """Every input file."""
        return [*self.liquidations, *self.trades, *self.news]


@dataclass
class ReplaySummary:
    """What a replay did, for the one-screen summary and for tests."""

    lines_in: Counter
    dlq_lines: int
    rows: dict[str, int]
    spikes: list[dict]
    alerts: list[dict]
    wall_s: float
    metrics: dict

    @property
    def events_per_s(self) -> float:
        """Input lines per wall-clock second, first produce to last flush."""
        return sum(self.lines_in.values()) / self.wall_s if self.wall_s else 0.0


def count_lines(path: Path) -> int:
    """Data lines of a file (gzip-aware), for the progress bar."""
    opener = gzip.open if path.suffix == ".gz" else open
    n = 0
    with opener(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            n += chunk.count(b"\n")
    return n


def batch_span_ms(max_span_ms: int, speed: float | None) -> int:
    """Event time one batch may span: `max_span_ms` at full speed, 100 ms of wall time
    when paced (as a live connector flushes)."""
    if speed is None:
        return max_span_ms
    return max(1, min(max_span_ms, int(speed * 100)))


def _stream(kind: str, path: Path) -> Iterator[tuple[int, str, dict | BadLine]]:
    items = read_news(path) if kind == T.NEWS else read_market(
        path, "liquidations" if kind == T.LIQUIDATIONS else "trades")
    ts_field = "published_at" if kind == T.NEWS else "ts"
    last = 0
    for item in items:
        if not isinstance(item, BadLine):
            last = item[ts_field]
        yield last, kind, item


def merged(inputs: ReplayInputs) -> Iterator[tuple[int, str, dict | BadLine]]:
    """All inputs as one stream in event-time order (files are each time-ordered)."""
    streams = [_stream(T.LIQUIDATIONS, p) for p in inputs.liquidations]
    streams += [_stream(T.TRADES, p) for p in inputs.trades]
    streams += [_stream(T.NEWS, p) for p in inputs.news]
    return heapq.merge(*streams, key=lambda x: x[0])


async def start_group_at_end(bootstrap: str, group: str, topics: list[str]) -> None:
    """Commit a fresh consumer group at the topics' current ends: a replay on a shared
    broker processes only what it publishes, not earlier runs' messages."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group,
                                enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(t, p) for t in topics
               for p in sorted(consumer.partitions_for_topic(t) or ())]
        consumer.assign(tps)
        ends = await consumer.end_offsets(tps)
        if any(ends.values()):
            await consumer.commit({tp: off for tp, off in ends.items()})
    finally:
        await consumer.stop()


async def _publish(publisher: BatchPublisher, inputs: ReplayInputs,
                   speed: float | None, progress: Progress | None, total: int) -> Counter:
    lines: Counter = Counter()
    first_ts: int | None = None
    wall0 = time.perf_counter()
    for n, (ts, kind, item) in enumerate(merged(inputs), start=1):
        lines[kind] += 1
        if isinstance(item, BadLine):
            await publisher.dead_letter(dlq_record(item.source, item.reason, item.detail, item.raw))
        else:
            if speed is not None:
                first_ts = ts if first_ts is None else first_ts
                wait = wall0 + (ts - first_ts) / 1000 / speed - time.perf_counter()
                if wait > 0.002:
                    await publisher.flush()
                    await asyncio.sleep(wait)
            key = item["news_id"] if kind == T.NEWS else market_key(item["exchange"], item["symbol"])
            await publisher.add(kind, key, item, ts)
        if n % 2_000 == 0:
            if progress is not None:
                progress(n, total)
            await asyncio.sleep(0)
    await publisher.finish()
    if progress is not None:
        progress(total, total)
    return lines


def compact_versions(store: Store) -> None:
    """Merge the superseded versions of spikes and alerts (an open spike is rewritten as
    it grows), so plain queries without FINAL count each once after a replay."""
    for table in ("spikes", "alerts"):
        store.execute(f"OPTIMIZE TABLE liqwatch.{table} FINAL")


def table_counts(store: Store) -> dict[str, int]:
    """Rows per analyst table after de-duplication (FINAL)."""
    return {t: int(store.query(f"SELECT count() FROM liqwatch.{t} FINAL").scalar())
            for t in SUMMARY_TABLES}


class GroupSettler:
    """Tells when the in-process workers of one consumer group share the input partitions,
    and counts partition revocations (rebalances) after that.

    Window state lives in each worker's memory (see README, Known limits), so a partition
    that moves to another worker mid-stream loses its watermark, duplicate memory and
    unsent partial sums, and is re-read from the last committed offset. A multi-worker
    replay therefore publishes only once the group has settled, and fails if it rebalances
    while the input is processed instead of returning results that may be wrong.
    """

    def __init__(self, pipelines: Sequence[Pipeline], partitions: int) -> None:
        self.pipelines = pipelines
        self.wanted = {(t, p) for t in (*T.INPUT_TOPICS, T.DLQ) for p in range(partitions)}
        self.wanted |= {(t, 0) for t in (T.STATS, T.GAPS)}
        self.revocations = 0
        self._watching = False
        for pipeline in pipelines:  # weak: Faust keeps receivers in a class-wide registry
            pipeline.app.on_partitions_revoked.connect(self._revoked, weak=True)

    async def _revoked(self, sender: object, revoked: set, **kwargs: object) -> None:
        if self._watching:
            self.revocations += 1

    def assignments(self) -> list[set[tuple[str, int]]]:
        """Each worker's assigned (topic, partition)s among liqwatch's consumed topics."""
        return [{(tp.topic, tp.partition) for tp in p.app.consumer.assignment()
                 if (tp.topic, tp.partition) in self.wanted} for p in self.pipelines]

    def settled(self) -> bool:
        """True when every worker has partitions and each consumed partition has one worker."""
        held = self.assignments()
        return (all(held) and sum(len(h) for h in held) == len(self.wanted)
                and set().union(*held) == self.wanted)

    async def wait(self, timeout_s: float) -> None:
        """Wait until the group has settled, then start counting revocations."""
        await until(self.settled, timeout_s, "consumer group assignment to every worker", 0.05)
        self._watching = True
        log.info("consumer group settled workers=%d assignments=%s", len(self.pipelines),
                 [sorted(h) for h in self.assignments()])

    def check(self) -> None:
        """Raise if the group rebalanced after it settled (see the class docstring)."""
        if self.revocations:
            raise RuntimeError(
                f"the consumer group rebalanced during the replay (workers lost their partitions "
                f"{self.revocations} time(s)): in-memory window state moved between workers, so "
                "results may be wrong; raise [stream] session_timeout_s or run one worker")


async def wait_all_done(pipelines: Sequence[Pipeline], partitions: int, dlq_expected: int,
                        timeout_s: float) -> None:
    """Several workers' version of `Pipeline.wait_done`: the worker holding the stats
    partition has merged every source's final marker, the workers together have seen every
    trade partition's final marker and archived every dead letter, and all have flushed."""
    trades = {f"{T.TRADES}/{p}" for p in range(partitions)}

    def done() -> bool:
        finals = set().union(*(p.final_sources for p in pipelines))
        archived = sum(p.metrics.events_in[T.DLQ] for p in pipelines)
        rejected = sum(sum(p.metrics.dlq.values()) for p in pipelines)
        return (any(p.merger.finished for p in pipelines) and trades <= finals
                and archived >= dlq_expected + rejected)

    await until(done, timeout_s, "every worker to finish the replay", 0.05)
    for pipeline in pipelines:
        await pipeline.app.producer.flush()
        await pipeline.sink.flush()


def merged_metrics(pipelines: Sequence[Pipeline]) -> dict:
    """The workers' counters summed, in `Metrics.snapshot` form."""
    total = Metrics()
    for pipeline in pipelines:
        total.merge(pipeline.metrics)
    return total.snapshot()


async def replay(cfg: Config, store: Store, inputs: ReplayInputs, speed: float | None = None,
                 progress: Progress | None = None, workers: int = 1,
                 surfaces: Sequence[AlertSurface] = ()) -> ReplaySummary:
    """Replay `inputs` at `speed`× event time (None: as fast as possible).

    `workers` > 1 runs that many Faust workers in this process, in one consumer group on
    the same broker and store, as several `liqwatch worker`s would: they split the input
    partitions, and the one assigned the single stats partition runs detection. Publishing
    then waits until every worker has its partitions, and a rebalance during the replay
    raises (see `GroupSettler`). The results must equal a one-worker replay's.
    `surfaces` (board, webhooks) follow the spikes and alerts as they are raised and are
    drained before the replay returns, so every alert reached them.
    """
    if workers < 1:
        raise ValueError(f"workers={workers}: give 1 or more")
    for path in inputs.all():
        if not path.is_file():
            raise FileNotFoundError(f"input file {path} does not exist")
    total = sum(count_lines(p) for p in inputs.all())
    async with kafka(cfg) as bootstrap:
        await ensure_topics(bootstrap, cfg.stream.partitions)
        group = f"liqwatch-replay-{uuid.uuid4().hex[:8]}"
        await start_group_at_end(bootstrap, group, [*T.INPUT_TOPICS, T.DLQ, T.STATS, T.GAPS])
        span = batch_span_ms(cfg.replay.span_ms, speed)
        stream = dataclasses.replace(cfg.stream, lateness_ms=cfg.stream.lateness_ms + span)
        pipelines = [Pipeline(stream, bootstrap, store, app_id=group) for _ in range(workers)]
        settler = GroupSettler(pipelines, cfg.stream.partitions) if workers > 1 else None
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5,
                                    max_batch_size=1 << 20, max_request_size=8_000_000)
        await asyncio.gather(*(p.start() for p in pipelines))
        await producer.start()
        group_surfaces = SurfaceGroup(surfaces)
        try:
            await group_surfaces.start(bootstrap)
            if settler is not None:
                await settler.wait(cfg.replay.timeout_s)
            wall0 = time.perf_counter()
            publisher = BatchPublisher(producer, cfg.stream.partitions, span,
                                       cfg.replay.max_batch, heartbeat_ms=max(span, 1_000))
            lines = await _publish(publisher, inputs, speed, progress, total)
            log.info("published events=%d messages=%d dlq=%d", publisher.sent_events,
                     publisher.sent_messages, publisher.sent_dlq)
            if settler is None:
                await pipelines[0].wait_done(publisher.sent_dlq, cfg.replay.timeout_s)
            else:
                await wait_all_done(pipelines, cfg.stream.partitions, publisher.sent_dlq,
                                    cfg.replay.timeout_s)
                settler.check()
            await group_surfaces.drain(cfg.replay.timeout_s)
            wall = time.perf_counter() - wall0
        finally:
            await group_surfaces.stop()
            await producer.stop()
            for pipeline in pipelines:
                await pipeline.stop()
    compact_versions(store)
    spikes = {k: v for p in pipelines for k, v in p.spikes.items()}
    alerts = {k: v for p in pipelines for k, v in p.alerts.items()}
    return ReplaySummary(
        lines_in=lines, dlq_lines=publisher.sent_dlq, rows=table_counts(store),
        spikes=sorted(spikes.values(), key=lambda s: (s["onset_ts"], s["spike_id"])),
        alerts=sorted(alerts.values(), key=lambda a: (a["created_at"], a["alert_id"])),
        wall_s=wall, metrics=merged_metrics(pipelines))
