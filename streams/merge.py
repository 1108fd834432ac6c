"""The single place where partitions meet: merges per-partition partial sums and news
under the global watermark, closes steps in event-time order, and runs detection,
correlation and the 1-minute rollup on them.

Everything here is a pure function of the closed steps and stories, processed in
event-time order, so the same input gives the same spikes and alerts whatever the speed,
partition count or interleaving of the input.
"""

from __future__ import annotations

import heapq
import logging
from dataclasses import dataclass, field

from streams.clock import GlobalClock
from streams.correlator import Correlator
from streams.detector import Detector, StepTotal
from streams.records import Alert, Spike

log = logging.getLogger("liqwatch.streams.merge")

MINUTE_MS = 60_000


@dataclass(slots=True)
class Outputs:
    """What one merged message (or the end of input) produced."""

    spikes: list[Spike] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    rollups: list[dict] = field(default_factory=list)

    def extend(self, other: Outputs) -> None:
        """Append another batch of outputs."""
        self.spikes += other.spikes
        self.alerts += other.alerts
        self.rollups += other.rollups


class StatsMerger:
    """Global-watermark merge of partials and stories into detection and rollups."""

    def __init__(self, detector: Detector, correlator: Correlator, sources: set[str]) -> None:
        self.detector = detector
        self.correlator = correlator
        self.step_ms = detector.cfg.step_ms
        if MINUTE_MS % self.step_ms:
            raise ValueError(f"step_ms={self.step_ms} must divide one minute")
        self.clock = GlobalClock(sources)
        self.pending: dict[int, dict[tuple[str, str, str], list[int]]] = {}
        self._steps: list[int] = []  # min-heap of the keys of `pending`
        self.news: list[dict] = []
        self.minutes: dict[tuple[int, str, str, str], list[int]] = {}
        self.cursor: int | None = None
        self.last_data_step: int | None = None
        self.finished = False

    def ingest(self, msg: dict) -> Outputs:
        """Take one stats message: partials, stories and the source's watermark."""
        pending = self.pending
        for step, asset, exchange, side, count, cents, mx in msg.get("partials", ()):
            parts = pending.get(step)
            if parts is None:
                parts = pending[step] = {}
                heapq.heappush(self._steps, step)
            acc = parts.get((asset, exchange, side))
            if acc is None:
                parts[(asset, exchange, side)] = [count, cents, mx]
            else:
                acc[0] += count
                acc[1] += cents
                acc[2] = max(acc[2], mx)
        self.news.extend(msg.get("news", ()))
        self.clock.update(msg["src"], msg.get("wm"), bool(msg.get("final")))
        if self.clock.all_final:
            return self.finish()
        wm = self.clock.watermark
        return Outputs() if wm is None else self._close_until(wm)

    def _release_news(self, before: int, out: Outputs) -> None:
        ready = sorted((n for n in self.news if n["published_at"] < before),
                       key=lambda n: (n["published_at"], n["news_id"]))
        if not ready:
            return
        self.news = [n for n in self.news if n["published_at"] >= before]
        for item in ready:
            out.alerts += self.correlator.add_news(item)

    def _next_step(self) -> int | None:
        steps = self._steps
        while steps and self.cursor is not None and steps[0] < self.cursor:
            stale = heapq.heappop(steps)  # cannot happen: partitions reject late events
            log.error("dropping partials for step %d, already closed", stale)
            self.pending.pop(stale, None)
        data = steps[0] if steps else None
        if self.detector.has_open and self.cursor is not None:
            return self.cursor if data is None else min(self.cursor, data)
        if data is None:
            return None
        return data if self.cursor is None else max(data, self.cursor)

    def _close_until(self, limit: int) -> Outputs:
        out = Outputs()
        step_ms = self.step_ms
        while True:
            s = self._next_step()
            if s is None or (s + 1) * step_ms > limit:
                break
            end = (s + 1) * step_ms
            self._release_news(end, out)
            parts = self.pending.pop(s, None)
            if self._steps and self._steps[0] == s:
                heapq.heappop(self._steps)
            self._process_step(s, parts or {}, out)
            self.cursor = s + 1
        self._release_news(limit, out)
        self._emit_minutes(limit, out)
        return out

    def _process_step(self, s: int, parts: dict, out: Outputs) -> None:
        by_asset: dict[tuple[str, str], StepTotal] = {}
        for (asset, exchange, side), (count, cents, mx) in parts.items():
            t = by_asset.setdefault((asset, side), StepTotal())
            t.usd += cents / 100
            t.count += count
            mk = (s * self.step_ms // MINUTE_MS * MINUTE_MS, asset, exchange, side)
            m = self.minutes.setdefault(mk, [0, 0, 0])
            m[0] += count
            m[1] += cents
            m[2] = max(m[2], mx)
        if parts:
            self.last_data_step = s
        for change in self.detector.step(s, by_asset):
            out.spikes.append(change.spike)
            out.alerts.append(self.correlator.on_spike(change.spike))
        self._emit_minutes((s + 1) * self.step_ms, out)

    def _emit_minutes(self, limit: int | None, out: Outputs) -> None:
        done = sorted(k for k in self.minutes if limit is None or k[0] + MINUTE_MS <= limit)
        for k in done:
            count, cents, mx = self.minutes.pop(k)
            out.rollups.append({"minute": k[0], "asset": k[1], "exchange": k[2],
                                "liquidated_side": k[3], "events": count,
                                "notional_usd": cents / 100, "max_event_usd": mx / 100})

    def finish(self) -> Outputs:
        """End of input: close every step, then let open spikes run to resolution."""
        if self.finished:
            return Outputs()
        self.finished = True
        last = max(self.pending) if self.pending else (self.cursor or 0)
        out = self._close_until((last + 1) * self.step_ms)
        if self.last_data_step is not None:
            cfg = self.detector.cfg
            tail = (max(cfg.horizons.values()) + cfg.quiet_ms) // self.step_ms + 1
            s = self.cursor if self.cursor is not None else self.last_data_step + 1
            while self.detector.has_open and s <= self.last_data_step + tail:
                self._process_step(s, {}, out)
                s += 1
        self._release_news(2**62, out)
        self._emit_minutes(None, out)
        return out
