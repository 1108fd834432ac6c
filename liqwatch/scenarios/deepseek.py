"""The DeepSeek shock of 2025-01-27, rebuilt from published facts for the demo scenario.

Prices: a seeded random walk bridged through a sparse set of anchors (`BTC_ANCHORS`, and
`LEVELS` at `MAJOR_TIMES` / `AI_TIMES`; UTC, January 2025). No number is taken from any
recorded market data.
Published facts (shared/ARCHITECTURE.md, "The seed event: the DeepSeek shock"):
  - BTC 104,300 at 01-26 23:00 (CME reopen) and 102,600 an hour later, 01-27 00:00;
  - BTC 100,000 at 01-27 05:00 (first below 100k around then), low 97,800 at 07:25;
  - ETH low 3,020 at 01-27 07:25, and, from its published -8%, 3,280 before the shock
    (01-26 23:00);
  - AI tokens (FET, RENDER, TAO, WLD) -11% to -15% on 01-27: each one's low is 13% (the
    middle of that range; the per-token split was not published) below its level at
    01-26 20:00 (the levels, the 10:30 time of the low and the rounding are ours):
    FET 1.20 -> 1.04, RENDER 7.00 -> 6.10, TAO 420 -> 365, WLD 2.00 -> 1.74.
Our assumptions (round levels as the news of that week reported them, or shaping guesses):
  - BTC: 101k on 01-20 00:00, the ~109k record at 07:30 before the inauguration, 102k
    at 20:00 after it; 106k (01-22), 104k (01-24), 105k (01-26) for the 102-106k week;
    101k at 01-27 16:00 (back above 100k in the US session), ~102k on 01-28 12:00,
    104k on 01-30 00:00;
  - ETH 3,300 through 01-20..26, SOL 250, XRP 3.10, DOGE 0.350 before the shock;
  - in the CME hour the other majors fall as BTC did (-1.6%, rounded: ETH 3,230, SOL 246,
    XRP 3.05, DOGE 0.345 at 01-27 00:00);
  - SOL, XRP and DOGE lows at 07:25 about 10% down (a little more than ETH's -8%):
    SOL 225, XRP 2.80, DOGE 0.315;
  - majors rebound part-way by 01-27 16:00 and hold there (ETH 3,150, SOL 235, XRP 3.00,
    DOGE 0.330);
  - AI tokens: ~8% up on 01-22 after the Stargate news (FET 1.30, RENDER 7.50, TAO 450,
    WLD 2.15), back to their pre-shock level by 01-25; after the low, about half the fall
    back by 01-27 16:00 (FET 1.12, RENDER 6.50, TAO 390, WLD 1.85) and flat after that.
Lows (the walk is reflected above them): each major's anchored 07:25 low and each AI
token's 10:30 low stays the low of the whole scenario; BTC's 100k at 05:00 is also its
floor from 01-20 20:00 on, so that is when it first goes below 100k "for the first time
in a week" (as the 01-27 coverage says).
Liquidations: CoinGlass's 24h figures for 01-27 divided by NOTIONAL_DIVISOR and split 89%
longs / 11% shorts; with that divisor the day totals about 7x a normal day (reported:
"up more than 850%") and the file stays under 300k rows. AI-token figures were not
published; ours are assumptions of the same order as DOGE's."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np

from liqwatch.scenarios.market import (ASSETS, EXCHANGES, CascadeSpec, ScenarioSpec, WhaleSpec,
                                       as_utc, rng_for)
from liqwatch.scenarios.news import Story, story

NOTIONAL_DIVISOR = 2.0
ASSET_CODES = ("BTC", "ETH", "SOL", "XRP", "DOGE", "FET", "RENDER", "TAO", "WLD")
DEFAULT_START = datetime(2025, 1, 20, tzinfo=timezone.utc)
DEFAULT_DAYS = 10.0
SECTOR_ID = "ai-sector-2025-01-26"
MARKET_ID = "market-2025-01-26"


def _t(text: str) -> datetime:
    """'MM-DD HH:MM' in January 2025, UTC."""
    return datetime.strptime(f"2025-{text}", "%Y-%m-%d %H:%M").replace(tzinfo=timezone.utc)


# Price anchors, UTC; which are published facts and which are our round assumptions: see
# the module docstring. BTC has its own times; the other assets share one grid per group.
BTC_ANCHORS: tuple[tuple[str, float], ...] = (
    ("01-20 00:00", 101_000), ("01-20 07:30", 109_000), ("01-20 20:00", 102_000),
    ("01-22 00:00", 106_000), ("01-24 00:00", 104_000), ("01-26 00:00", 105_000),
    ("01-26 23:00", 104_300), ("01-27 00:00", 102_600), ("01-27 05:00", 100_000),
    ("01-27 07:25", 97_800), ("01-27 16:00", 101_000), ("01-28 12:00", 102_000),
    ("01-30 00:00", 104_000))
MAJOR_TIMES = ("01-20 00:00", "01-22 12:00", "01-25 00:00", "01-26 23:00", "01-27 00:00",
               "01-27 07:25", "01-27 16:00", "01-30 00:00")
AI_TIMES = ("01-20 00:00", "01-22 12:00", "01-25 00:00", "01-26 20:00", "01-27 10:30",
            "01-27 16:00", "01-30 00:00")
LEVELS: dict[str, tuple[float, ...]] = {
    # at MAJOR_TIMES
    "ETH": (3_300, 3_300, 3_300, 3_280, 3_230, 3_020, 3_150, 3_150),
    "SOL": (250, 250, 250, 250, 246, 225, 235, 235),
    "XRP": (3.10, 3.10, 3.10, 3.10, 3.05, 2.80, 3.00, 3.00),
    "DOGE": (0.350, 0.350, 0.350, 0.350, 0.345, 0.315, 0.330, 0.330),
    # at AI_TIMES
    "FET": (1.20, 1.30, 1.20, 1.20, 1.04, 1.12, 1.12),
    "RENDER": (7.00, 7.50, 7.00, 7.00, 6.10, 6.50, 6.50),
    "TAO": (420, 450, 420, 420, 365, 390, 390),
    "WLD": (2.00, 2.15, 2.00, 2.00, 1.74, 1.85, 1.85),
}

# CoinGlass 24h liquidations on 2025-01-27, USD millions (AI tokens: our assumption).
MARKET_MUSD = {"BTC": 311, "ETH": 143, "SOL": 50, "XRP": 42, "DOGE": 33,
               "FET": 6, "RENDER": 4, "TAO": 3, "WLD": 5}
SECTOR_MUSD = {"FET": 5, "RENDER": 3, "TAO": 2.5, "WLD": 4}
LONG_SHARE = 883 / 993


def _anchors(code: str) -> list[tuple[datetime, float]]:
    if code == "BTC":
        points = BTC_ANCHORS
    else:
        times = AI_TIMES if ASSETS[code].sector == "ai" else MAJOR_TIMES
        points = tuple(zip(times, LEVELS[code], strict=True))
    return sorted((_t(t), float(p)) for t, p in points)


def _cascades() -> list[CascadeSpec]:
    sector = CascadeSpec(
        id=SECTOR_ID, scope="sector", key="ai", liquidated_side="long",
        knots=tuple((_t(t), w) for t, w in (
            ("01-26 21:00", 0.35), ("01-26 22:15", 1.0), ("01-26 23:30", 0.7),
            ("01-27 02:00", 0.35), ("01-27 04:00", 0.0))),
        notional_usd={a: v * 1e6 / NOTIONAL_DIVISOR for a, v in SECTOR_MUSD.items()},
        size_mult=1.5, minority_share=1 - LONG_SHARE, follow_price=True,
        trigger_news_id="news-20250126-app-store-top")
    market = CascadeSpec(
        id=MARKET_ID, scope="market", key="market", liquidated_side="long",
        knots=tuple((_t(t), w) for t, w in (
            ("01-26 23:00", 0.65), ("01-26 23:40", 0.45), ("01-27 01:00", 0.3),
            ("01-27 02:30", 0.45), ("01-27 04:00", 0.4), ("01-27 05:00", 0.65),
            ("01-27 06:30", 0.9), ("01-27 07:25", 1.0), ("01-27 08:15", 0.6),
            ("01-27 09:30", 0.3), ("01-27 11:00", 0.15), ("01-27 13:00", 0.0))),
        notional_usd={a: v * 1e6 / NOTIONAL_DIVISOR for a, v in MARKET_MUSD.items()},
        size_mult=1.5, minority_share=1 - LONG_SHARE, follow_price=True,
        trigger_news_id="news-20250126-futures-preview")
    return [sector, market]


def _news() -> list[Story]:
    return [
        story("r1_release", "news-20250120-r1-release", _t("01-20 13:40")),
        story("tiktok", "news-20250120-tiktok", _t("01-20 15:10")),
        story("stargate", "news-20250121-stargate", _t("01-21 21:40")),
        story("etf_flows", "news-20250121-etf-flows", _t("01-21 22:30"), flow="$802 million"),
        story("crypto_order", "news-20250123-crypto-order", _t("01-23 21:30")),
        story("fed_preview", "news-20250124-fed-preview", _t("01-24 14:00")),
        story("listing", "news-20250125-listing", _t("01-25 09:00")),
        story("app_store_top", "news-20250126-app-store-top", _t("01-26 19:30"),
              triggers=SECTOR_ID),
        story("futures_preview", "news-20250126-futures-preview", _t("01-26 22:20"),
              triggers=MARKET_ID),
        story("nvidia_premarket", "news-20250127-nvidia-premarket", _t("01-27 09:45")),
        story("ai_tokens_slide", "news-20250127-ai-tokens-slide", _t("01-27 11:50"),
              covers=SECTOR_ID),
        story("liquidations_top", "news-20250127-liquidations-top", _t("01-27 15:30"),
              covers=MARKET_ID, total="$900 million", longs="about $800 million",
              btc="$280 million", eth="$130 million",
              move="bitcoin fell below $100,000 for the first time in a week"),
        story("sacks_distillation", "news-20250128-sacks-distillation", _t("01-28 19:40"),
              covers=MARKET_ID),
        story("openai_ft", "news-20250129-openai-ft", _t("01-29 08:10"), covers=MARKET_ID),
        story("fed_holds", "news-20250129-fed-holds", _t("01-29 19:05")),
    ]


def _whales(seed: int, start: datetime, end: datetime,
            cascades: list[CascadeSpec]) -> list[WhaleSpec]:
    """A few $1-5M single liquidations at random times well away from the cascades."""
    rng = rng_for(seed, 4)
    minutes = int((end - start).total_seconds() // 60)
    cand = np.arange(360, max(360, minutes - 60))
    for c in cascades:
        lo = (c.onset - start).total_seconds() / 60 - 720
        hi = (c.end - start).total_seconds() / 60 + 720
        cand = cand[(cand < lo) | (cand > hi)]
    count = min(cand.size, max(1, round(minutes / 1440 * 0.4)))
    majors = ["BTC", "ETH", "SOL", "XRP", "DOGE"]
    weights = np.array([0.45, 0.3, 0.1, 0.08, 0.07])
    shares = np.array([e.share for e in EXCHANGES])
    whales = []
    for m in np.sort(rng.choice(cand, size=count, replace=False)):
        at = start + timedelta(minutes=int(m), milliseconds=int(rng.integers(0, 60_000)))
        whales.append(WhaleSpec(
            asset=majors[rng.choice(5, p=weights)], at=at,
            notional_usd=float(np.exp(rng.uniform(np.log(1e6), np.log(5e6)))),
            liquidated_side="long" if rng.random() < 0.6 else "short",
            exchange=EXCHANGES[rng.choice(len(EXCHANGES), p=shares)].name))
    return whales


def build(seed: int, start: datetime | str = DEFAULT_START,
          days: float = DEFAULT_DAYS) -> ScenarioSpec:
    """The DeepSeek scenario over [start, start + days); parts outside the window drop out."""
    start = as_utc(start)
    end = start + timedelta(days=days)
    cascades = [c for c in _cascades() if c.onset < end and c.end > start]
    vol_knots = [(_t(t), v) for t, v in (
        ("01-20 05:00", 1.0), ("01-20 08:00", 1.6), ("01-20 20:00", 1.5), ("01-21 04:00", 1.0),
        ("01-26 22:00", 1.0), ("01-26 23:00", 1.8), ("01-27 00:30", 1.2), ("01-27 04:30", 1.2),
        ("01-27 05:30", 1.8), ("01-27 08:00", 1.8), ("01-27 18:00", 1.4), ("01-28 06:00", 1.0))]
    lows = {a: [(_t("01-27 07:25"), start, end)] for a in ASSET_CODES[:5]}
    lows.update({a: [(_t("01-27 10:30"), start, end)] for a in ASSET_CODES[5:]})
    lows["BTC"].insert(0, (_t("01-27 05:00"), _t("01-20 20:00"), _t("01-27 05:00")))
    return ScenarioSpec(
        name="deepseek", seed=seed, start=start, end=end, assets=ASSET_CODES,
        anchors={a: _anchors(a) for a in ASSET_CODES}, lows=lows, vol_knots=vol_knots,
        cascades=cascades, whales=_whales(seed, start, end, cascades),
        news=[s for s in _news() if start <= s.published_at < end],
        liq_rate_scale=1.0, trade_rate_scale=0.8)
