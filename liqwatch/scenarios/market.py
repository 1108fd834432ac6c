"""Market model for synthetic scenarios: assets, price paths, liquidation and trade flow.

A scenario is described by a `ScenarioSpec` (dated price anchors, cascades, whales, news,
which feeds are sampled and where they have gaps); `simulate` turns it into events with
numpy on a one-minute grid (rates per minute, times uniform within the minute). Everything
random comes from generators derived from the scenario's seed, so the same seed gives the
same events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable

import numpy as np
import pandas as pd

from liqwatch.scenarios.news import Story

Progress = Callable[[str, float], None]

MINUTE_US = 60_000_000
# Log-size spread of liquidations, as in a real Binance recording (~2.1); BTC's 0.001 BTC
# minimum order trims its low tail, mixing assets with different medians widens it.
LIQ_LOG_SD = 2.1
TRADE_LOG_SD = 1.2
# How far (log) an anchored low's window stays above it away from the low: one calm sd
# of the walk per sqrt(minute) from the low, up to this cap, so fill noise cannot undercut it.
LOW_CLEARANCE = 0.005


@dataclass(frozen=True)
class Asset:
    """One base asset traded as a linear USDT perpetual on every exchange."""

    code: str
    sector: str
    tick: float  # price increment
    step: float  # quantity increment (base currency)
    vol: float  # calm per-minute log-return standard deviation
    liq_rate: float  # background liquidations per minute, all exchanges together
    liq_median_usd: float
    trade_rate: float  # recorded trades per minute, all exchanges together (thinned)
    trade_median_usd: float


ASSETS: dict[str, Asset] = {
    a.code: a
    for a in (
        Asset("BTC", "major", 0.1, 0.001, 0.00070, 2.4, 380.0, 6.0, 9000.0),
        Asset("ETH", "major", 0.01, 0.001, 0.00090, 2.0, 260.0, 5.0, 5000.0),
        Asset("SOL", "major", 0.01, 0.01, 0.00110, 1.4, 165.0, 4.0, 2500.0),
        Asset("XRP", "major", 0.0001, 0.1, 0.00115, 1.0, 120.0, 3.0, 2000.0),
        Asset("DOGE", "major", 0.00001, 1.0, 0.00120, 1.0, 100.0, 3.0, 1500.0),
        Asset("FET", "ai", 0.0001, 1.0, 0.00150, 0.5, 72.0, 1.5, 600.0),
        Asset("RENDER", "ai", 0.001, 0.1, 0.00150, 0.4, 72.0, 1.5, 600.0),
        Asset("TAO", "ai", 0.01, 0.001, 0.00160, 0.3, 95.0, 1.0, 800.0),
        Asset("WLD", "ai", 0.0001, 1.0, 0.00160, 0.5, 62.0, 1.5, 500.0),
    )
}


@dataclass(frozen=True)
class Exchange:
    """A venue as Tardis names it, its share of the flow and its feed's receive delay."""

    name: str
    share: float
    delay_median_ms: float
    throttled: bool  # Binance pushes at most one liquidation per symbol per second

    def symbol(self, asset: str) -> str:
        """The exchange's id of the asset's USDT perpetual."""
        return f"{asset}-USDT-SWAP" if self.name == "okex-swap" else f"{asset}USDT"


EXCHANGES: tuple[Exchange, ...] = (
    Exchange("binance-futures", 0.50, 25.0, True),
    Exchange("bybit", 0.35, 45.0, False),
    Exchange("okex-swap", 0.15, 70.0, False),
)


@dataclass(frozen=True)
class CascadeSpec:
    """A liquidation cascade to inject: where, which side, its time profile and size.

    `knots` are (time, relative intensity) points, linear in between and zero outside
    [first, last] knot; the first knot is the onset and the last the end.
    `notional_usd` is the injected total per asset; `size_mult` scales the cascade's
    median order against the asset's background median (bigger positions get hit).
    """

    id: str
    scope: str
    key: str
    liquidated_side: str
    knots: tuple[tuple[datetime, float], ...]
    notional_usd: dict[str, float]
    size_mult: float
    minority_share: float  # share of notional liquidated on the other side
    follow_price: bool = False  # modulate intensity by the asset's own price moves
    trigger_news_id: str | None = None
    kind: str | None = None  # the family's label (ai, major, market, squeeze); None: scope
    notional_x: float | None = None  # injected notional per asset / its normal 15 minutes

    @property
    def assets(self) -> tuple[str, ...]:
        return tuple(self.notional_usd)

    @property
    def onset(self) -> datetime:
        return self.knots[0][0]

    @property
    def end(self) -> datetime:
        return self.knots[-1][0]


def sharp_knots(onset: datetime, rise: timedelta, fall: timedelta, tail: timedelta,
                start: float = 0.35) -> tuple[tuple[datetime, float], ...]:
    """A sharp cascade's profile: from `start` (share of the peak) up to the peak over
    `rise`, down to 25% over `fall`, then fading to nothing over `tail`."""
    return ((onset, start), (onset + rise, 1.0), (onset + rise + fall, 0.25),
            (onset + rise + fall + tail, 0.0))


@dataclass(frozen=True)
class WhaleSpec:
    """One huge single liquidation order, not part of any cascade."""

    asset: str
    at: datetime
    notional_usd: float
    liquidated_side: str
    exchange: str


@dataclass(frozen=True)
class GapSpec:
    """A stretch of time in which one exchange's feed delivers nothing at all."""

    exchange: str
    start: datetime
    end: datetime


@dataclass
class ScenarioSpec:
    """Everything a scenario injects; built by the scenario modules, read by `simulate`."""

    name: str
    seed: int
    start: datetime
    end: datetime
    assets: tuple[str, ...]
    anchors: dict[str, list[tuple[datetime, float]]]  # asset -> dated prices to pass through
    # asset -> [(time of an anchored low, start, end of the window it stays the low of)]
    lows: dict[str, list[tuple[datetime, datetime, datetime]]] = field(default_factory=dict)
    vol_knots: list[tuple[datetime, float]] = field(default_factory=list)  # volatility multiplier
    # asset -> its own volatility multiplier knots, on top of `vol_knots`
    asset_vol_knots: dict[str, list[tuple[datetime, float]]] = field(default_factory=dict)
    cascades: list[CascadeSpec] = field(default_factory=list)
    whales: list[WhaleSpec] = field(default_factory=list)
    news: list[Story] = field(default_factory=list)
    gaps: list[GapSpec] = field(default_factory=list)
    sampled: tuple[str, ...] | None = None  # throttled exchanges; None: as EXCHANGES says
    liq_rate_scale: float = 1.0
    trade_rate_scale: float = 1.0

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    def minute_of(self, t: datetime) -> float:
        """Minutes from the scenario start to `t` (fractional)."""
        return (t - self.start).total_seconds() / 60.0

    def throttled(self) -> np.ndarray:
        """Per exchange (in EXCHANGES order), whether its liquidation feed is sampled."""
        if self.sampled is None:
            return np.array([e.throttled for e in EXCHANGES])
        return np.array([e.name in self.sampled for e in EXCHANGES])


@dataclass
class Simulation:
    """Simulated events, one row each, in timestamp order (asset/exchange as indices)."""

    liquidations: pd.DataFrame  # ts, asset, exchange, sell, price, amount, cascade, whale
    trades: pd.DataFrame  # ts, asset, exchange, sell, price, amount


def as_utc(value: datetime | str) -> datetime:
    """A datetime (or ISO string) as an aware datetime; naive ones are taken as UTC."""
    t = datetime.fromisoformat(value) if isinstance(value, str) else value
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def rng_for(seed: int, stream: int) -> np.random.Generator:
    """An independent generator per concern, so changing one part leaves the others."""
    return np.random.default_rng(np.random.SeedSequence([seed, stream]))


def baseline_15m(asset: str) -> tuple[float, float]:
    """Expected background (events, notional USD) of one asset in a normal 15 minutes."""
    a = ASSETS[asset]
    events = a.liq_rate * 15.0
    return events, events * a.liq_median_usd * float(np.exp(LIQ_LOG_SD**2 / 2))


def seasonality(spec: ScenarioSpec) -> np.ndarray:
    """Per-minute activity factor: busier in US hours, quieter at weekends."""
    t = pd.date_range(spec.start, periods=spec.minutes, freq="min")
    hour = t.hour.to_numpy() + t.minute.to_numpy() / 60.0
    daily = 1.0 + 0.3 * np.cos(2 * np.pi * (hour - 15.0) / 24.0)
    weekend = np.where(t.day_of_week.to_numpy() >= 5, 0.75, 1.0)
    return daily * weekend


def _knot_curve(spec: ScenarioSpec, knots: list[tuple[datetime, float]], n: int) -> np.ndarray:
    x = np.array([spec.minute_of(t) for t, _ in knots])
    y = np.array([v for _, v in knots])
    return np.interp(np.arange(n), x, y)


def price_paths(spec: ScenarioSpec, rng: np.random.Generator) -> np.ndarray:
    """Log price per minute per asset: a random walk bridged through the dated anchors.

    Between two anchors the walk's own drift is removed so it lands on the next anchor
    (a Brownian bridge); `lows` reflect the path upward, in turn, about a curve rising
    from each anchored low (see LOW_CLEARANCE), so it stays the low of its window; a
    window that starts and ends at the scenario's edges or on anchors more than
    LOW_CLEARANCE above the low leaves the path continuous.
    """
    n = spec.minutes
    vol_mult = _knot_curve(spec, spec.vol_knots, n) if spec.vol_knots else np.ones(n)
    out = np.empty((n + 1, len(spec.assets)))
    for j, code in enumerate(spec.assets):
        anchors = spec.anchors[code]
        xs = np.array([spec.minute_of(t) for t, _ in anchors])
        ys = np.log([p for _, p in anchors])
        grid = np.arange(n + 1, dtype=float)
        trend = np.interp(grid, xs, ys)
        mult = vol_mult
        if code in spec.asset_vol_knots:
            mult = vol_mult * _knot_curve(spec, spec.asset_vol_knots[code], n)
        steps = rng.standard_normal(n) * ASSETS[code].vol * mult
        walk = np.concatenate([[0.0], np.cumsum(steps)])
        knots = np.unique(np.clip(np.concatenate([[0.0, n], np.round(xs)]), 0, n))
        out[:, j] = trend + walk - np.interp(grid, knots, walk[knots.astype(int)])
        for at, begin, end in spec.lows.get(code, ()):
            m = int(round(spec.minute_of(at)))
            lo = max(0, int(round(spec.minute_of(begin))))
            hi = min(n + 1, int(round(spec.minute_of(end))) + 1)
            if 0 <= m <= n:
                away = np.sqrt(np.abs(np.arange(lo, hi) - m))
                floor = out[m, j] + np.minimum(ASSETS[code].vol * away, LOW_CLEARANCE)
                seg = out[lo:hi, j]
                out[lo:hi, j] = np.where(seg < floor, 2 * floor - seg, seg)
    return out


def _zscores(spec: ScenarioSpec, logp: np.ndarray, lag: int) -> np.ndarray:
    """Per-minute return over the `lag` minutes ending with that minute, in calm sds."""
    n = spec.minutes
    ends = np.arange(1, n + 1)
    moved = logp[ends] - logp[np.maximum(ends - lag, 0)]
    vol = np.array([ASSETS[c].vol for c in spec.assets])
    return moved / (vol * np.sqrt(lag))


def _envelope(spec: ScenarioSpec, c: CascadeSpec, grid: np.ndarray) -> np.ndarray:
    x = np.array([spec.minute_of(t) for t, _ in c.knots])
    y = np.array([v for _, v in c.knots])
    return np.interp(grid, x, y / y.max(), left=0.0, right=0.0)


def cascade_envelopes(spec: ScenarioSpec) -> list[np.ndarray]:
    """Per cascade, its per-minute knot curve (peak 1, zero outside onset..end)."""
    grid = np.arange(spec.minutes) + 0.5
    return [_envelope(spec, c, grid) for c in spec.cascades]


def visible_share(spec: ScenarioSpec, c: CascadeSpec, envelope: np.ndarray) -> float:
    """The part of a cascade's intensity inside the scenario window (1 unless cut off)."""
    whole = _envelope(spec, c, np.arange(spec.minute_of(c.onset), spec.minute_of(c.end)) + 0.5)
    return float(min(1.0, envelope.sum() / whole.sum())) if whole.sum() > 0 else 0.0


def cascade_profiles(spec: ScenarioSpec, envelopes: list[np.ndarray],
                     z5: np.ndarray) -> list[np.ndarray]:
    """Per cascade, a (minutes, assets) event intensity, optionally following price moves."""
    profiles = []
    for c, base in zip(spec.cascades, envelopes):
        prof = np.zeros((spec.minutes, len(spec.assets)))
        for code in c.assets:
            j = spec.assets.index(code)
            w = base.copy()
            if c.follow_price:
                against = -z5[:, j] if c.liquidated_side == "long" else z5[:, j]
                w *= 1.0 + 1.5 * np.clip(against, 0.0, 4.0)
            prof[:, j] = w
        profiles.append(prof)
    return profiles


def cascade_stress(spec: ScenarioSpec, envelopes: list[np.ndarray]) -> np.ndarray:
    """Per (minute, asset), the strongest cascade envelope touching that asset."""
    out = np.zeros((spec.minutes, len(spec.assets)))
    for c, env in zip(spec.cascades, envelopes):
        for code in c.assets:
            j = spec.assets.index(code)
            out[:, j] = np.maximum(out[:, j], env)
    return out


def _events_frame(minute: np.ndarray, asset: np.ndarray, sell: np.ndarray, usd: np.ndarray,
                  cascade: int | np.ndarray = -1, whale: bool = False) -> pd.DataFrame:
    return pd.DataFrame({
        "minute": minute.astype(np.int64), "asset": asset.astype(np.int64),
        "sell": sell.astype(bool), "usd": usd.astype(float),
        "cascade": np.broadcast_to(np.asarray(cascade, dtype=np.int64), minute.shape),
        "whale": np.full(minute.shape, whale),
    })


def _no_events() -> pd.DataFrame:
    empty = np.zeros(0)
    return _events_frame(empty, empty, empty, empty)


def background_liquidations(spec: ScenarioSpec, z15: np.ndarray, season: np.ndarray,
                            rng: np.random.Generator) -> pd.DataFrame:
    """Poisson arrivals, busier when prices move; the losing side gets liquidated more."""
    rate = np.array([ASSETS[c].liq_rate for c in spec.assets]) * spec.liq_rate_scale
    lam = rate[None, :] * season[:, None] * (1.0 + 0.5 * np.minimum(np.abs(z15), 4.0))
    counts = rng.poisson(lam)
    minute, asset = np.nonzero(counts)
    reps = counts[minute, asset]
    minute, asset = np.repeat(minute, reps), np.repeat(asset, reps)
    p_long = 0.5 + 0.45 * np.tanh(-z15[minute, asset] / 2.0)
    sell = rng.random(minute.size) < p_long
    median = np.array([ASSETS[c].liq_median_usd for c in spec.assets])[asset]
    usd = median * np.exp(LIQ_LOG_SD * rng.standard_normal(minute.size))
    return _events_frame(minute, asset, sell, usd)


def cascade_orders(asset: str, target_usd: float, size_mult: float) -> int:
    """How many orders a cascade injects on `asset` to reach its target notional."""
    median = ASSETS[asset].liq_median_usd * size_mult
    return max(10, int(round(target_usd / (median * float(np.exp(LIQ_LOG_SD**2 / 2))))))


def cascade_liquidations(spec: ScenarioSpec, envelopes: list[np.ndarray],
                         profiles: list[np.ndarray], rng: np.random.Generator) -> pd.DataFrame:
    """Injected cascade events: counts from the target notional, sizes scaled to hit it.

    A cascade cut off by the scenario window gets only its visible share of the target.
    """
    frames = []
    for k, (c, env, prof) in enumerate(zip(spec.cascades, envelopes, profiles)):
        visible = visible_share(spec, c, env)
        for code, whole_target in c.notional_usd.items():
            target = whole_target * visible
            j = spec.assets.index(code)
            w = prof[:, j]
            if w.sum() <= 0:
                continue
            median = ASSETS[code].liq_median_usd * c.size_mult
            n = cascade_orders(code, target, c.size_mult)
            minute = np.repeat(np.arange(w.size), rng.multinomial(n, w / w.sum()))
            minority = rng.random(n) < c.minority_share
            usd = median * np.exp(LIQ_LOG_SD * rng.standard_normal(n))
            for mask, part in ((~minority, 1.0 - c.minority_share), (minority, c.minority_share)):
                if mask.any():
                    usd[mask] *= target * part / usd[mask].sum()
            sell = minority if c.liquidated_side == "short" else ~minority
            frames.append(_events_frame(minute, np.full(n, j), sell, usd, cascade=k))
    return pd.concat(frames, ignore_index=True) if frames else _no_events()


def whale_liquidations(spec: ScenarioSpec) -> pd.DataFrame:
    """The whales, one order each, at their given minute."""
    frames = []
    for w in spec.whales:
        m = np.array([int(spec.minute_of(w.at))])
        frames.append(_events_frame(m, np.array([spec.assets.index(w.asset)]),
                                    np.array([w.liquidated_side == "long"]),
                                    np.array([w.notional_usd]), whale=True))
    return pd.concat(frames, ignore_index=True) if frames else _no_events()


def _timestamps(spec: ScenarioSpec, minute: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Millisecond-resolution event times (as microseconds) uniform within each minute."""
    start_us = int(spec.start.timestamp()) * 1_000_000
    ms = rng.integers(0, 60_000, minute.size)
    return start_us + minute * MINUTE_US + ms * 1000


def _price_at(spec: ScenarioSpec, logp: np.ndarray, ts: np.ndarray,
              asset: np.ndarray) -> np.ndarray:
    start_us = int(spec.start.timestamp()) * 1_000_000
    x = (ts - start_us) / MINUTE_US
    i = np.minimum(x.astype(np.int64), spec.minutes - 1)
    f = x - i
    return np.exp(logp[i, asset] * (1 - f) + logp[i + 1, asset] * f)


def _round_to(values: np.ndarray, inc: np.ndarray, floor_one: bool = False) -> np.ndarray:
    units = np.round(values / inc)
    if floor_one:
        units = np.maximum(units, 1.0)
    return units * inc


def _choose_exchange(n: int, rng: np.random.Generator) -> np.ndarray:
    shares = np.array([e.share for e in EXCHANGES])
    return rng.choice(len(EXCHANGES), size=n, p=shares / shares.sum())


def _throttle(spec: ScenarioSpec, df: pd.DataFrame) -> pd.DataFrame:
    """A sampled feed (Binance's forceOrder) keeps the latest liquidation per symbol per second."""
    throttled = spec.throttled()[df["exchange"].to_numpy()]
    keyed = df.assign(sec=df["ts"] // 1_000_000, prio=df["whale"].astype(int))
    keyed = keyed.sort_values(["asset", "sec", "prio", "ts"], kind="stable")
    last = ~keyed.duplicated(["exchange", "asset", "sec"], keep="last")
    keep = last | ~throttled[keyed.index.to_numpy()]
    return df.loc[np.sort(keyed.index.to_numpy()[keep.to_numpy()])]


def price_liquidations(spec: ScenarioSpec, events: pd.DataFrame, logp: np.ndarray,
                       rng: np.random.Generator) -> pd.DataFrame:
    """Timestamps, venue, fill price (through the book, against the liquidated side), size."""
    n = len(events)
    ts = _timestamps(spec, events["minute"].to_numpy(), rng)
    whales = {(spec.assets.index(w.asset), int(spec.minute_of(w.at))): w for w in spec.whales}
    exchange = _choose_exchange(n, rng)
    for i in np.flatnonzero(events["whale"].to_numpy()):
        w = whales[(int(events["asset"].iat[i]), int(events["minute"].iat[i]))]
        exchange[i] = [e.name for e in EXCHANGES].index(w.exchange)
        ts[i] = int(w.at.timestamp() * 1000) * 1000
    asset = events["asset"].to_numpy()
    sell = events["sell"].to_numpy()
    slip = np.abs(rng.normal(0.0, 6e-4, n))
    price = _price_at(spec, logp, ts, asset) * np.where(sell, 1.0 - slip, 1.0 + slip)
    tick = np.array([ASSETS[c].tick for c in spec.assets])[asset]
    step = np.array([ASSETS[c].step for c in spec.assets])[asset]
    price = _round_to(price, tick)
    amount = _round_to(events["usd"].to_numpy() / price, step, floor_one=True)
    out = pd.DataFrame({"ts": ts, "asset": asset, "exchange": exchange, "sell": sell,
                        "price": price, "amount": amount, "cascade": events["cascade"].to_numpy(),
                        "whale": events["whale"].to_numpy()})
    out = _throttle(spec, out).sort_values("ts", kind="stable")
    same = ["ts", "asset", "exchange", "sell", "price", "amount"]
    return out.drop_duplicates(same).reset_index(drop=True)


def simulate_trades(spec: ScenarioSpec, logp: np.ndarray, z5: np.ndarray, season: np.ndarray,
                    strain: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """Thinned taker trades: count and size grow with price moves and cascades.

    Volume scales with `act` (count with act**0.6, size with act**0.4); a cascade's
    onset multiplies it ~5x (plus the price move), as the CME reopen hour did on 2025-01-26.
    """
    act = (1.0 + 0.6 * np.minimum(np.abs(z5), 6.0)) * (1.0 + 8.0 * strain)
    rate = np.array([ASSETS[c].trade_rate for c in spec.assets]) * spec.trade_rate_scale
    counts = rng.poisson(rate[None, :] * season[:, None] * act**0.6)
    minute, asset = np.nonzero(counts)
    reps = counts[minute, asset]
    minute, asset = np.repeat(minute, reps), np.repeat(asset, reps)
    ts = _timestamps(spec, minute, rng)
    vol = np.array([ASSETS[c].vol for c in spec.assets])[asset]
    r1 = (logp[minute + 1, asset] - logp[minute, asset]) / vol
    sell = rng.random(minute.size) >= 0.5 + 0.35 * np.tanh(r1)
    tick = np.array([ASSETS[c].tick for c in spec.assets])[asset]
    step = np.array([ASSETS[c].step for c in spec.assets])[asset]
    median = np.array([ASSETS[c].trade_median_usd for c in spec.assets])[asset]
    price = _round_to(_price_at(spec, logp, ts, asset) * (1 + rng.normal(0, 2e-4, ts.size)), tick)
    usd = median * act[minute, asset] ** 0.4 * np.exp(TRADE_LOG_SD * rng.standard_normal(ts.size))
    out = pd.DataFrame({"ts": ts, "asset": asset, "exchange": _choose_exchange(ts.size, rng),
                        "sell": sell, "price": price,
                        "amount": _round_to(usd / price, step, floor_one=True)})
    return out.sort_values("ts", kind="stable").reset_index(drop=True)


def drop_gaps(spec: ScenarioSpec, df: pd.DataFrame) -> pd.DataFrame:
    """Remove the events of each gap's exchange inside [gap start, gap end)."""
    keep = np.ones(len(df), dtype=bool)
    names = [e.name for e in EXCHANGES]
    ts, exchange = df["ts"].to_numpy(), df["exchange"].to_numpy()
    for g in spec.gaps:
        lo, hi = (int(t.timestamp() * 1_000_000) for t in (g.start, g.end))
        keep &= ~((exchange == names.index(g.exchange)) & (ts >= lo) & (ts < hi))
    return df if keep.all() else df[keep].reset_index(drop=True)


def simulate(spec: ScenarioSpec, progress: Progress | None = None) -> Simulation:
    """Run the market model for a scenario: prices, then liquidations, then trades."""
    report = progress or (lambda stage, fraction: None)
    report("prices", 0.0)
    logp = price_paths(spec, rng_for(spec.seed, 1))
    z5, z15 = _zscores(spec, logp, 5), _zscores(spec, logp, 15)
    season = seasonality(spec)
    envelopes = cascade_envelopes(spec)
    profiles = cascade_profiles(spec, envelopes, z5)
    report("liquidations", 0.2)
    rng = rng_for(spec.seed, 2)
    events = pd.concat([background_liquidations(spec, z15, season, rng),
                        cascade_liquidations(spec, envelopes, profiles, rng),
                        whale_liquidations(spec)], ignore_index=True)
    liquidations = drop_gaps(spec, price_liquidations(spec, events, logp, rng))
    report("trades", 0.4)
    trades = simulate_trades(spec, logp, z5, season, cascade_stress(spec, envelopes),
                             rng_for(spec.seed, 3))
    return Simulation(liquidations, drop_gaps(spec, trades))
