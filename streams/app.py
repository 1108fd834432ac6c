"""The Faust app: agents wiring ingestion, merge/detection, news and the sink together.

    liqwatch.liquidations ─► ingest_liquidations ─┐ (partials + watermark per partition)
    liqwatch.news ─────────► classify_news ───────┼─► liqwatch.internal.stats ─► detect ─► spikes, alerts
    liqwatch.trades ───────► trade_bars ──► ClickHouse                       (1 partition)
    liqwatch.dlq ──────────► archive_dlq ─► ClickHouse
    liqwatch.gaps ─────────► archive_gaps ─► ClickHouse  (live feed outages)

Each agent is a thin shell over the pure objects in `streams.ingest` and `streams.merge`.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import faust
import orjson

from streams import topics as T
from streams.correlator import Correlator, CorrelatorConfig
from streams.detector import Detector, DetectorConfig
from streams.ingest import LiquidationPartials, PartitionIngest, Reject, TradeBars
from streams.lexicon import Lexicon, LexiconConfig
from streams.merge import Outputs, StatsMerger
from streams.metrics import Metrics
from streams.records import dlq_record, validate_liquidation, validate_raw_news, validate_trade
from streams.sink import ClickHouseSink, ColumnStore
from streams.wire import Watermark, WireError, decode

log = logging.getLogger("liqwatch.streams")

DEFAULT_SECTORS = {"ai": ["FET", "RENDER", "TAO", "WLD", "AGIX", "OCEAN", "ARKM", "AI16Z",
                          "VIRTUAL", "NEAR", "GRT"]}


@dataclass
class StreamConfig:
    """Processing settings (liqwatch.toml [stream] and its [stream.detector],
    [stream.lexicon] and [stream.correlator] tables)."""

    partitions: int = 4
    lateness_ms: int = 10_000
    sink_batch_rows: int = 50_000
    sink_flush_interval_s: float = 1.0
    session_timeout_s: float = 10.0
    sectors: dict[str, list[str]] = field(default_factory=lambda: {
        k: list(v) for k, v in DEFAULT_SECTORS.items()})
    detector: DetectorConfig = field(default_factory=DetectorConfig)
    lexicon: LexiconConfig = field(default_factory=LexiconConfig)
    correlator: CorrelatorConfig = field(default_factory=CorrelatorConfig)


def classify_news(lexicon: Lexicon, rec: dict) -> dict:
    """A validated raw story → the canonical NewsItem dict."""
    c = lexicon.classify(rec["title"], rec.get("body") or "")
    return {"news_id": rec["news_id"], "source": rec["source"],
            "published_at": rec["published_at"], "title": rec["title"],
            "body": rec.get("body") or "", "url": rec.get("url") or "",
            "ai_score": c.ai_score, "entities": c.entities, "assets": c.assets, "kind": c.kind}


class Pipeline:
    """One worker's Faust app plus its in-memory state, sink and counters."""

    def __init__(self, cfg: StreamConfig, broker: str, store: ColumnStore,
                 app_id: str = "liqwatch", offset_reset: str = "earliest") -> None:
        self.cfg = cfg
        self.metrics = Metrics()
        self.sink = ClickHouseSink(store, self.metrics, cfg.sink_batch_rows,
                                   cfg.sink_flush_interval_s)
        self.lexicon = Lexicon(cfg.lexicon, cfg.sectors)
        sources = {f"{t}/{p}" for t in (T.LIQUIDATIONS, T.NEWS) for p in range(cfg.partitions)}
        self.merger = StatsMerger(Detector(cfg.detector, cfg.sectors),
                                  Correlator(cfg.correlator), sources)
        self.final_sources: set[str] = set()
        self.done = asyncio.Event()
        self.spikes: dict[str, dict] = {}
        self.alerts: dict[str, dict] = {}
        session = cfg.session_timeout_s
        # state is in memory; Faust still makes a data folder: keep it out of the cwd
        faust_dir = Path(tempfile.gettempdir()) / "liqwatch-faust"
        faust_dir.mkdir(exist_ok=True)
        self.app = faust.App(
            app_id, broker=f"kafka://{broker}", store="memory://", web_enabled=False,
            datadir=str(faust_dir / "{conf.name}"),
            topic_partitions=cfg.partitions, consumer_auto_offset_reset=offset_reset,
            broker_session_timeout=session, broker_rebalance_timeout=session,
            broker_heartbeat_interval=max(session / 5, 0.5), producer_linger_ms=5,
            producer_max_request_size=8_000_000, stream_buffer_maxsize=8192)
        raw = {"key_type": bytes, "value_type": bytes, "key_serializer": "raw",
               "value_serializer": "raw"}
        self.t_liq = self.app.topic(T.LIQUIDATIONS, partitions=cfg.partitions, **raw)
        self.t_trades = self.app.topic(T.TRADES, partitions=cfg.partitions, **raw)
        self.t_news = self.app.topic(T.NEWS, partitions=cfg.partitions, **raw)
        self.t_stats = self.app.topic(T.STATS, partitions=1, **raw)
        self.t_spikes = self.app.topic(T.SPIKES, partitions=1, **raw)
        self.t_alerts = self.app.topic(T.ALERTS, partitions=1, **raw)
        self.t_dlq = self.app.topic(T.DLQ, partitions=cfg.partitions, **raw)
        self.t_gaps = self.app.topic(T.GAPS, partitions=1, **raw)
        self._wire_agents()

    async def _dead_letter(self, source: str, rejects: list[Reject]) -> None:
        for r in rejects:
            self.metrics.dlq[r.reason] += 1
            rec = dlq_record(source, r.reason, r.detail, r.raw)
            await self.t_dlq.send(key=source.encode(), value=orjson.dumps(rec))

    def _mark_final(self, source: str) -> None:
        self.final_sources.add(source)
        self._check_done()

    def _check_done(self) -> None:
        trades = {f"{T.TRADES}/{p}" for p in range(self.cfg.partitions)}
        if self.merger.finished and trades <= self.final_sources:
            self.done.set()

    def _wire_agents(self) -> None:
        app, cfg, metrics, sink = self.app, self.cfg, self.metrics, self.sink

        @app.agent(self.t_liq, name="ingest_liquidations")
        async def ingest_liquidations(stream: faust.StreamT) -> None:
            ingests: dict[int, PartitionIngest] = {}
            partials: dict[int, LiquidationPartials] = {}
            async for event in stream.events():
                p = event.message.partition
                src = f"{T.LIQUIDATIONS}/{p}"
                ing = ingests.get(p)
                if ing is None:
                    ing = ingests[p] = PartitionIngest(src, cfg.lateness_ms, validate_liquidation)
                    partials[p] = LiquidationPartials(cfg.detector.step_ms)
                part = partials[p]
                msg = await self._decode(src, event.value)
                final = False
                if isinstance(msg, Watermark):
                    if msg.final:
                        ing.clock.final = True
                        final = True
                    elif msg.ts is not None:
                        ing.clock.advance(msg.ts)
                elif msg is not None:
                    metrics.events_in[T.LIQUIDATIONS] += len(msg)
                    res = ing.admit(msg)
                    metrics.accepted[T.LIQUIDATIONS] += len(res.rows)
                    metrics.duplicates[T.LIQUIDATIONS] += res.duplicates
                    sink.add("liquidations", res.rows)
                    part.add(res.rows)
                    await self._dead_letter(src, res.rejects)
                wm = ing.clock.watermark
                if final or (msg is not None and part.due(wm)):
                    stats = {"src": src, "wm": wm, "final": final, "partials": part.take(wm)}
                    await self.t_stats.send(key=b"stats", value=orjson.dumps(stats))
                if final:
                    self._mark_final(src)

        @app.agent(self.t_trades, name="trade_bars")
        async def trade_bars(stream: faust.StreamT) -> None:
            ingests: dict[int, PartitionIngest] = {}
            bars: dict[int, TradeBars] = {}
            async for event in stream.events():
                p = event.message.partition
                src = f"{T.TRADES}/{p}"
                ing = ingests.get(p)
                if ing is None:
                    ing = ingests[p] = PartitionIngest(src, cfg.lateness_ms, validate_trade)
                    bars[p] = TradeBars()
                msg = await self._decode(src, event.value)
                if isinstance(msg, Watermark):
                    if msg.final:
                        sink.add("trade_bars_1m", bars[p].close(None))
                        self._mark_final(src)
                        continue
                    if msg.ts is not None:
                        ing.clock.advance(msg.ts)
                elif msg is not None:
                    metrics.events_in[T.TRADES] += len(msg)
                    res = ing.admit(msg)
                    metrics.accepted[T.TRADES] += len(res.rows)
                    metrics.duplicates[T.TRADES] += res.duplicates
                    bars[p].add(res.rows)
                    await self._dead_letter(src, res.rejects)
                sink.add("trade_bars_1m", bars[p].close(ing.clock.watermark))

        @app.agent(self.t_news, name="classify_news")
        async def classify(stream: faust.StreamT) -> None:
            ingests: dict[int, PartitionIngest] = {}
            async for event in stream.events():
                p = event.message.partition
                src = f"{T.NEWS}/{p}"
                ing = ingests.get(p)
                if ing is None:
                    ing = ingests[p] = PartitionIngest(
                        src, cfg.lateness_ms, validate_raw_news, "news_id", "published_at")
                msg = await self._decode(src, event.value)
                final, news = False, []
                if isinstance(msg, Watermark):
                    if msg.final:
                        ing.clock.final = final = True
                    elif msg.ts is not None:
                        ing.clock.advance(msg.ts)
                elif msg is not None:
                    metrics.events_in[T.NEWS] += len(msg)
                    res = ing.admit(msg)
                    news = [classify_news(self.lexicon, r) for r in res.rows]
                    metrics.accepted[T.NEWS] += len(news)
                    sink.add("news", news)
                    await self._dead_letter(src, res.rejects)
                stats = {"src": src, "wm": ing.clock.watermark, "final": final, "news": news}
                await self.t_stats.send(key=b"stats", value=orjson.dumps(stats))
                if final:
                    self._mark_final(src)

        @app.agent(self.t_stats, name="detect")
        async def detect(stream: faust.StreamT) -> None:
            async for raw in stream:
                await self._publish(self.merger.ingest(orjson.loads(raw)))
                if self.merger.finished:
                    self._check_done()

        @app.agent(self.t_dlq, name="archive_dlq")
        async def archive_dlq(stream: faust.StreamT) -> None:
            async for raw in stream:
                try:
                    rec = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    rec = dlq_record(T.DLQ, "bad_message", "dlq record is not JSON", raw)
                metrics.events_in[T.DLQ] += 1
                metrics.dlq_archived[str(rec.get("reason", "unknown"))] += 1
                sink.add("dlq", [rec])

        @app.agent(self.t_gaps, name="archive_gaps")
        async def archive_gaps(stream: faust.StreamT) -> None:
            async for raw in stream:
                try:
                    rec = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    await self._dead_letter(T.GAPS, [Reject("bad_message", "gap is not JSON", raw)])
                    continue
                metrics.events_in[T.GAPS] += 1
                metrics.gaps[str(rec.get("exchange", "unknown"))] += 1
                log.warning("feed gap exchange=%s channel=%s from=%s to=%s reason=%s",
                            rec.get("exchange"), rec.get("channel"), rec.get("from_ts"),
                            rec.get("to_ts"), rec.get("reason"))
                sink.add("gaps", [rec])

    async def _decode(self, src: str, value: bytes) -> list | Watermark | None:
        try:
            return decode(value)
        except WireError as exc:
            await self._dead_letter(src, [Reject("bad_message", str(exc), value)])
            return None

    async def _publish(self, out: Outputs) -> None:
        for sp in out.spikes:
            d = sp.to_dict()
            if sp.spike_id not in self.spikes:
                self.metrics.spikes_raised[(sp.scope, sp.severity)] += 1
            self.spikes[sp.spike_id] = d
            self.metrics.produced[T.SPIKES] += 1
            await self.t_spikes.send(key=sp.spike_id.encode(), value=orjson.dumps(d),
                                     timestamp=sp.detected_at / 1000)
        self.sink.add("spikes", [sp.to_dict() for sp in out.spikes])
        for al in out.alerts:
            d = al.to_dict()
            if al.alert_id not in self.alerts:
                self.metrics.alerts_raised[(al.relation, al.severity)] += 1
            self.alerts[al.alert_id] = d
            self.metrics.produced[T.ALERTS] += 1
            await self.t_alerts.send(key=al.alert_id.encode(), value=orjson.dumps(d),
                                     timestamp=al.created_at / 1000)
            log.info("alert %s", al.title)
        self.sink.add("alerts", [al.to_dict() for al in out.alerts])
        self.sink.add("liquidations_1m", out.rollups)

    async def start(self) -> None:
        """Start the sink and the Faust app; returns once partitions are assigned."""
        self.sink.start()
        await self.app.start()

    async def stop(self) -> None:
        """Stop consuming, then flush the producer and the sink."""
        try:
            await self.app.stop()
        finally:
            await self.sink.stop()

    async def wait_done(self, dlq_expected: int, timeout_s: float, gaps_expected: int = 0) -> None:
        """Wait until every input partition ended, dlq and gap records are archived and
        flushed."""
        deadline = asyncio.get_running_loop().time() + timeout_s
        await asyncio.wait_for(self.done.wait(), timeout_s)
        while (self.metrics.events_in[T.DLQ] < dlq_expected + sum(self.metrics.dlq.values())
               or self.metrics.events_in[T.GAPS] < gaps_expected):
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("dead-letter or gap records not archived in time")
            await asyncio.sleep(0.05)
        await self.app.producer.flush()
        await self.sink.flush()
