"""Links spikes to the AI stories that may have set them off, and says why.

Candidates are AI `event` stories published within `lead_ms` before a spike's onset (or
up to `slack_ms` after it: news often lags the first forced sells). The score multiplies
relevance, time proximity (exponential decay) and asset overlap. Coverage stories are
never triggers; a coverage story about a recent spike gets its own `coverage` alert.
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
    """Correlation window and scoring (liqwatch.toml [correlator])."""

    lead_ms: int = 6 * 3_600_000
    slack_ms: int = 10 * MINUTE_MS
    decay_ms: int = 3 * 3_600_000
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
        return f"Market-wide ({', '.join(sp.assets)})"
    return sp.key


def _minutes(ms: int) -> str:
    m = round(ms / MINUTE_MS)
    return f"{m} min" if abs(m) < 120 else f"{m / 60:.1f} h"


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
        sp = max(recent, key=lambda s: (s.notional_usd, s.spike_id))
        delay = item["published_at"] - sp.onset_ts
        return [Alert(
            alert_id=stable_id("alert", sp.spike_id, item["news_id"]),
            created_at=item["published_at"], spike_id=sp.spike_id, news_id=item["news_id"],
            relation="coverage", correlation_score=0.0, severity="info",
            title=f"Coverage of {_scope_label(sp)} {sp.liquidated_side} liquidations: "
                  f"'{item['title']}'",
            body=f"Published {_minutes(delay)} after the spike's onset; it reports the "
                 f"move after the fact, so it is coverage, not a trigger.",
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
        horizon = sp.horizon
        head = (f"{_scope_label(sp)} {sp.liquidated_side}s liquidated "
                f"{_usd(sp.notional_usd)} ({horizon} trigger), {sp.ratio:.1f}x normal")
        if sp.status == "resolved":
            head += ", resolved"
        if item is None:
            why = "no AI story in the lead window"
            body = f"{head}; {why}."
        else:
            lead = sp.onset_ts - item["published_at"]
            when = f"{_minutes(lead)} earlier" if lead >= 0 else f"{_minutes(-lead)} after onset"
            why = (f"likely trigger: '{item['title']}' ({item['source']}) {when}, "
                   f"relevance {item['ai_score']:.2f}, score {score:.2f}")
            body = f"{head}; {why}."
        return Alert(
            alert_id=stable_id("alert", sp.spike_id),
            created_at=sp.detected_at, spike_id=sp.spike_id,
            news_id=None if item is None else item["news_id"],
            relation="none" if item is None else "trigger",
            correlation_score=round(score, 4), severity=sp.severity,
            title=head, body=body, version=sp.version, assets=list(sp.assets))
