"""`liqwatch run`: live monitoring in one process — broker (embedded or external), the
stream worker, the exchange connectors of every enabled venue and the news poller;
optionally recording every raw frame, and serving metrics for an operator's scraper."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer

from connectors.exchanges import venue_module
from connectors.kafka.publisher import BatchPublisher
from connectors.live.feeds import LiveFeeds
from connectors.live.markets import load_markets
from connectors.live.recording import RecordingWriter
from connectors.live.session import now_ms
from connectors.news.dedupe import StoryDeduper
from connectors.news.feed import FeedSource
from connectors.news.files import FileSource
from connectors.news.json_api import JsonSource
from connectors.news.outbox import NewsOutbox
from connectors.news.poller import NewsPoller
from connectors.news.source import NewsSource
from connectors.venue import Venue
from delivery.board import BoardError, WebBoard
from delivery.surface import SurfaceGroup
from delivery.webhooks import from_config as webhooks_from_config
from delivery.webhooks.dispatcher import WebhookDispatcher
from liqwatch.config import Config, ConfigError, NewsConfig
from liqwatch.infra import ensure_topics, kafka
from liqwatch.lag import ConsumerLag
from liqwatch.metrics_http import MetricsServer
from storage import Store
from streams import topics as T
from streams.app import Pipeline

log = logging.getLogger("liqwatch.live")


@dataclass
class LiveVenue:
    """A venue ready to connect: its connector, the symbols whose trades it follows and
    the instrument metadata it was built from."""

    venue: Venue
    trade_symbols: list[str]
    markets: list[dict]


async def build_venue(cfg: Config, name: str, markets: list[dict] | None = None,
                      trade_symbols: list[str] | None = None) -> LiveVenue:
    """One venue with its instruments (given, or REST, cache or shipped snapshot) and the
    trade symbols (given, or the instruments of the configured trade assets)."""
    module, venue_cls = venue_module(name)
    ex = cfg.exchanges[name]
    source = "recording"
    if markets is None:
        markets, source = await load_markets(name, cfg.data_dir / "markets", ex.rest_url,
                                             cfg.live.market_refresh_s)
    instruments = module.instruments_from_markets(name, markets)
    log.info("instruments venue=%s count=%d source=%s", name, len(instruments), source)
    if trade_symbols is None:
        wanted = set(cfg.live.trade_assets)
        trade_symbols = sorted(s for s, inst in instruments.items() if inst.base in wanted)
    return LiveVenue(venue_cls(instruments, ex.ws_url or None), trade_symbols, markets)


async def build_venues(cfg: Config) -> list[LiveVenue]:
    """Every enabled venue; ConfigError when none is."""
    names = [n for n, ex in cfg.exchanges.items() if ex.enabled]
    if not names:
        raise ConfigError("no exchange enabled; set [exchanges.<name>] enabled = true")
    return [await build_venue(cfg, n) for n in names]


def news_sources(cfg: NewsConfig) -> list[NewsSource]:
    """The configured feeds, JSON APIs and files, in that order (empty when disabled)."""
    if not cfg.enabled:
        return []
    sources: list[NewsSource] = [FeedSource(f.name, f.url) for f in cfg.feeds]
    for i, api in enumerate(cfg.json_sources):
        try:
            sources.append(JsonSource(api.name, api.url, api.items_path, api.fields))
        except ValueError as exc:
            raise ConfigError(f"[news] json_sources[{i}].fields: {exc}") from None
    return sources + [FileSource(path) for path in cfg.files]


def news_poller(cfg: Config, producer: AIOKafkaProducer,
                sources: list[NewsSource]) -> NewsPoller:
    """The poller of `sources`, publishing to the news topic with its own watermarks."""
    news = cfg.news
    publisher = BatchPublisher(producer, cfg.stream.partitions, span_ms=None,
                               heartbeat_ms=cfg.live.flush_interval_ms, topics=(T.NEWS,))
    outbox = NewsOutbox(publisher, int(news.watermark_delay_s * 1000), now_ms)
    deduper = StoryDeduper(int(news.dedupe_window_s * 1000), news.dedupe_threshold)
    return NewsPoller(sources, outbox, deduper, news.poll_interval_s,
                      cfg.live.flush_interval_ms / 1000, news.request_timeout_s)


def start_recording(directory: Path, venues: list[LiveVenue]) -> RecordingWriter:
    """A raw recording of these venues' connections, with their metadata."""
    writer = RecordingWriter(directory)
    writer.write_meta({v.venue.name: v.trade_symbols for v in venues},
                      {v.venue.name: v.markets for v in venues})
    return writer


class LiveRun:
    """Broker, worker and connectors of one `liqwatch run`; `started` is set once every
    part runs, and `pipeline`/`feeds` expose their counters."""

    def __init__(self, cfg: Config, store: Store, record_dir: Path | None = None,
                 board: WebBoard | None = None) -> None:
        self.cfg, self.store = cfg, store
        self.record_dir = record_dir
        self.board = board
        self.started = asyncio.Event()
        self.pipeline: Pipeline | None = None
        self.feeds: LiveFeeds | None = None
        self.news: NewsPoller | None = None

    async def run(self) -> None:
        """Run until cancelled; flush everything on the way out."""
        cfg = self.cfg
        venues = await build_venues(cfg)
        sources = news_sources(cfg.news)
        hooks = webhooks_from_config(cfg.webhooks, group_id=cfg.webhooks.group_id)
        writer = start_recording(self.record_dir, venues) if self.record_dir else None
        async with kafka(cfg) as bootstrap:
            await ensure_topics(bootstrap, cfg.stream.partitions)
            pipeline = self.pipeline = Pipeline(cfg.stream, bootstrap, self.store,
                                                offset_reset="latest")
            producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5,
                                        max_request_size=8_000_000)
            await pipeline.start()
            await producer.start()
            # With news on, the poller owns the news partitions' (later) watermarks.
            market = (T.LIQUIDATIONS, T.TRADES) if cfg.news.enabled else T.INPUT_TOPICS
            publisher = BatchPublisher(producer, cfg.stream.partitions, span_ms=None,
                                       heartbeat_ms=cfg.live.flush_interval_ms, topics=market)
            feeds = self.feeds = LiveFeeds(publisher, cfg.live.flush_interval_ms,
                                           cfg.live.watermark_delay_ms, raw=writer)
            news = self.news = news_poller(cfg, producer, sources) if cfg.news.enabled else None
            metrics = MetricsServer(pipeline.metrics, feeds,
                                    ConsumerLag(bootstrap, pipeline.app.conf.id), hooks)
            reporter = asyncio.create_task(_report(feeds, pipeline, news))
            surfaces = Surfaces(hooks, self.board)
            try:
                if cfg.live.metrics_addr:
                    print(f"metrics: {await metrics.start(cfg.live.metrics_addr)}", flush=True)
                await surfaces.start(bootstrap)
                names = ", ".join(v.venue.name for v in venues)
                print(f"liqwatch run: {names} -> {bootstrap}"
                      f"{f'; news from {len(sources)} sources' if news else ''}"
                      f"{f'; recording to {self.record_dir}' if writer else ''}; "
                      "Ctrl-C to stop", flush=True)
                self.started.set()
                await _until_one_ends(feeds.run([(v.venue, v.trade_symbols) for v in venues]),
                                      *([news.run()] if news else []))
            finally:
                reporter.cancel()
                await surfaces.stop()
                await metrics.stop()
                await producer.stop()
                await pipeline.stop()
                if writer is not None:
                    writer.close()


class Surfaces(SurfaceGroup):
    """The long-running surfaces of `run` and `worker`: webhooks and the web board (either
    may be off). A board that cannot listen is the user's to fix, in one line."""

    def __init__(self, hooks: WebhookDispatcher | None, board: WebBoard | None) -> None:
        super().__init__([s for s in (hooks, board) if s is not None])
        self.board = board

    async def start(self, bootstrap: str) -> None:
        """Start them all and print the board's URL."""
        try:
            await super().start(bootstrap)
        except BoardError as exc:
            await self.stop()
            raise ConfigError(f"[board]: {exc}; pick a free port with --board-port or [board] "
                              "port (0: any), or turn it off with --no-board") from None
        if self.board is not None:
            print(f"web board: {self.board.url}", flush=True)


async def _until_one_ends(*coros: Coroutine[Any, Any, None]) -> None:
    """Run the coroutines side by side until one returns or raises (re-raised as is);
    then cancel and await the others, so each runs its own clean-up."""
    tasks = [asyncio.create_task(c) for c in coros]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _report(feeds: LiveFeeds, pipeline: Pipeline, news: NewsPoller | None,
                  every_s: float = 30.0) -> None:
    while True:
        await asyncio.sleep(every_s)
        log.info("feeds %s", feeds.metrics.snapshot())
        if news is not None:
            log.info("news %s", news.metrics.snapshot())
        log.info("worker %s", pipeline.metrics.snapshot())
