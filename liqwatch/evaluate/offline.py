"""The processing core run in-process on scenario files, without Kafka or ClickHouse.

It drives the same pure objects the Faust agents drive (partition ingest, step partials,
the stats merger with detector and correlator, the lexicon), on one partition in event-time
order, so its spikes and alerts equal a full replay's (tests/evaluate checks this). It
exists for what a full replay is too slow for: scoring tens of scenarios while tuning.
`liqwatch eval` itself always goes through the real pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass

from connectors.files.tardis import BadLine
from liqwatch.replay import ReplayInputs, merged
from streams import topics as T
from streams.app import StreamConfig, classify_news
from streams.correlator import Correlator
from streams.detector import Detector
from streams.ingest import LiquidationPartials, PartitionIngest
from streams.lexicon import Lexicon
from streams.merge import Outputs, StatsMerger
from streams.records import validate_liquidation, validate_raw_news

LIQ_SRC, NEWS_SRC = "liquidations", "news"


@dataclass
class OfflineResult:
    """Latest version of every spike and alert, and every classified story."""

    spikes: list[dict]
    alerts: list[dict]
    news: list[dict]


def run_offline(cfg: StreamConfig, inputs: ReplayInputs) -> OfflineResult:
    """Detect and correlate over `inputs` (trades are not needed and are skipped)."""
    lexicon = Lexicon(cfg.lexicon, cfg.sectors)
    merger = StatsMerger(Detector(cfg.detector, cfg.sectors), Correlator(cfg.correlator),
                         {LIQ_SRC, NEWS_SRC})
    liq = PartitionIngest(LIQ_SRC, cfg.lateness_ms, validate_liquidation)
    news_in = PartitionIngest(NEWS_SRC, cfg.lateness_ms, validate_raw_news, "news_id",
                              "published_at")
    partials = LiquidationPartials(cfg.detector.step_ms)
    spikes: dict[str, dict] = {}
    alerts: dict[str, dict] = {}
    stories: list[dict] = []

    def keep(out: Outputs) -> None:
        for sp in out.spikes:
            spikes[sp.spike_id] = sp.to_dict()
        for al in out.alerts:
            alerts[al.alert_id] = al.to_dict()

    only_news = ReplayInputs(liquidations=inputs.liquidations, news=inputs.news)
    for _, kind, item in merged(only_news):
        if isinstance(item, BadLine):
            continue
        if kind == T.NEWS:
            rows = [classify_news(lexicon, r) for r in news_in.admit([item]).rows]
            stories += rows
            wm = liq.clock.watermark
            keep(merger.ingest({"src": NEWS_SRC, "wm": wm, "news": rows}))
            continue
        partials.add(liq.admit([item]).rows)
        wm = liq.clock.watermark
        if partials.due(wm):
            keep(merger.ingest({"src": LIQ_SRC, "wm": wm, "partials": partials.take(wm)}))
            keep(merger.ingest({"src": NEWS_SRC, "wm": wm}))
    keep(merger.ingest({"src": LIQ_SRC, "wm": None, "final": True,
                        "partials": partials.take(None)}))
    keep(merger.ingest({"src": NEWS_SRC, "wm": None, "final": True}))
    return OfflineResult(sorted(spikes.values(), key=lambda s: (s["onset_ts"], s["spike_id"])),
                         sorted(alerts.values(), key=lambda a: (a["created_at"], a["alert_id"])),
                         stories)
