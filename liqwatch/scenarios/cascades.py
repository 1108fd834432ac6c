"""Cascade plans for the scenario family: kind, assets, side, shape, size, time, price move.

Kinds: `ai` (2-4 AI tokens, scope sector), `major` (one of BTC/ETH/SOL/XRP/DOGE, scope
asset), `market` (4-9 assets from both sectors), `squeeze` (shorts liquidated, one asset
or 2-4 AI tokens). Mostly longs are liquidated, some ai/major/market cascades hit shorts.

Timing: no onset in the first WARMUP (baselines warm up), every cascade over before the
last END_CLEAR, onsets at least SPACING apart; the longest cascade (8+60+60 minutes)
ends well before the next onset. A cascade opens with a burst at ONSET_LEVEL of its peak
rate, so its onset is a moment, not a slow drift.

Size: `notional_x` (X) is each asset's injected notional over its normal 15 minutes
(market.baseline_15m), log-uniform in [X_MIN, X_MAX]; orders are `size_mult` times the
asset's usual median (log-uniform in SIZE_MULT). Notional alone would let a few big orders
pass for a cascade, so the count must stand out too: the expected count in the cascade's
busiest 5 minutes is at least PEAK_RATIO times the asset's normal 5 minutes. Injected
orders number X / size_mult times a normal 15 minutes' count, so a small X gets smaller
orders (size_mult capped, down to MIN_SIZE_MULT) and, if that is not enough, a shorter
decay and tail. Small cascades are therefore short and sharp, of ordinary-sized orders
(our assumption, chosen so that the smallest one is still plain to see in the asset's
liquidation counts).

Price: the liquidated side loses; each asset moves `moves[asset]` (relative, negative for
a fall) from onset to the cascade's extreme, more for larger X and for more volatile assets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from liqwatch.scenarios.market import (ASSETS, CascadeSpec, baseline_15m, cascade_orders,
                                       sharp_knots)

KINDS = ("ai", "major", "market", "squeeze")
KIND_WEIGHTS = {"ai": 0.3, "major": 0.3, "market": 0.2, "squeeze": 0.2}
# Share of cascades set off by an AI story, per kind.
TRIGGER_SHARE = {"ai": 0.6, "market": 0.6, "major": 0.3, "squeeze": 0.3}
SHORT_SHARE = {"ai": 0.15, "major": 0.2, "market": 0.1}
MAJORS = tuple(a for a, spec in ASSETS.items() if spec.sector == "major")
AI_TOKENS = tuple(a for a, spec in ASSETS.items() if spec.sector == "ai")
MAJOR_WEIGHTS = np.array([0.3, 0.25, 0.2, 0.125, 0.125])  # BTC, ETH, SOL, XRP, DOGE

WARMUP = timedelta(hours=12)
END_CLEAR = timedelta(hours=2)
SPACING = timedelta(hours=6)
HOURS_PER_CASCADE = 16.0  # on average, over the usable span
RISE, FALL, TAIL = (1, 8), (10, 60), (10, 60)  # ranges of the shape's parts, minutes
# A cascade starts with a burst (a price break sets off a cluster of liquidation levels):
# its first minute already runs at this share of the peak rate. Real feeds show such
# bursts: the busiest minute of a 3-hour Binance recording held 31x the median minute.
ONSET_LEVEL = 0.7
LONGEST = timedelta(minutes=RISE[1] + FALL[1] + TAIL[1])
X_MIN, X_MAX = 20.0, 250.0
SIZE_MULT = (1.5, 5.0)
MIN_SIZE_MULT = 1.0
PEAK_RATIO = 12.0
BTC_MOVE = (0.012, 0.04)  # BTC's move at the smallest and the largest X; others by volatility


@dataclass(frozen=True)
class Plan:
    """One planned cascade: what gets injected, how prices move, whether news sets it off."""

    cascade: CascadeSpec
    moves: dict[str, float]  # asset -> relative price change from onset to the extreme
    extreme: datetime  # when prices are furthest from where they started
    triggered: bool
    orders: int  # injected liquidations, all assets (before any feed sampling)


def _loguniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


def _in_order(assets: Sequence[str]) -> tuple[str, ...]:
    """Assets in market.ASSETS order."""
    return tuple(a for a in ASSETS if a in set(assets))


def _ai_basket(rng: np.random.Generator) -> tuple[str, ...]:
    return _in_order(rng.choice(AI_TOKENS, int(rng.integers(2, 5)), replace=False))


def _targets(rng: np.random.Generator, kind: str) -> tuple[str, str, tuple[str, ...], str]:
    """(scope, key, assets, liquidated side) of a cascade of this kind."""
    side = "short" if kind == "squeeze" or rng.random() < SHORT_SHARE.get(kind, 0.0) else "long"
    if kind == "ai" or (kind == "squeeze" and rng.random() < 0.4):
        return "sector", "ai", _ai_basket(rng), side
    if kind == "major":
        asset = str(rng.choice(MAJORS, p=MAJOR_WEIGHTS))
        return "asset", asset, (asset,), side
    if kind == "squeeze":
        asset = str(rng.choice(tuple(ASSETS)))
        return "asset", asset, (asset,), side
    n_major, n_ai = int(rng.integers(2, 6)), int(rng.integers(1, 5))
    if n_major + n_ai < 4:
        n_major += 1
    rest = MAJOR_WEIGHTS[1:] / MAJOR_WEIGHTS[1:].sum()
    majors = ["BTC", *rng.choice(MAJORS[1:], n_major - 1, replace=False, p=rest)]
    ai = rng.choice(AI_TOKENS, n_ai, replace=False)
    return "market", "market", _in_order([*majors, *ai]), side


def _peak_share(rise: int, fall: int, tail: int) -> float:
    """Share of a cascade's events expected in its busiest 5 minutes."""
    t0 = datetime(2000, 1, 1)
    knots = sharp_knots(t0, *(timedelta(minutes=m) for m in (rise, fall, tail)), ONSET_LEVEL)
    x = [(t - t0).total_seconds() / 60 for t, _ in knots]
    env = np.interp(np.arange(rise + fall + tail) + 0.5, x, [v for _, v in knots])
    return float(np.convolve(env, np.ones(5), mode="valid").max() / env.sum())


def _size_and_shape(rng: np.random.Generator) -> tuple[float, float, tuple[int, int, int]]:
    """(notional_x, size_mult, (rise, fall, tail) minutes), the busiest 5 minutes holding
    PEAK_RATIO times an asset's normal 5-minute count or more."""
    x = _loguniform(rng, X_MIN, X_MAX)
    rise, fall, tail = (int(rng.integers(a, b + 1)) for a, b in (RISE, FALL, TAIL))
    size_mult = _loguniform(rng, *SIZE_MULT)

    def cap() -> float:  # the largest size_mult that keeps the peak count ratio
        return x * 3.0 * _peak_share(rise, fall, tail) / PEAK_RATIO

    while cap() < MIN_SIZE_MULT and (fall, tail) != (FALL[0], TAIL[0]):
        fall, tail = max(FALL[0], int(fall * 0.8)), max(TAIL[0], int(tail * 0.8))
    return x, min(size_mult, cap()), (rise, fall, tail)


def _moves(rng: np.random.Generator, assets: Sequence[str], side: str,
           x: float) -> dict[str, float]:
    position = np.log(x / X_MIN) / np.log(X_MAX / X_MIN)
    btc = BTC_MOVE[0] + (BTC_MOVE[1] - BTC_MOVE[0]) * position
    sign = -1.0 if side == "long" else 1.0
    return {a: round(sign * btc * ASSETS[a].vol / ASSETS["BTC"].vol
                     * float(rng.uniform(0.8, 1.25)), 4) for a in assets}


def _count(rng: np.random.Generator, usable: timedelta) -> int:
    """About one cascade per HOURS_PER_CASCADE of usable time, give or take one."""
    wanted = int(round(usable.total_seconds() / 3600 / HOURS_PER_CASCADE))
    return max(1, wanted + int(rng.integers(-1, 2)))


def _onsets(rng: np.random.Generator, lo: datetime, hi: datetime,
            lengths: list[timedelta]) -> list[datetime]:
    """Whole-minute onsets in order, SPACING apart at least, the last one ending by `hi`."""
    slack = (hi - lo - lengths[-1] - SPACING * (len(lengths) - 1)).total_seconds() / 60
    offsets = np.sort(rng.uniform(0.0, slack, len(lengths)))
    return [lo + timedelta(minutes=int(m)) + SPACING * i for i, m in enumerate(offsets)]


def plan_cascades(rng: np.random.Generator, start: datetime, end: datetime,
                  kinds: Sequence[str] = KINDS, count: int | None = None,
                  trigger_share: float | None = None) -> list[Plan]:
    """Cascades for the window [start, end), drawn from `kinds`, in onset order.

    `count` (default: drawn) is cut to what fits the window with the spacing rules;
    `trigger_share` (default: TRIGGER_SHARE per kind) is the chance AI news sets one off.
    """
    lo, hi = start + WARMUP, end - END_CLEAR
    feasible = int((hi - lo - LONGEST) / SPACING) + 1 if hi - lo >= LONGEST else 0
    n = min(feasible, _count(rng, hi - lo) if count is None else count)
    if n <= 0:
        return []
    weights = np.array([KIND_WEIGHTS[k] for k in kinds])
    drawn = [str(rng.choice(kinds, p=weights / weights.sum())) for _ in range(n)]
    sizes = [_size_and_shape(rng) for _ in range(n)]
    onsets = _onsets(rng, lo, hi, [timedelta(minutes=sum(shape)) for _, _, shape in sizes])
    plans = []
    for k, (kind, (x, size_mult, (rise, fall, tail)), onset) in enumerate(
            zip(drawn, sizes, onsets), 1):
        scope, key, assets, side = _targets(rng, kind)
        share = TRIGGER_SHARE[kind] if trigger_share is None else trigger_share
        spec = CascadeSpec(
            id=f"c{k}-{kind}" + ("" if key == kind else f"-{key.lower()}"),
            scope=scope, key=key, liquidated_side=side,
            knots=sharp_knots(onset, *(timedelta(minutes=m) for m in (rise, fall, tail)),
                              ONSET_LEVEL),
            notional_usd={a: x * baseline_15m(a)[1] for a in assets},
            size_mult=round(size_mult, 3), minority_share=round(float(rng.uniform(0.03, 0.12)), 3),
            follow_price=bool(rng.random() < 0.4), kind=kind, notional_x=round(x, 2))
        plans.append(Plan(
            cascade=spec, moves=_moves(rng, assets, side, x),
            extreme=onset + timedelta(minutes=rise + fall // 2),
            triggered=bool(rng.random() < share),
            orders=sum(cascade_orders(a, usd, spec.size_mult)
                       for a, usd in spec.notional_usd.items())))
    return plans
