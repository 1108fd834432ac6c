"""Links spikes to the AI stories that may have set them off, and says why.

Candidates are AI `event` stories published within `lead_ms` before a spike's onset (or
up to `slack_ms` after it: news often lags the first forced sells). The score multiplies
relevance, time proximity (exponential decay) and asset overlap. Coverage stories are
never triggers; a coverage story about a recent spike gets its own `coverage` alert, linked
to the spike whose assets best match the story's (then the largest).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from streams.ids import stable_id
from streams.records import Alert, Spike

MINUTE_MS = 60_000


@dataclass
class CorrelatorConfig:
    """Correlation window and scoring (liqwatch.toml [stream.correlator]).

    Defaults: stories up to `lead_ms` 6 h before a spike's onset (or `slack_ms` 10 min
    after) are candidates; score = relevance x exp(-lead / `decay_ms` 6 h) x asset overlap
    (1, or `no_overlap_factor` 0.6 when the story touches none of the spike's assets); the
    best at or above `min_score` 0.25 is named. A trigger story comes minutes to a few
    hours before a cascade, so the decay is slow enough that a 3-hour lead still counts.
    Coverage stories are linked to a spike up to `coverage_lookback_ms` 72 h after its
    onset; `ai_threshold` is the relevance an AI story needs.
    """

    lead_ms: int = 6 * 3_600_000
    slack_ms: int = 10 * MINUTE_MS
    decay_ms: int = 6 * 3_600_000
    min_score: float = 0.25
    no_overlap_factor: float = 0.6
    coverage_lookback_ms: int = 72 * 3_600_000
    ai_threshold: float = 0.5


def _usd(x: float) -> str:
    for unit, div in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(x) >= div:
            return f"${x / div:.1f}{unit}"
    return f"${x:.0f}"


def _scope_label(sp: Spike) -> str:
    if sp.scope == "sector":
        return f"{sp.key.upper()} tokens"
    if sp.scope == "market":
        shown = ", ".join(sp.assets[:4])
        more = f" +{len(sp.assets) - 4}" if len(sp.assets) > 4 else ""
        return f"Market-wide ({shown}{more})"
    return sp.key


def _minutes(ms: int) -> str:
    m = round(ms / MINUTE_MS)
    return f"{m} min" if abs(m) < 120 else f"{m / 60:.1f} h"


def headline(sp: Spike) -> str:
    """What happened, readable in two seconds: scope, side, size, duration, ratio."""
    until = sp.end_ts if sp.end_ts is not None else max(sp.peak_ts, sp.detected_at)
    text = (f"{_scope_label(sp)} {sp.liquidated_side}s liquidated {_usd(sp.notional_usd)} "
            f"in {_minutes(max(until - sp.onset_ts, MINUTE_MS))}, {sp.ratio:.1f}x normal")
    return text + (" (resolved)" if sp.status == "resolved" else "")


class Correlator:
    """Holds recent classified stories and turns spike changes into alerts."""

    def __init__(self, cfg: CorrelatorConfig) -> None:
        self.cfg = cfg
        self.news: deque[dict] = deque()
        self.spikes: dict[str, Spike] = {}
        self._trigger_of: dict[str, tuple[dict | None, float]] = {}

    def add_news(self, item: dict) -> list[Alert]:
        """Keep a story (in published order) and link it to recent spikes if coverage."""
        cfg = self.cfg
        self.news.append(item)
        horizon = item["published_at"] - cfg.lead_ms - cfg.coverage_lookback_ms
        while self.news and self.news[0]["published_at"] < horizon:
            self.news.popleft()
        if item["kind"] != "coverage" or item["ai_score"] < cfg.ai_threshold:
            return []
        recent = [s for s in self.spikes.values()
                  if 0 <= item["published_at"] - s.onset_ts <= cfg.coverage_lookback_ms]
        if not recent:
            return []
        told = set(item["assets"])

        def fit(s: Spike) -> tuple[float, float, str]:
            """How well the story's assets match the spike's (Jaccard), then its size."""
            assets = set(s.assets)
            union = told | assets
            return (len(told & assets) / len(union) if union else 0.0, s.notional_usd,
                    s.spike_id)

        sp = max(recent, key=fit)
        delay = item["published_at"] - sp.onset_ts
        return [Alert(
            alert_id=stable_id("alert", sp.spike_id, item["news_id"]),
            created_at=item["published_at"], spike_id=sp.spike_id, news_id=item["news_id"],
            relation="coverage", correlation_score=0.0, severity="info",
            title=f"Coverage: '{item['title']}' reports {headline(sp)}",
            body=f"'{item['title']}' ({item['source']}) was published {_minutes(delay)} after "
                 f"the spike's onset and reports the move after the fact: coverage, not a "
                 f"trigger.",
            assets=list(sp.assets))]

    def _best_trigger(self, sp: Spike) -> tuple[dict | None, float]:
        cfg = self.cfg
        best: tuple[dict | None, float] = (None, 0.0)
        for item in self.news:
            lead = sp.onset_ts - item["published_at"]
            if item["kind"] != "event" or item["ai_score"] < cfg.ai_threshold:
                continue
            if not -cfg.slack_ms <= lead <= cfg.lead_ms:
                continue
            overlap = 1.0 if set(item["assets"]) & set(sp.assets) else cfg.no_overlap_factor
            score = item["ai_score"] * math.exp(-max(lead, 0) / cfg.decay_ms) * overlap
            if score > best[1]:
                best = (item, score)
        return best if best[1] >= cfg.min_score else (None, 0.0)

    def on_spike(self, sp: Spike) -> Alert:
        """The alert for a spike as it now stands (same alert_id through its lifecycle)."""
        self.spikes[sp.spike_id] = sp
        if sp.spike_id not in self._trigger_of:
            self._trigger_of[sp.spike_id] = self._best_trigger(sp)
        item, score = self._trigger_of[sp.spike_id]
        head = headline(sp)
        detail = (f"{sp.severity} severity, {sp.event_count} liquidations across "
                  f"{', '.join(sp.assets) or sp.key}, first flagged on the {sp.horizon} horizon")
        if item is None:
            title = f"{head}; no AI story in the {_minutes(self.cfg.lead_ms)} before"
            body = f"{title}. {detail}."
        else:
            lead = sp.onset_ts - item["published_at"]
            when = f"{_minutes(lead)} earlier" if lead >= 0 else f"{_minutes(-lead)} after onset"
            title = (f"{head}; likely trigger: '{item['title']}' {when}, "
                     f"relevance {item['ai_score']:.2f}")
            overlap = sorted(set(item["assets"]) & set(sp.assets))
            why = (f"story from {item['source']}, correlation score {score:.2f} (relevance x "
                   f"time decay x asset overlap: {', '.join(overlap) if overlap else 'none'})")
            body = f"{title}. {detail}; {why}."
        return Alert(
            alert_id=stable_id("alert", sp.spike_id),
            created_at=sp.detected_at, spike_id=sp.spike_id,
            news_id=None if item is None else item["news_id"],
            relation="none" if item is None else "trigger",
            correlation_score=round(score, 4), severity=sp.severity,
            title=title, body=body, version=sp.version, assets=list(sp.assets))
