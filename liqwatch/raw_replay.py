"""`liqwatch replay --raw DIR`: a raw recording played through local exchange servers to
the real connectors, then Kafka → Faust agents → ClickHouse, as `liqwatch run` would
have processed it live (connectors.testing.playback)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import Counter
from collections.abc import Sequence

from aiokafka import AIOKafkaProducer

from connectors.kafka.publisher import BatchPublisher
from connectors.live.feeds import LiveFeeds
from connectors.live.markets import snapshot_markets
from connectors.live.recording import Recording, RecordingError
from connectors.testing.playback import Playback, ReplayClock
from delivery.surface import AlertSurface, SurfaceGroup
from liqwatch.config import Config
from liqwatch.infra import ensure_topics, kafka
from liqwatch.live import build_venue
from liqwatch.replay import (Progress, ReplaySummary, compact_versions, count_lines,
                             start_group_at_end, table_counts)
from storage import Store
from streams import topics as T
from streams.app import Pipeline

log = logging.getLogger("liqwatch.replay")


async def replay_raw(cfg: Config, store: Store, recording: Recording, speed: float | None = None,
                     progress: Progress | None = None,
                     surfaces: Sequence[AlertSurface] = ()) -> ReplaySummary:
    """Play `recording` at `speed`× receive time (None: as fast as the connectors go);
    `surfaces` (board, webhooks) follow the alerts and are drained before it returns."""
    total = sum(count_lines(f) for f in recording.files())
    first = next(iter(recording.events()), None)
    if first is None:
        raise RecordingError(f"{recording.directory} holds no frames")
    playback = Playback(recording.venues)
    await playback.start()
    try:
        venues = []
        for name, symbols in recording.venues.items():
            cfg.exchanges[name].ws_url = playback.ws_url(name)
            markets = recording.markets(name) or snapshot_markets(name)
            live = await build_venue(cfg, name, markets, symbols)
            playback.route(live.venue, live.trade_symbols)
            venues.append((live.venue, live.trade_symbols))
        clock = ReplayClock(first.t, speed)
        return await _run(cfg, store, recording, playback, venues, clock, progress, total,
                          SurfaceGroup(surfaces))
    finally:
        await playback.stop()


async def _run(cfg: Config, store: Store, recording: Recording, playback: Playback,
               venues: list, clock: ReplayClock, progress: Progress | None,
               total: int, surfaces: SurfaceGroup) -> ReplaySummary:
    async with kafka(cfg) as bootstrap:
        await ensure_topics(bootstrap, cfg.stream.partitions)
        group = f"liqwatch-replay-{uuid.uuid4().hex[:8]}"
        await start_group_at_end(bootstrap, group, [*T.INPUT_TOPICS, T.DLQ, T.STATS, T.GAPS])
        pipeline = Pipeline(cfg.stream, bootstrap, store, app_id=group)
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5,
                                    max_request_size=8_000_000)
        await pipeline.start()
        await producer.start()
        try:
            await surfaces.start(bootstrap)
            wall0 = time.perf_counter()
            publisher = BatchPublisher(producer, cfg.stream.partitions, span_ms=None,
                                       heartbeat_ms=cfg.live.flush_interval_ms)
            feeds = LiveFeeds(publisher, cfg.live.flush_interval_ms,
                              cfg.live.watermark_delay_ms, clock=clock)
            task = asyncio.create_task(feeds.run(venues), name="replay:feeds")
            await asyncio.sleep(0)  # feeds.run creates its sessions
            await playback.wait_subscribed()
            damaged: list[str] = []
            stats = await playback.play(recording.events(damaged), feeds.sessions, clock,
                                        progress, total)
            for line in damaged[:20]:
                log.warning("recording damaged: %s", line)
            lost = {k: stats[k] for k in ("unrouted", "not_connected", "unacknowledged")
                    if stats[k]}
            if lost:
                log.warning("raw replay could not deliver every frame: %s", lost)
            task.cancel()  # LiveFeeds flushes and drains on the way out
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await publisher.finish()
            log.info("raw replay frames=%s published=%d dlq=%d gaps=%d", dict(stats),
                     publisher.sent_events, publisher.sent_dlq, publisher.sent_gaps)
            await pipeline.wait_done(publisher.sent_dlq, cfg.replay.timeout_s,
                                     publisher.sent_gaps)
            await surfaces.drain(cfg.replay.timeout_s)
            wall = time.perf_counter() - wall0
        finally:
            await surfaces.stop()
            await producer.stop()
            await pipeline.stop()
    compact_versions(store)
    lines = Counter({"raw frames": total - len(damaged), "damaged lines": len(damaged)})
    return ReplaySummary(
        lines_in=lines, dlq_lines=publisher.sent_dlq, rows=table_counts(store),
        spikes=sorted(pipeline.spikes.values(), key=lambda s: (s["onset_ts"], s["spike_id"])),
        alerts=sorted(pipeline.alerts.values(), key=lambda a: (a["created_at"], a["alert_id"])),
        wall_s=wall, metrics=pipeline.metrics.snapshot())
