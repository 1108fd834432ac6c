"""The scenario family: labelled synthetic markets, built from a seed and a few options.

A family scenario runs several days over all nine assets, so baselines warm up, and holds:
  - quiet markets: heavy-tailed liquidation sizes, daily and weekend seasonality, and
    volatile stretches (VOLATILE_*) whose price moves raise liquidations without a cascade;
  - cascades (cascades.py): AI-sector, single-major, market-wide and short squeezes, of
    varied size and shape; prices move against the liquidated side while they run;
  - news (family_news.py): AI stories that trigger some cascades, cascades with no news at
    all, AI stories with no market reaction, coverage published after cascades that
    reports their numbers, and unrelated news;
  - whales: single huge liquidations, at least WHALE_CLEAR away from any cascade;
  - feeds: "mixed" (Binance sampled, Bybit and OKX complete), "sampled" (every exchange
    throttled like Binance) or "complete"; and feed gaps, when one exchange sends nothing.
`build` takes the options; VARIANTS names fixed configurations of them.

Published facts it rests on (shared/ARCHITECTURE.md): liquidation sizes (log sd about
2.1, the top 1% carry ~44% of the notional; market.py's background), and Binance's
forceOrder stream sending at most one liquidation per symbol per second.
Our assumptions: START_PRICE (round early-2025 levels, jittered by seed), the slow drift,
how often cascades come and of which kinds, trigger shares and delays, coverage delays,
whale sizes, gap lengths and the size of volatile stretches.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np

from liqwatch.scenarios.cascades import (AI_TOKENS, KINDS, MAJOR_WEIGHTS, MAJORS, Plan,
                                         plan_cascades)
from liqwatch.scenarios.family_news import place_news
from liqwatch.scenarios.market import (ASSETS, EXCHANGES, GapSpec, ScenarioSpec, WhaleSpec, as_utc,
                                       rng_for)
from liqwatch.scenarios.timeline import Interval, around, pick_time

DEFAULT_START = datetime(2025, 3, 6, tzinfo=timezone.utc)  # a Thursday: 4 days hold a weekend
DEFAULT_DAYS = 4.0
START_PRICE = {"BTC": 90_000.0, "ETH": 2_200.0, "SOL": 145.0, "XRP": 2.40, "DOGE": 0.20,
               "FET": 0.55, "RENDER": 4.00, "TAO": 330.0, "WLD": 1.00}
DRIFT_STEP = timedelta(hours=12)
DRIFT_SD = 0.5  # of an asset's calm walk over DRIFT_STEP; half of it shared by all assets
RECOVERY_KEEP = (0.3, 0.8)  # share of a cascade's price move still there RECOVERY later
RECOVERY = (60, 180)  # minutes after the cascade's end
CASCADE_VOL = 1.7  # volatility multiplier of a cascade's assets at onset
FEEDS = {"mixed": tuple(e.name for e in EXCHANGES if e.throttled),
         "sampled": tuple(e.name for e in EXCHANGES), "complete": ()}
FEED_WEIGHTS = {"mixed": 0.5, "sampled": 0.25, "complete": 0.25}
GAP_MINUTES = (5, 60)
WHALE_CLEAR = timedelta(hours=2)
WHALE_USD = {"major": (0.5e6, 5e6), "ai": (0.2e6, 1e6)}
WHALE_AI_SHARE = 0.2
VOLATILE_HOURS = (6.0, 18.0)
VOLATILE_MULT = (1.4, 1.9)
OTHERS_PER_DAY = 2.0
Knots = list[tuple[datetime, float]]  # dated values: prices or volatility multipliers

VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "family": ("4 days from 2025-03-06, 9 assets: cascades of every kind with and without AI "
               "trigger news, coverage, AI stories with no reaction, whales, feed gaps, a feed "
               "mode drawn by seed (options: start, days, kinds, feeds, cascades, "
               "trigger_share, coverage_share, whales, gaps, gap_on_cascade, quiet_stories, "
               "others, volatile)", {}),
    "quiet": ("family with no cascades: whales, AI stories with no market reaction, "
              "seasonality and two volatile stretches", {"cascades": 0, "volatile": 2,
                                                         "quiet_stories": 4, "whales": 5}),
    "ai-news": ("family with AI-sector cascades only, each set off by an AI story and reported "
                "by coverage", {"kinds": ("ai",), "trigger_share": 1.0, "coverage_share": 1.0}),
    "majors": ("family with single-major cascades only, half of them set off by AI news",
               {"kinds": ("major",), "trigger_share": 0.5}),
    "market": ("family with market-wide cascades only (4-9 assets of both sectors)",
               {"kinds": ("market",)}),
    "squeeze": ("family with short squeezes only (one asset or AI tokens)",
                {"kinds": ("squeeze",)}),
    "sampled": ("family with every exchange's liquidation feed sampled (1/symbol/second)",
                {"feeds": "sampled"}),
    "gaps": ("family with three feed gaps, one of them during a cascade",
             {"gaps": 3, "gap_on_cascade": True}),
}


def _minutes(start: datetime, t: datetime) -> float:
    return (t - start).total_seconds() / 60.0


def _prices(rng: np.random.Generator, start: datetime, end: datetime,
            plans: list[Plan]) -> tuple[dict[str, Knots], dict[str, Knots]]:
    """Per asset, price anchors (a slow drift, moved by each cascade) and volatility knots.

    A cascade anchors its assets at onset, at its extreme (`plan.moves`) and RECOVERY after
    its end, where part of the move stays; the drift after that carries the kept move.
    """
    total = _minutes(start, end)
    grid = np.append(np.arange(0.0, total, DRIFT_STEP.total_seconds() / 60), total)
    common = rng.standard_normal(grid.size - 1)
    anchors, vol_knots = {}, {}
    for code, asset in ASSETS.items():
        sd = DRIFT_SD * asset.vol * math.sqrt(DRIFT_STEP.total_seconds() / 60)
        steps = sd * np.sqrt(0.5) * (common + rng.standard_normal(grid.size - 1))
        level = np.log(START_PRICE[code]) + rng.normal(0.0, 0.1) + np.append(0.0, np.cumsum(steps))
        keep = np.ones(grid.size, dtype=bool)
        points: list[tuple[float, float]] = []
        knots: Knots = []
        for p in (p for p in plans if code in p.cascade.assets):
            c = p.cascade
            t0 = _minutes(start, c.onset)
            back = min(total, _minutes(start, c.end) + float(rng.uniform(*RECOVERY)))
            l0 = float(np.interp(t0, grid, level))
            move = math.log1p(p.moves[code])
            kept = move * float(rng.uniform(*RECOVERY_KEEP))
            points += [(t0, l0), (_minutes(start, p.extreme), l0 + move), (back, l0 + kept)]
            level = np.where(grid > back, level + kept, level)
            keep &= (grid < t0 - 30) | (grid > back + 30)
            knots += [(c.onset - timedelta(minutes=15), 1.0), (c.onset, CASCADE_VOL),
                      (c.end, 1.3), (c.end + timedelta(minutes=45), 1.0)]
        merged = sorted([*zip(grid[keep], level[keep]), *points])
        anchors[code] = [(start + timedelta(minutes=float(m)), float(np.exp(v))) for m, v in merged]
        if knots:
            vol_knots[code] = knots
    return anchors, vol_knots


def _volatility(rng: np.random.Generator, start: datetime, end: datetime, count: int) -> Knots:
    """Global volatility knots: `count` stretches of VOLATILE_HOURS at VOLATILE_MULT."""
    episodes: list[Interval] = []
    knots: Knots = []
    ramp = timedelta(hours=1)
    for _ in range(count):
        length = timedelta(minutes=int(rng.uniform(*VOLATILE_HOURS) * 60))
        avoid = [(a - length - 2 * ramp, b + 2 * ramp) for a, b in episodes]
        at = pick_time(rng, start, start + ramp, end - length - ramp, avoid)
        if at is None:
            continue
        mult = round(float(rng.uniform(*VOLATILE_MULT)), 2)
        episodes.append((at, at + length))
        knots += [(at - ramp, 1.0), (at, mult), (at + length, mult), (at + length + ramp, 1.0)]
    return sorted(knots)


def _gaps(rng: np.random.Generator, start: datetime, end: datetime, plans: list[Plan],
          count: int, on_cascade: bool) -> list[GapSpec]:
    """Feed gaps of GAP_MINUTES on one exchange each, apart from each other; the first one
    starts around a cascade's onset if `on_cascade`."""
    gaps: list[GapSpec] = []
    for i in range(count):
        length = timedelta(minutes=int(rng.integers(GAP_MINUTES[0], GAP_MINUTES[1] + 1)),
                           seconds=int(rng.integers(0, 60)))
        exchange = EXCHANGES[int(rng.integers(len(EXCHANGES)))].name
        if i == 0 and on_cascade and plans:
            c = plans[int(rng.integers(len(plans)))].cascade
            rise = int(_minutes(c.onset, c.knots[1][0]))
            at = c.onset + timedelta(minutes=int(rng.integers(-10, rise + 1)),
                                     seconds=int(rng.integers(0, 60)))
        else:
            avoid = [(g.start - length - timedelta(minutes=10), g.end + timedelta(minutes=10))
                     for g in gaps]
            at = pick_time(rng, start, start + timedelta(hours=1),
                           end - length - timedelta(hours=1), avoid)
        if at is not None:
            gaps.append(GapSpec(exchange, at, at + length))
    return sorted(gaps, key=lambda g: g.start)


def _whales(rng: np.random.Generator, start: datetime, end: datetime, plans: list[Plan],
            gaps: list[GapSpec], count: int) -> list[WhaleSpec]:
    """Single huge liquidations: WHALE_CLEAR from cascades, out of gaps, an hour apart."""
    avoid: list[Interval] = [(p.cascade.onset - WHALE_CLEAR, p.cascade.end + WHALE_CLEAR)
                             for p in plans]
    avoid += [(g.start - timedelta(minutes=5), g.end + timedelta(minutes=5)) for g in gaps]
    shares = np.array([e.share for e in EXCHANGES])
    whales = []
    for _ in range(count):
        at = pick_time(rng, start, start + timedelta(minutes=30), end - timedelta(minutes=30),
                       avoid)
        if at is None:
            continue
        at += timedelta(milliseconds=int(rng.integers(0, 1000)))
        avoid.append(around(at, timedelta(hours=1)))
        sector = "ai" if rng.random() < WHALE_AI_SHARE else "major"
        pool, weights = (AI_TOKENS, None) if sector == "ai" else (MAJORS, MAJOR_WEIGHTS)
        asset = str(rng.choice(pool, p=weights))
        lo, hi = WHALE_USD[sector]
        whales.append(WhaleSpec(
            asset=asset, at=at, notional_usd=float(np.exp(rng.uniform(np.log(lo), np.log(hi)))),
            liquidated_side="long" if rng.random() < 0.6 else "short",
            exchange=EXCHANGES[int(rng.choice(len(EXCHANGES), p=shares / shares.sum()))].name))
    return sorted(whales, key=lambda w: w.at)


def _kinds(kinds: str | Sequence[str]) -> tuple[str, ...]:
    chosen = tuple(k.strip() for k in kinds.split(",")) if isinstance(kinds, str) else tuple(kinds)
    unknown = [k for k in chosen if k not in KINDS]
    if unknown or not chosen:
        raise ValueError(f"kinds must be among {', '.join(KINDS)}; got {kinds!r}")
    return chosen


def build(seed: int, start: datetime | str = DEFAULT_START, days: float = DEFAULT_DAYS,
          kinds: str | Sequence[str] = KINDS, feeds: str | None = None,
          cascades: int | None = None, trigger_share: float | None = None,
          coverage_share: float = 0.7, whales: int | None = None, gaps: int | None = None,
          gap_on_cascade: bool = False, quiet_stories: int | None = None,
          others: int | None = None, volatile: int | None = None,
          name: str = "family") -> ScenarioSpec:
    """A family scenario over [start, start + days); counts left as None are drawn by seed.

    `kinds` restricts the cascade kinds (a comma-separated string or a sequence), `feeds`
    is "mixed", "sampled" or "complete", `trigger_share` overrides the per-kind share of
    cascades set off by AI news, `quiet_stories` is the number of AI stories with no
    market reaction, `others` the number of non-AI stories, `volatile` the number of
    volatile stretches.
    """
    start = as_utc(start)
    end = start + timedelta(days=float(days))
    if feeds is not None and feeds not in FEEDS:
        raise ValueError(f"feeds must be one of {', '.join(FEEDS)}; got {feeds!r}")
    plans = plan_cascades(rng_for(seed, 10), start, end, _kinds(kinds), cascades, trigger_share)
    # Every default is drawn, given or not, so a variant that sets one option keeps all the
    # rest of the "family" scenario of the same seed (e.g. "sampled": the same market).
    draw = rng_for(seed, 15)
    drawn = {"feeds": str(draw.choice(list(FEEDS), p=list(FEED_WEIGHTS.values()))),
             "quiet_stories": int(draw.integers(2, 5)),
             "others": max(0, round(OTHERS_PER_DAY * float(days)) + int(draw.integers(-1, 2))),
             "volatile": int(draw.integers(0, 2)), "gaps": int(draw.integers(0, 3)),
             "whales": int(draw.integers(2, 6))}
    given = {"feeds": feeds, "quiet_stories": quiet_stories, "others": others,
             "volatile": volatile, "gaps": gaps, "whales": whales}
    opt = {k: drawn[k] if given[k] is None else given[k] for k in drawn}
    gap_specs = _gaps(rng_for(seed, 14), start, end, plans, opt["gaps"], gap_on_cascade)
    stories, trigger_of = place_news(rng_for(seed, 12), start, end, plans, opt["quiet_stories"],
                                     opt["others"], coverage_share)
    anchors, asset_vol_knots = _prices(rng_for(seed, 11), start, end, plans)
    return ScenarioSpec(
        name=name, seed=seed, start=start, end=end, assets=tuple(ASSETS), anchors=anchors,
        vol_knots=_volatility(draw, start, end, opt["volatile"]),
        asset_vol_knots=asset_vol_knots,
        cascades=[replace(p.cascade, trigger_news_id=trigger_of.get(p.cascade.id))
                  for p in plans],
        whales=_whales(rng_for(seed, 13), start, end, plans, gap_specs, opt["whales"]),
        news=stories, gaps=gap_specs, sampled=FEEDS[opt["feeds"]], trade_rate_scale=0.8)
