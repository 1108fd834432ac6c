"""`liqwatch run`: live monitoring in one process — broker (embedded or external), the
stream worker, and the exchange connectors of every enabled venue."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from aiokafka import AIOKafkaProducer

from connectors.exchanges import venue_module
from connectors.kafka.publisher import BatchPublisher
from connectors.live.feeds import LiveFeeds
from connectors.live.markets import load_markets
from connectors.venue import Venue
from liqwatch.config import Config, ConfigError
from liqwatch.infra import ensure_topics, kafka
from storage import Store
from streams.app import Pipeline

log = logging.getLogger("liqwatch.live")


async def build_venue(cfg: Config, name: str) -> tuple[Venue, list[str]]:
    """One venue with its instruments (REST, cache or shipped snapshot) and the symbols
    whose trades to follow."""
    module, venue_cls = venue_module(name)
    ex = cfg.exchanges[name]
    markets, source = await load_markets(name, cfg.data_dir / "markets", ex.rest_url,
                                         cfg.live.market_refresh_s)
    instruments = module.instruments_from_markets(name, markets)
    log.info("instruments venue=%s count=%d source=%s", name, len(instruments), source)
    wanted = set(cfg.live.trade_assets)
    symbols = sorted(s for s, inst in instruments.items() if inst.base in wanted)
    return venue_cls(instruments, ex.ws_url or None), symbols


class LiveRun:
    """Broker, worker and connectors of one `liqwatch run`; `started` is set once every
    part runs, and `pipeline`/`feeds` expose their counters."""

    def __init__(self, cfg: Config, store: Store) -> None:
        self.cfg, self.store = cfg, store
        self.started = asyncio.Event()
        self.pipeline: Pipeline | None = None
        self.feeds: LiveFeeds | None = None

    async def run(self) -> None:
        """Run until cancelled; flush everything on the way out."""
        cfg = self.cfg
        names = [n for n, ex in cfg.exchanges.items() if ex.enabled]
        if not names:
            raise ConfigError("no exchange enabled; set [exchanges.<name>] enabled = true")
        venues: Sequence[tuple[Venue, list[str]]] = [await build_venue(cfg, n) for n in names]
        async with kafka(cfg) as bootstrap:
            await ensure_topics(bootstrap, cfg.stream.partitions)
            pipeline = self.pipeline = Pipeline(cfg.stream, bootstrap, self.store,
                                                offset_reset="latest")
            producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5,
                                        max_request_size=8_000_000)
            await pipeline.start()
            await producer.start()
            publisher = BatchPublisher(producer, cfg.stream.partitions, span_ms=None,
                                       heartbeat_ms=cfg.live.flush_interval_ms)
            feeds = self.feeds = LiveFeeds(publisher, cfg.live.flush_interval_ms,
                                           cfg.live.watermark_delay_ms)
            reporter = asyncio.create_task(_report(feeds, pipeline))
            print(f"liqwatch run: {', '.join(names)} -> {bootstrap}; Ctrl-C to stop", flush=True)
            self.started.set()
            try:
                await feeds.run(venues)
            finally:
                reporter.cancel()
                await producer.stop()
                await pipeline.stop()


async def _report(feeds: LiveFeeds, pipeline: Pipeline, every_s: float = 30.0) -> None:
    while True:
        await asyncio.sleep(every_s)
        log.info("feeds %s", feeds.metrics.snapshot())
        log.info("worker %s", pipeline.metrics.snapshot())
