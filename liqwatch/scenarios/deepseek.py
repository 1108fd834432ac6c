"""The DeepSeek shock of 2025-01-27, rebuilt from published facts for the demo scenario.

Prices: daily opens and the published intraday facts (inauguration record on 01-20, the
CME-reopen drop at 23:00 on 01-26, BTC below 100k around 05:00 and its 97.8k low at 07:25
on 01-27, ETH's 3,020 low, AI tokens -11% to -15%) are anchors; seeded noise fills in.
Liquidations: CoinGlass's 24h figures for the shock divided by NOTIONAL_DIVISOR, split
89% longs / 11% shorts, so the file stays a few hundred thousand rows. AI-token figures
were not published; ours are assumptions of the same order as DOGE's.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np

from liqwatch.scenarios.market import EXCHANGES, CascadeSpec, ScenarioSpec, WhaleSpec, rng_for
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


def _daily(opens: str) -> list[tuple[datetime, float]]:
    """Daily 00:00 UTC prices from 'DD:price DD:price ...'."""
    out = []
    for item in opens.split():
        day, price = item.split(":")
        out.append((_t(f"01-{day} 00:00"), float(price)))
    return out


_SHOCK_MAJOR = "01-26 23:00", "01-27 07:25", "01-27 15:00"
_SHOCK_AI = "01-26 20:30", "01-27 10:30", "01-27 15:00"

# asset -> (daily opens, [extra (time, price)]): shock anchors carry the published moves.
ANCHORS: dict[str, tuple[str, list[tuple[str, float]]]] = {
    "BTC": ("20:101300 21:102300 22:106100 23:103700 24:103900 25:104900 26:104700 "
            "27:102600 28:102100 29:101300 30:103700 31:104700",
            [("01-20 07:30", 109000), ("01-20 12:00", 108000), ("01-20 17:30", 101500),
             ("01-26 23:00", 104300), ("01-27 02:30", 101300), ("01-27 04:00", 100800),
             ("01-27 05:15", 99900), ("01-27 07:25", 97800),
             ("01-27 15:00", 101800)]),
    "ETH": ("20:3215 21:3284 22:3328 23:3243 24:3338 25:3310 26:3319 27:3233 28:3182 "
            "29:3078 30:3114 31:3247",
            [("01-20 07:30", 3400), ("01-20 17:30", 3230), ("01-26 23:00", 3290),
             ("01-27 07:25", 3020), ("01-27 15:00", 3130)]),
    "SOL": ("20:252 21:240 22:257 23:253 24:255 25:255 26:252 27:247 28:239 29:233 "
            "30:238 31:241",
            [("01-26 23:00", 250), ("01-27 07:25", 224), ("01-27 15:00", 238)]),
    "XRP": ("20:3.26 21:3.11 22:3.17 23:3.11 24:3.13 25:3.10 26:3.11 27:3.04 28:3.12 "
            "29:3.07 30:3.12 31:3.12",
            [("01-26 23:00", 3.08), ("01-27 07:25", 2.82), ("01-27 15:00", 3.05)]),
    "DOGE": ("20:0.379 21:0.363 22:0.370 23:0.359 24:0.343 25:0.348 26:0.337 27:0.331 "
             "28:0.333 29:0.320 30:0.329 31:0.331",
             [("01-26 23:00", 0.334), ("01-27 07:25", 0.305), ("01-27 15:00", 0.326)]),
    "FET": ("20:1.173 21:1.186 22:1.307 23:1.280 24:1.244 25:1.226 26:1.207 27:1.178 "
            "28:1.119 29:0.979 30:0.993 31:1.047",
            [("01-26 20:30", 1.215), ("01-27 10:30", 1.050), ("01-27 15:00", 1.110)]),
    "RENDER": ("20:6.70 21:6.73 22:7.24 23:7.05 24:7.07 25:6.88 26:6.98 27:6.73 28:6.23 "
               "29:5.54 30:5.48 31:5.87",
               [("01-26 20:30", 6.95), ("01-27 10:30", 5.90), ("01-27 15:00", 6.25)]),
    "TAO": ("20:427 21:408 22:426 23:400 24:380 25:373 26:409 27:433 28:446 29:451 "
            "30:449 31:453",
            [("01-26 20:30", 446), ("01-27 10:30", 390), ("01-27 15:00", 465)]),
    "WLD": ("20:1.907 21:1.894 22:2.128 23:2.314 24:2.261 25:2.132 26:2.099 27:1.991 "
            "28:1.906 29:1.632 30:1.724 31:1.766",
            [("01-26 20:30", 2.090), ("01-27 10:30", 1.820), ("01-27 15:00", 1.920)]),
}

# CoinGlass 24h liquidations on 2025-01-27, USD millions (AI tokens: our assumption).
MARKET_MUSD = {"BTC": 311, "ETH": 143, "SOL": 50, "XRP": 42, "DOGE": 33,
               "FET": 6, "RENDER": 4, "TAO": 3, "WLD": 5}
SECTOR_MUSD = {"FET": 5, "RENDER": 3, "TAO": 2.5, "WLD": 4}
LONG_SHARE = 883 / 993


def _anchors(code: str) -> list[tuple[datetime, float]]:
    opens, extra = ANCHORS[code]
    return sorted(_daily(opens) + [(_t(t), float(p)) for t, p in extra])


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
              btc="$280 million", eth="$130 million"),
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
    for m in np.sort(rng.choice(cand, size=count, replace=False)) if count else []:
        at = start + timedelta(minutes=int(m), milliseconds=int(rng.integers(0, 60_000)))
        whales.append(WhaleSpec(
            asset=majors[rng.choice(5, p=weights)], at=at,
            notional_usd=float(np.exp(rng.uniform(np.log(1e6), np.log(5e6)))),
            liquidated_side="long" if rng.random() < 0.6 else "short",
            exchange=EXCHANGES[rng.choice(len(EXCHANGES), p=shares)].name))
    return whales


def build(seed: int, start: datetime | str = DEFAULT_START, days: float = DEFAULT_DAYS) -> ScenarioSpec:
    """The DeepSeek scenario over [start, start + days); parts outside the window drop out."""
    start = datetime.fromisoformat(start) if isinstance(start, str) else start
    start = start.replace(tzinfo=start.tzinfo or timezone.utc)
    end = start + timedelta(days=days)
    cascades = [c for c in _cascades() if start <= c.onset < end]
    vol_knots = [(_t(t), v) for t, v in (
        ("01-20 05:00", 1.0), ("01-20 08:00", 1.6), ("01-20 20:00", 1.5), ("01-21 04:00", 1.0),
        ("01-26 22:00", 1.0), ("01-26 23:00", 1.8), ("01-27 00:30", 1.2), ("01-27 04:30", 1.2),
        ("01-27 05:30", 1.8), ("01-27 08:00", 1.8),
        ("01-27 18:00", 1.4), ("01-28 06:00", 1.0))]
    lows = {a: (_t("01-27 07:25"), timedelta(hours=6)) for a in ("BTC", "ETH", "SOL", "XRP", "DOGE")}
    lows.update({a: (_t("01-27 10:30"), timedelta(hours=8)) for a in ("FET", "RENDER", "TAO", "WLD")})
    return ScenarioSpec(
        name="deepseek", seed=seed, start=start, end=end, assets=ASSET_CODES,
        anchors={a: _anchors(a) for a in ASSET_CODES}, lows=lows, vol_knots=vol_knots,
        cascades=cascades, whales=_whales(seed, start, end, cascades),
        news=[s for s in _news() if start <= s.published_at < end],
        liq_rate_scale=1.0, trade_rate_scale=0.8)
