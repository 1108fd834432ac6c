"""Spike detection over closed event-time steps, per scope, side and horizon.

Scopes: each asset and liquidated side across exchanges; each configured sector (sum of
its assets); the market, which is breadth, not a sum: several unrelated assets (at least
`market_min_assets` from `market_min_sectors` unrelated groups: a sector, or an asset
outside every sector) spiking on the same side at once.

A spike opens when, on one horizon and after the baseline's warm-up:
- the event count is far above normal: at least `min_count_ratio` times the baseline and
  significantly more than even a busy market explains (Poisson tail probability of the
  count under `surge_allowance` times the normal rate below 10^-`min_surprise`). Counts
  carry the signal because sizes are heavy-tailed: one whale order is not a cascade, and
  a sampled feed (one event per symbol per second) still shows a cascade as a count jump;
- the notional is unusual too (`min_ratio` times its normal) and above an absolute floor
  (`floor_usd`), so thin markets stay quiet;
- the side dominates its scope (`min_side_share` of the events on both sides): the few
  shorts squeezed during a long cascade are part of it, not a second alert.
A spike stays open while any horizon is still elevated, resolves after `quiet_ms` without
that, and a new trigger within `cooldown_ms` of its end re-opens the same spike: one
cascade is one spike per scope and side.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from dataclasses import dataclass, field
from statistics import NormalDist

from streams.baseline import EwmaBaseline
from streams.ids import stable_id
from streams.records import Spike

HOUR_MS = 3_600_000
OPPOSITE = {"long": "short", "short": "long"}
_NORMAL = NormalDist()


@dataclass
class DetectorConfig:
    """Detection thresholds; every one is configuration (liqwatch.toml [stream.detector]).

    Defaults, and why:
    - step_ms 10 s: detection granularity; horizons 1m/5m/15m/1h: fast cascades show on
      the short ones, slow bleeds on the long ones.
    - half_life_ms 12 h: the baseline follows the daily cycle but not a cascade;
      warmup_ms 6 h: no alert until the baseline has seen that much.
    - min_events 8, min_count_ratio 4, surge_allowance 3, min_surprise 6: a cascade is
      many more liquidations than normal, more than a volatile hour brings (up to ~3x);
      a 10^-6 tail keeps noise on short horizons from firing.
    - min_ratio 4, floor_usd 20k: the notional confirms the count; below the floor a move
      is too small to matter to a desk. baseline_floor_usd 1k per hour keeps ratios of
      nearly silent scopes finite.
    - min_side_share 0.3: the side must carry that share of the scope's events.
    - release_ratio 2, release_surprise 3, quiet_ms 15 min, cooldown_ms 30 min: lifecycle
      (see module doc); a spike stays open while some horizon's count is release_ratio
      times normal with a Poisson tail below 10^-release_surprise.
    - market_min_assets 3, market_min_sectors 2: what "market-wide" means.
    - severity_tiers: (name, min notional USD, min ratio); the first tier either bound
      reaches wins, else "low".
    """

    step_ms: int = 10_000
    horizons: dict[str, int] = field(default_factory=lambda: {
        "1m": 60_000, "5m": 300_000, "15m": 900_000, "1h": HOUR_MS})
    half_life_ms: int = 12 * HOUR_MS
    warmup_ms: int = 6 * HOUR_MS
    min_ratio: float = 4.0
    min_events: int = 8
    min_count_ratio: float = 4.0
    surge_allowance: float = 3.0
    min_surprise: float = 6.0
    min_side_share: float = 0.3
    floor_usd: float = 20_000.0
    baseline_floor_usd: float = 1_000.0
    release_ratio: float = 2.0
    release_surprise: float = 3.0
    quiet_ms: int = 15 * 60_000
    cooldown_ms: int = 30 * 60_000
    market_min_assets: int = 3
    market_min_sectors: int = 2
    severity_tiers: list[tuple[str, float, float]] = field(default_factory=lambda: [
        ("critical", 20_000_000.0, 100.0), ("high", 5_000_000.0, 30.0),
        ("medium", 1_000_000.0, 10.0)])

    def severity(self, notional_usd: float, ratio: float) -> str:
        """Severity tier of a spike."""
        for name, min_usd, min_ratio in self.severity_tiers:
            if notional_usd >= min_usd or ratio >= min_ratio:
                return name
        return "low"


def poisson_surprise(n: int, mu: float) -> float:
    """-log10 of P(N >= n) for N ~ Poisson(mu): how surprising n events are (0 if n <= mu)."""
    if n <= mu or mu <= 0:
        return 0.0 if n <= mu else math.inf
    log_term = n * math.log(mu) - mu - math.lgamma(n + 1)
    total, k, term = 1.0, n, 1.0
    while term > 1e-12 and k < n + 10_000:
        k += 1
        term *= mu / k
        total += term
    return -(log_term + math.log(total)) / math.log(10)


def count_zscore(n: int, mu: float) -> float:
    """The count's Poisson tail against its normal rate as a standard-normal z-score
    (the z whose upper tail is as small), capped at 37 where doubles run out."""
    p = 10.0 ** -min(poisson_surprise(n, mu), 300.0)
    return 0.0 if p >= 0.5 else min(-_NORMAL.inv_cdf(p), 37.0)


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
                 "acc_count", "bl_usd", "bl_count", "count_floor", "usd_floor")

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
        self.count_floor = cfg.step_ms / HOUR_MS * self.steps  # one event an hour
        self.usd_floor = cfg.baseline_floor_usd * ms / HOUR_MS

    def normal_count(self) -> float:
        """Events in a normal window of this horizon (floored: silent scopes stay finite)."""
        return max(self.bl_count.mean, self.count_floor)

    def normal_usd(self) -> float:
        """Notional of a normal window of this horizon (floored likewise)."""
        return max(self.bl_usd.mean, self.usd_floor)

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

    def count_at(self, step: int) -> int:
        """Events in the window ending with `step` (for a scope that may not have pushed it)."""
        oldest = step - self.steps
        return sum(c for s, _, c in self.window if oldest < s <= step)


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

    def push(self, step: int, total: StepTotal) -> None:
        """Fold one closed step into the windows (baselines learn only while closed)."""
        if self.first_step is None:
            self.first_step = step
        learn = not self.is_open
        for h in self.horizons:
            h.push(step, total.usd, total.count, self.cfg.step_ms, learn)

    def evaluate(self, step: int, total: StepTotal,
                 other: ScopeTracker | None) -> SpikeChange | None:
        """After every scope pushed `step`: the spike change it causes, if any. `other`
        is the same scope's opposite side (for the side-share rule)."""
        cfg = self.cfg
        assert self.first_step is not None
        end = (step + 1) * cfg.step_ms
        warm = (step - self.first_step) * cfg.step_ms >= cfg.warmup_ms
        trigger = self._trigger(step, other) if warm else None
        if self.is_open:
            return self._update_open(end, total, trigger)
        if trigger is not None:
            return self._open(end, trigger)
        return None

    def _trigger(self, step: int,
                 other: ScopeTracker | None) -> tuple[_Horizon, float, float] | None:
        cfg = self.cfg
        for i, h in enumerate(self.horizons):
            if h.usd < cfg.floor_usd or h.count < cfg.min_events:
                continue
            normal = h.normal_count()
            if h.count < cfg.min_count_ratio * normal:
                continue
            ratio = h.usd / h.normal_usd()
            if ratio < cfg.min_ratio:
                continue
            if other is not None:
                opposite = other.horizons[i].count_at(step)
                if h.count < cfg.min_side_share * (h.count + opposite):
                    continue
            surprise = poisson_surprise(h.count, cfg.surge_allowance * normal)
            if surprise >= cfg.min_surprise:
                return h, ratio, count_zscore(h.count, normal)
        return None

    def _elevated(self) -> bool:
        """Still above normal on some horizon: event count at least `release_ratio` times
        its baseline and not a fluke (Poisson surprise `release_surprise`); counts, not
        heavy-tailed notional, so one big order does not keep a spike alive."""
        cfg = self.cfg
        for h in self.horizons:
            normal = h.normal_count()
            if (h.count >= cfg.release_ratio * normal
                    and poisson_surprise(h.count, normal) >= cfg.release_surprise):
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
        baseline = h.normal_usd()
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
            sp.baseline_usd = round(h.normal_usd(), 2)

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
            self._fold(sp, live)
            sp.severity = cfg.severity(sp.notional_usd, sp.ratio)
            return SpikeChange("open", sp)
        if sp.status == "resolved":
            if not broad:
                return None
            sp.status, sp.end_ts = "open", None
            sp.version += 1
            self._fold(sp, live)
            return SpikeChange("reopen", sp)
        self._fold(sp, live)
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
        """Enough assets from enough unrelated groups: a configured sector is one group,
        an asset outside every sector is a group of its own."""
        assets = {a for s in spikes for a in s.assets}
        groups = {self.sector_of.get(a, a) for a in assets}
        return (len(assets) >= self.cfg.market_min_assets
                and len(groups) >= self.cfg.market_min_sectors)

    def _breadth_onset(self, live: list[Spike]) -> int:
        """When the market-wide move began: the onset of the member spike that made the
        set broad, not the earliest member (a sector cascade hours before is its own)."""
        ordered = sorted(live, key=lambda s: (s.onset_ts, s.spike_id))
        for i, member in enumerate(ordered, start=1):
            if self._is_broad(ordered[:i]):
                return member.onset_ts
        return ordered[-1].onset_ts

    @staticmethod
    def _fold(sp: Spike, live: list[Spike]) -> None:
        """Market figures: union of assets, sum of notional and baselines, and the median
        member's ratio (how far above normal a typical asset in the move is); the peak is
        the latest member peak, never a step after the members went quiet."""
        if not live:
            return
        sp.assets = sorted(set(sp.assets) | {a for s in live for a in s.assets})
        covered = {s.key for s in live if s.scope == "asset"}
        counted = [s for s in live if s.scope == "asset" or not set(s.assets) & covered]
        notional = sum(s.notional_usd for s in counted)
        if notional > sp.notional_usd:
            sp.notional_usd = round(notional, 2)
            sp.event_count = sum(s.event_count for s in counted)
        ratio = statistics.median(s.ratio for s in counted)
        if ratio > sp.ratio:
            sp.ratio, sp.peak_ts = round(ratio, 3), max(s.peak_ts for s in counted)
            sp.baseline_usd = round(sum(s.baseline_usd for s in counted), 2)
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
        empty = StepTotal()
        active = [k for k in sorted(self.trackers)
                  if k in totals or self.trackers[k].is_open]
        for key in active:
            self.trackers[key].push(step, totals.get(key, empty))
        changes: list[SpikeChange] = []
        for key in active:
            tracker = self.trackers[key]
            total = totals.get(key, empty)
            other = self.trackers.get((key[0], key[1], OPPOSITE[key[2]]))
            change = tracker.evaluate(step, total, other)
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
