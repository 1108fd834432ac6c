"""Spike detection over closed event-time steps, per scope, side and horizon.

Scopes: each asset and liquidated side across exchanges; each configured sector (sum of
its assets); the market, which is breadth, not a sum: several unrelated assets (at least
`market_min_assets` from `market_min_sectors` sectors) spiking on the same side at once.
A spike opens when one horizon's rolling total is unusual in size (ratio to its normal,
z-score, USD floor) *and* in event count (one whale order is not a cascade), after the
baseline's warm-up. It stays open while any horizon is still elevated, resolves after
`quiet_ms` without that, and a new trigger within `cooldown_ms` of its end re-opens the
same spike: one cascade is one spike per scope and side.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from streams.baseline import EwmaBaseline
from streams.ids import stable_id
from streams.records import Spike

HOUR_MS = 3_600_000


@dataclass
class DetectorConfig:
    """Detection thresholds; every one is configuration (liqwatch.toml [detector])."""

    step_ms: int = 10_000
    horizons: dict[str, int] = field(default_factory=lambda: {
        "1m": 60_000, "5m": 300_000, "15m": 900_000, "1h": HOUR_MS})
    half_life_ms: int = 12 * HOUR_MS
    warmup_ms: int = 6 * HOUR_MS
    min_ratio: float = 5.0
    min_zscore: float = 3.0
    min_events: int = 8
    min_count_ratio: float = 3.5
    floor_usd: float = 100_000.0
    baseline_floor_usd: float = 1_000.0
    release_ratio: float = 2.0
    quiet_ms: int = 15 * 60_000
    cooldown_ms: int = 30 * 60_000
    market_min_assets: int = 3
    market_min_sectors: int = 2
    # (name, min notional USD, min ratio): the first tier either bound reaches wins.
    severity_tiers: list[tuple[str, float, float]] = field(default_factory=lambda: [
        ("critical", 20_000_000.0, 100.0), ("high", 5_000_000.0, 30.0),
        ("medium", 1_000_000.0, 10.0)])

    def severity(self, notional_usd: float, ratio: float) -> str:
        """Severity tier of a spike."""
        for name, min_usd, min_ratio in self.severity_tiers:
            if notional_usd >= min_usd or ratio >= min_ratio:
                return name
        return "low"


@dataclass(slots=True)
class StepTotal:
    """Liquidations of one scope and side in one step."""

    usd: float = 0.0
    count: int = 0
    assets: set[str] = field(default_factory=set)


@dataclass(slots=True)
class SpikeChange:
    """A spike as it stands after an open, re-open, severity change or resolution."""

    kind: str
    spike: Spike


class _Horizon:
    """Sliding total over one horizon plus its baselines on aligned windows."""

    __slots__ = ("name", "ms", "steps", "window", "usd", "count", "cur_w", "acc_usd",
                 "acc_count", "bl_usd", "bl_count")

    def __init__(self, name: str, ms: int, cfg: DetectorConfig) -> None:
        self.name, self.ms = name, ms
        self.steps = ms // cfg.step_ms
        self.window: deque[tuple[int, float, int]] = deque()
        self.usd = 0.0
        self.count = 0
        self.cur_w: int | None = None
        self.acc_usd = 0.0
        self.acc_count = 0
        half_life = max(cfg.half_life_ms / ms, 3.0)
        self.bl_usd = EwmaBaseline(half_life)
        self.bl_count = EwmaBaseline(half_life)

    def push(self, step: int, usd: float, count: int, step_ms: int, learn: bool) -> None:
        """Add one step; fold every aligned window it completes into the baselines."""
        w = step * step_ms // self.ms
        if self.cur_w is None:
            self.cur_w = w
        elif w != self.cur_w:
            if learn:
                self.bl_usd.update(self.acc_usd)
                self.bl_count.update(self.acc_count)
                self.bl_usd.update_zeros(w - self.cur_w - 1)
                self.bl_count.update_zeros(w - self.cur_w - 1)
            self.cur_w, self.acc_usd, self.acc_count = w, 0.0, 0
        self.acc_usd += usd
        self.acc_count += count
        if usd or count:
            self.window.append((step, usd, count))
            self.usd += usd
            self.count += count
        oldest = step - self.steps
        win = self.window
        while win and win[0][0] <= oldest:
            _, u, c = win.popleft()
            self.usd -= u
            self.count -= c
        if not win:
            self.usd, self.count = 0.0, 0


@dataclass(slots=True)
class _Open:
    """Book-keeping of a tracker's current (or cooling-down) spike."""

    spike: Spike
    last_hot_end: int
    assets: set[str]


class ScopeTracker:
    """Detection state of one (scope, key, side)."""

    def __init__(self, scope: str, key: str, side: str, cfg: DetectorConfig) -> None:
        self.scope, self.key, self.side, self.cfg = scope, key, side, cfg
        self.horizons = [_Horizon(n, ms, cfg) for n, ms in
                         sorted(cfg.horizons.items(), key=lambda kv: kv[1])]
        self.first_step: int | None = None
        self.current: _Open | None = None

    @property
    def is_open(self) -> bool:
        """True while a spike of this scope is open."""
        return self.current is not None and self.current.spike.status == "open"

    def step(self, step: int, total: StepTotal) -> SpikeChange | None:
        """Process one closed step; return the spike change it causes, if any."""
        cfg = self.cfg
        if self.first_step is None:
            self.first_step = step
        learn = not self.is_open
        for h in self.horizons:
            h.push(step, total.usd, total.count, cfg.step_ms, learn)
        end = (step + 1) * cfg.step_ms
        warm = (step - self.first_step) * cfg.step_ms >= cfg.warmup_ms
        trigger = self._trigger(end) if warm else None
        if self.is_open:
            return self._update_open(end, total, trigger)
        if trigger is not None:
            return self._open(end, trigger)
        return None

    def _trigger(self, end: int) -> tuple[_Horizon, float, float] | None:
        cfg = self.cfg
        for h in self.horizons:
            if h.usd < cfg.floor_usd or h.count < cfg.min_events:
                continue
            ratio = h.bl_usd.ratio(h.usd, cfg.baseline_floor_usd * h.ms / HOUR_MS)
            z = h.bl_usd.zscore(h.usd)
            count_ratio = h.count / max(h.bl_count.mean, 1.0)
            if ratio >= cfg.min_ratio and z >= cfg.min_zscore and count_ratio >= cfg.min_count_ratio:
                return h, ratio, z
        return None

    def _elevated(self) -> bool:
        cfg = self.cfg
        for h in self.horizons:
            floor = cfg.baseline_floor_usd * h.ms / HOUR_MS
            if h.usd >= cfg.floor_usd / 2 and h.bl_usd.ratio(h.usd, floor) >= cfg.release_ratio:
                return True
        return False

    def _onset(self, h: _Horizon) -> tuple[int, float, int]:
        """Onset = the window step that maximizes the event-count excess over three times
        the normal rate from there to now (a CUSUM change point: the reference above the
        normal rate makes ordinary noise before the onset subtract, not add)."""
        cfg = self.cfg
        per_step = 3 * max(h.bl_count.mean, 0.1) * cfg.step_ms / h.ms
        last = h.window[-1][0]
        best_step, best, excess = last, float("-inf"), 0.0
        for s, _, c in reversed(h.window):
            excess += c
            score = excess - per_step * (last - s + 1)
            if score > best:
                best, best_step = score, s
        longest = self.horizons[-1]
        usd = sum(u for s, u, _ in longest.window if s >= best_step)
        count = sum(c for s, _, c in longest.window if s >= best_step)
        return best_step * cfg.step_ms, usd, count

    def _open(self, end: int, trigger: tuple[_Horizon, float, float]) -> SpikeChange:
        cfg = self.cfg
        h, ratio, z = trigger
        prev = self.current
        if prev is not None and prev.spike.end_ts is not None \
                and end - prev.spike.end_ts <= cfg.cooldown_ms:
            sp = prev.spike
            sp.status, sp.end_ts = "open", None
            sp.version += 1
            prev.last_hot_end = end
            self._raise_peak(sp, end, ratio, z, h)
            return SpikeChange("reopen", sp)
        onset, usd, count = self._onset(h)
        baseline = max(h.bl_usd.mean, cfg.baseline_floor_usd * h.ms / HOUR_MS)
        sp = Spike(
            spike_id=stable_id("spike", self.scope, self.key, self.side, onset),
            scope=self.scope, key=self.key, assets=[], liquidated_side=self.side,
            horizon=h.name, onset_ts=onset, detected_at=end, peak_ts=end, end_ts=None,
            notional_usd=round(usd, 2), baseline_usd=round(baseline, 2),
            ratio=round(ratio, 3), zscore=round(z, 3), event_count=count,
            severity=cfg.severity(usd, ratio), status="open")
        self.current = _Open(sp, end, set())
        return SpikeChange("open", sp)

    def _raise_peak(self, sp: Spike, end: int, ratio: float, z: float, h: _Horizon) -> None:
        if ratio > sp.ratio:
            sp.ratio, sp.zscore, sp.peak_ts = round(ratio, 3), round(z, 3), end
            sp.baseline_usd = round(max(h.bl_usd.mean, self.cfg.baseline_floor_usd * h.ms / HOUR_MS), 2)

    def _update_open(self, end: int, total: StepTotal,
                     trigger: tuple[_Horizon, float, float] | None) -> SpikeChange | None:
        cfg = self.cfg
        cur = self.current
        assert cur is not None
        sp = cur.spike
        sp.notional_usd = round(sp.notional_usd + total.usd, 2)
        sp.event_count += total.count
        if trigger is not None:
            self._raise_peak(sp, end, trigger[1], trigger[2], trigger[0])
        if trigger is not None or self._elevated():
            cur.last_hot_end = end
        if end - cur.last_hot_end >= cfg.quiet_ms:
            sp.status, sp.end_ts = "resolved", cur.last_hot_end
            sp.severity = cfg.severity(sp.notional_usd, sp.ratio)
            sp.version += 1
            return SpikeChange("resolve", sp)
        severity = cfg.severity(sp.notional_usd, sp.ratio)
        if severity != sp.severity:
            sp.severity = severity
            sp.version += 1
            return SpikeChange("update", sp)
        return None


class MarketBreadth:
    """Market-wide spike per side: enough unrelated assets spiking together.

    Assets count when their own asset spike or their sector's spike is open; the
    market's notional is the sum of its asset spikes plus sector spikes not already
    covered by an asset spike.
    """

    def __init__(self, side: str, cfg: DetectorConfig, sector_of: dict[str, str]) -> None:
        self.side, self.cfg, self.sector_of = side, cfg, sector_of
        self.spike: Spike | None = None

    def step(self, end: int, members: list[Spike]) -> SpikeChange | None:
        """Re-evaluate breadth after the scope trackers processed a step."""
        cfg = self.cfg
        live = [s for s in members if s.status == "open"]
        broad = self._is_broad(live)
        sp = self.spike
        if sp is None or (sp.status == "resolved" and end - (sp.end_ts or 0) > cfg.cooldown_ms):
            if not broad:
                return None
            onset = self._breadth_onset(live)
            sp = Spike(
                spike_id=stable_id("spike", "market", "market", self.side, onset),
                scope="market", key="market", assets=[], liquidated_side=self.side,
                horizon=min(live, key=lambda s: cfg.horizons[s.horizon]).horizon,
                onset_ts=onset, detected_at=end, peak_ts=end, end_ts=None,
                notional_usd=0.0, baseline_usd=0.0, ratio=0.0, zscore=0.0, event_count=0,
                severity="low", status="open")
            self.spike = sp
            self._fold(sp, live, end)
            sp.severity = cfg.severity(sp.notional_usd, sp.ratio)
            return SpikeChange("open", sp)
        if sp.status == "resolved":
            if not broad:
                return None
            sp.status, sp.end_ts = "open", None
            sp.version += 1
            self._fold(sp, live, end)
            return SpikeChange("reopen", sp)
        self._fold(sp, live, end)
        if not live:
            sp.status = "resolved"
            sp.end_ts = max((s.end_ts or 0) for s in members) if members else end
            sp.version += 1
            return SpikeChange("resolve", sp)
        severity = cfg.severity(sp.notional_usd, sp.ratio)
        if severity != sp.severity:
            sp.severity = severity
            sp.version += 1
            return SpikeChange("update", sp)
        return None

    def _is_broad(self, spikes: list[Spike]) -> bool:
        assets = {a for s in spikes for a in s.assets}
        sectors = {self.sector_of.get(a, "other") for a in assets}
        return (len(assets) >= self.cfg.market_min_assets
                and len(sectors) >= self.cfg.market_min_sectors)

    def _breadth_onset(self, live: list[Spike]) -> int:
        """When the market-wide move began: the onset of the member spike that made the
        set broad, not the earliest member (a sector cascade hours before is its own)."""
        ordered = sorted(live, key=lambda s: (s.onset_ts, s.spike_id))
        for i, member in enumerate(ordered, start=1):
            if self._is_broad(ordered[:i]):
                return member.onset_ts
        return ordered[-1].onset_ts

    @staticmethod
    def _fold(sp: Spike, live: list[Spike], end: int) -> None:
        """Market figures: union of assets, sums of notional and baselines."""
        if not live:
            return
        sp.assets = sorted(set(sp.assets) | {a for s in live for a in s.assets})
        covered = {s.key for s in live if s.scope == "asset"}
        counted = [s for s in live if s.scope == "asset" or not set(s.assets) & covered]
        notional = sum(s.notional_usd for s in counted)
        baseline = sum(s.baseline_usd for s in counted)
        if notional > sp.notional_usd:
            sp.notional_usd = round(notional, 2)
            sp.event_count = sum(s.event_count for s in counted)
        ratio = notional / baseline if baseline else 0.0
        if ratio > sp.ratio:
            sp.ratio, sp.peak_ts = round(ratio, 3), end
            sp.baseline_usd = round(baseline, 2)
            sp.zscore = round(max(s.zscore for s in counted), 3)


class Detector:
    """All scopes together: feed closed steps in event-time order, get spike changes."""

    def __init__(self, cfg: DetectorConfig, sectors: dict[str, list[str]]) -> None:
        self.cfg = cfg
        self.sectors = sectors
        self.sector_of = {a: name for name, assets in sectors.items() for a in assets}
        self.trackers: dict[tuple[str, str, str], ScopeTracker] = {}
        self.market = {side: MarketBreadth(side, cfg, self.sector_of)
                       for side in ("long", "short")}

    def _tracker(self, scope: str, key: str, side: str) -> ScopeTracker:
        k = (scope, key, side)
        t = self.trackers.get(k)
        if t is None:
            t = self.trackers[k] = ScopeTracker(scope, key, side, self.cfg)
        return t

    @property
    def has_open(self) -> bool:
        """True while any spike is open (steps must then be processed even if empty)."""
        return any(t.is_open for t in self.trackers.values()) or any(
            m.spike is not None and m.spike.status == "open" for m in self.market.values())

    def step(self, step: int, by_asset: dict[tuple[str, str], StepTotal]) -> list[SpikeChange]:
        """Process one closed step given per (asset, side) totals; return spike changes."""
        totals: dict[tuple[str, str, str], StepTotal] = {}
        for (asset, side), t in by_asset.items():
            totals[("asset", asset, side)] = t
            sector = self.sector_of.get(asset)
            if sector is not None:
                agg = totals.setdefault(("sector", sector, side), StepTotal())
                agg.usd += t.usd
                agg.count += t.count
                agg.assets.add(asset)
        for key in totals:
            self._tracker(*key)
        changes: list[SpikeChange] = []
        empty = StepTotal()
        for key in sorted(self.trackers):
            tracker = self.trackers[key]
            total = totals.get(key)
            if total is None and not tracker.is_open:
                continue
            total = total or empty
            change = tracker.step(step, total)
            if tracker.current is not None and (tracker.is_open or change is not None):
                cur = tracker.current
                cur.assets |= total.assets if key[0] == "sector" else {key[1]}
                cur.spike.assets = sorted(cur.assets)
            if change is not None:
                changes.append(change)
        end = (step + 1) * self.cfg.step_ms
        for side, breadth in self.market.items():
            members = [t.current.spike for k, t in sorted(self.trackers.items())
                       if k[2] == side and t.current is not None]
            change = breadth.step(end, members)
            if change is not None:
                changes.append(change)
        return changes
