"""A small, fast scenario for tests: 36 hours, five assets, three clear-cut events.

A market-wide long cascade ~28 h in (AI trigger story 40 min before, coverage 3 h after),
a SOL-only short squeeze at ~20 h with no news, one whale at ~14 h, one unrelated story
and one AI story with no market reaction. Cascades are sized against each asset's normal
15 minutes (NOTIONAL_X times its notional, orders SIZE_MULT times bigger) so a sound
detector cannot miss them.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np

from liqwatch.scenarios.market import (EXCHANGES, CascadeSpec, ScenarioSpec, WhaleSpec, as_utc,
                                       baseline_15m, rng_for, sharp_knots)
from liqwatch.scenarios.news import story

ASSET_CODES = ("BTC", "ETH", "SOL", "FET", "RENDER")
DEFAULT_START = datetime(2025, 1, 26, tzinfo=timezone.utc)
DEFAULT_HOURS = 36.0
NOTIONAL_X = 110.0
SIZE_MULT = 4.0
START_PRICE = {"BTC": 104700.0, "ETH": 3319.0, "SOL": 252.0, "FET": 1.207, "RENDER": 6.98}
# Relative price shape (hours from start, level); AI tokens fall DEPTH_AI times as far.
SHAPE = ((0.0, 1.0), (12.0, 1.003), (27.8, 0.999), (28.05, 0.992), (28.4, 0.962),
         (29.5, 0.97), (36.0, 0.975))
DEPTH_AI = 2.0
SQUEEZE = ((19.9, 1.0), (20.25, 1.065), (21.0, 1.045))
MARKET_ID = "market-long"
SQUEEZE_ID = "sol-squeeze"


def _anchors(code: str, start: datetime) -> list[tuple[datetime, float]]:
    depth = DEPTH_AI if code in ("FET", "RENDER") else 1.0
    points = [(h, 1.0 + (lvl - 1.0) * depth) for h, lvl in SHAPE]
    if code == "SOL":
        level = dict(points)
        base = float(np.interp(20.0, list(level), list(level.values())))
        points += [(h, base * lvl) for h, lvl in SQUEEZE]
    points = sorted(points)
    return [(start + timedelta(hours=h), START_PRICE[code] * lvl) for h, lvl in points]


def _cascade(cid: str, scope: str, key: str, side: str, onset: datetime,
             assets: tuple[str, ...], rise_fall_tail: tuple[int, int, int], minority: float,
             trigger: str | None = None) -> CascadeSpec:
    """A sharp cascade: ramps up for `rise` minutes, decays over `fall`, fades over `tail`."""
    knots = sharp_knots(onset, *(timedelta(minutes=m) for m in rise_fall_tail))
    return CascadeSpec(id=cid, scope=scope, key=key, liquidated_side=side, knots=knots,
                       notional_usd={a: NOTIONAL_X * baseline_15m(a)[1] for a in assets},
                       size_mult=SIZE_MULT, minority_share=minority, trigger_news_id=trigger)


def build(seed: int, start: datetime | str = DEFAULT_START,
          hours: float = DEFAULT_HOURS) -> ScenarioSpec:
    """The small scenario over [start, start + hours); events past the end drop out."""
    start = as_utc(start)
    end = start + timedelta(hours=hours)
    rng = rng_for(seed, 4)

    def at(h: float) -> datetime:
        return start + timedelta(hours=h)

    cascades = [
        _cascade(SQUEEZE_ID, "asset", "SOL", "short", at(20.0), ("SOL",), (8, 12, 10), 0.06),
        _cascade(MARKET_ID, "market", "market", "long", at(28.0), ASSET_CODES, (10, 15, 20), 0.07,
                 trigger="small-trigger"),
    ]
    cascades = [c for c in cascades if c.onset < end]
    news = [
        story("operator_agent", "small-ai-quiet", at(6.0)),
        story("etf_flows", "small-etf", at(9.5), flow="$590 million"),
        story("app_store_top", "small-trigger", at(28.0) - timedelta(minutes=40),
              triggers=MARKET_ID),
        story("liquidations_top", "small-coverage", at(31.0), covers=MARKET_ID,
              total="$400 million", longs="about $370 million", btc="$150 million",
              eth="$80 million", move="bitcoin lost almost 4% in half an hour"),
    ]
    whale_at = at(14.0) + timedelta(seconds=int(rng.integers(-600, 600)),
                                    milliseconds=int(rng.integers(0, 1000)))
    whales = [WhaleSpec("BTC", whale_at, float(rng.uniform(2e6, 4e6)), "long",
                        EXCHANGES[int(rng.integers(0, 2))].name)] if whale_at < end else []
    return ScenarioSpec(
        name="small", seed=seed, start=start, end=end, assets=ASSET_CODES,
        anchors={a: _anchors(a, start) for a in ASSET_CODES},
        vol_knots=[(at(19.8), 1.0), (at(20.0), 1.6), (at(21.0), 1.0),
                   (at(27.9), 1.0), (at(28.0), 1.8), (at(29.5), 1.0)],
        cascades=cascades, whales=whales,
        news=[s for s in news if s.published_at < end],
        liq_rate_scale=1.4, trade_rate_scale=0.8)
