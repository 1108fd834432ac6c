"""The chart's data from ClickHouse: liquidations per minute by side for some assets over
a time window, with the spikes and AI news stories inside it.

Queries are synchronous (the Store serializes calls); the web app runs them in a thread.
They use only SQL that runs unchanged on chDB and a ClickHouse server.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from storage import Store

MINUTE_MS = 60_000
HOUR_MS = 3_600_000
MAX_BARS = 720  # wider windows sum several minutes per bar (still shown per minute)
MAX_HOURS = 24 * 14
AI_NEWS_MIN_SCORE = 0.5  # the news_impact view's cut for an "AI story"
_ASSET = re.compile(r"[A-Za-z0-9._\-]{1,40}")


@dataclass(frozen=True)
class ChartQuery:
    """Which assets (empty: all), how many hours, ending when (None: the latest data)."""

    assets: tuple[str, ...] = ()
    hours: float = 6.0
    end_ms: int | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> ChartQuery:
        """Parse `assets=BTC,ETH&hours=6&end=<ms>`; ValueError says what is wrong."""
        assets = tuple(a for a in params.get("assets", "").split(",") if a)
        bad = [a for a in assets if not _ASSET.fullmatch(a)]
        if bad:
            raise ValueError(f"assets: {bad[0]!r} is not an asset symbol such as BTC")
        try:
            hours = float(params.get("hours", cls.hours))
            end = params.get("end")
            end_ms = int(end) if end else None
        except ValueError:
            raise ValueError("hours must be a number and end epoch milliseconds") from None
        if not 0 < hours <= MAX_HOURS:
            raise ValueError(f"hours must be above 0 and at most {MAX_HOURS}")
        return cls(tuple(sorted(set(assets))), hours, end_ms)


def _in_list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def _ms(sql_ms: int) -> str:
    return f"fromUnixTimestamp64Milli(toInt64({int(sql_ms)}), 'UTC')"


def assets(store: Store, limit: int = 200) -> list[dict]:
    """Assets with liquidations, largest total notional first."""
    rows = store.query(
        "SELECT asset, sum(notional_usd) AS usd FROM liqwatch.liquidations_1m "
        f"GROUP BY asset ORDER BY usd DESC, asset LIMIT {int(limit)}").rows
    return [{"asset": a, "notional_usd": float(usd)} for a, usd in rows]


def data_minutes(store: Store, q: ChartQuery) -> tuple[int, int] | None:
    """Starts of the oldest and newest rolled-up minutes of the assets (None: no data)."""
    where = f"WHERE has({_in_list(q.assets)}, asset)" if q.assets else ""
    row = store.query("SELECT count(), toUnixTimestamp64Milli(min(minute)), "
                      "toUnixTimestamp64Milli(max(minute)) "
                      f"FROM liqwatch.liquidations_1m {where}").rows[0]
    return (int(row[1]), int(row[2])) if row[0] else None


def chart(store: Store, q: ChartQuery) -> dict:
    """Per-minute long and short liquidations (USD and events) in bars of `bucket_minutes`,
    plus the spikes overlapping the window and the AI stories published in it. The window
    is `hours` long at most: it starts no earlier than the data, so a young live run is
    drawn minute by minute."""
    bounds = data_minutes(store, q)
    if bounds is None:
        return {"assets": list(q.assets), "empty": True}
    first, latest = bounds
    end = latest + MINUTE_MS if q.end_ms is None else q.end_ms
    start = end - int(q.hours * HOUR_MS)
    if start < first < end:
        start = first
    span_min = max(1, math.ceil((end - start) / MINUTE_MS))
    bucket = max(1, math.ceil(span_min / MAX_BARS))
    step = bucket * MINUTE_MS
    start, end = start // step * step, -(-end // step) * step
    asset_cond = f"has({_in_list(q.assets)}, asset)" if q.assets else "1"
    rows = store.query(
        f"SELECT intDiv(toUnixTimestamp64Milli(minute), {step}) * {step} AS t, "
        "liquidated_side, sum(notional_usd), sum(events) "
        "FROM liqwatch.liquidations_1m FINAL "
        f"WHERE {asset_cond} AND minute >= {_ms(start)} AND minute < {_ms(end)} "
        "GROUP BY t, liquidated_side ORDER BY t").rows
    n = (end - start) // step
    series = {f"{side}_{unit}": [0.0] * n for side in ("long", "short") for unit in ("usd", "events")}
    for t, side, usd, events in rows:
        i = (int(t) - start) // step
        if side in ("long", "short") and 0 <= i < n:
            series[f"{side}_usd"][i] = float(usd) / bucket
            series[f"{side}_events"][i] = int(events) / bucket
    return {"assets": list(q.assets), "empty": False, "start": start, "end": end,
            "bucket_minutes": bucket, **series,
            "spikes": spikes_between(store, q.assets, start, end),
            "news": news_between(store, q.assets, start, end)}


def spikes_between(store: Store, of: tuple[str, ...], start: int, end: int) -> list[dict]:
    """Spikes (latest versions) active in [start, end) that involve any of `of` (or all)."""
    asset_cond = f"hasAny(assets, {_in_list(of)})" if of else "1"
    rows = store.query(
        "SELECT spike_id, scope, key, assets, liquidated_side, severity, status, "
        "toUnixTimestamp64Milli(onset_ts), toUnixTimestamp64Milli(peak_ts), "
        "toUnixTimestamp64Milli(detected_at), "
        "if(isNull(end_ts), NULL, toUnixTimestamp64Milli(assumeNotNull(end_ts))), "
        "notional_usd, ratio FROM liqwatch.spikes FINAL "
        f"WHERE {asset_cond} AND onset_ts < {_ms(end)} "
        f"AND (end_ts IS NULL OR end_ts >= {_ms(start)}) ORDER BY onset_ts, spike_id").rows
    keys = ("spike_id", "scope", "key", "assets", "liquidated_side", "severity", "status",
            "onset_ts", "peak_ts", "detected_at", "end_ts", "notional_usd", "ratio")
    return [dict(zip(keys, r)) for r in rows]


def news_between(store: Store, of: tuple[str, ...], start: int, end: int,
                 limit: int = 200) -> list[dict]:
    """AI stories (and stories naming any of `of`) published in [start, end)."""
    named = f" OR hasAny(assets, {_in_list(of)})" if of else ""
    rows = store.query(
        "SELECT news_id, toUnixTimestamp64Milli(published_at), source, title, ai_score, kind "
        "FROM liqwatch.news FINAL "
        f"WHERE published_at >= {_ms(start)} AND published_at < {_ms(end)} "
        f"AND (ai_score >= {AI_NEWS_MIN_SCORE}{named}) "
        f"ORDER BY published_at, news_id LIMIT {int(limit)}").rows
    keys = ("news_id", "published_at", "source", "title", "ai_score", "kind")
    return [dict(zip(keys, r)) for r in rows]
