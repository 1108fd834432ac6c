"""liqwatch.news_impact (sql/003_news_impact.sql) on a real chDB directory: known stories and
minute rollups in, exact abnormal ratios out.

Timeline (minutes relative to each story's window start, the first minute boundary at or
after publication):
- story A (AI event, BTC and FET) has a jump after it: 7x the usual notional in the hour after.
- story B (AI event, SOL) sits in a steady market: 100 USD every hour, ratios 1.
- story C (AI coverage, no assets) is only 4 h old when the data ends: its 1 h and 4 h ratios
  exist, its 24 h ratio is NULL and its 24 h sums are what was seen so far.
- story D is not about AI (ai_score < 0.5) and is left out.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import Store, migrate, open_store

MIN = 60_000
HOUR = 60 * MIN
T0_A = 1_737_954_060_000  # 2025-01-27 05:01:00 UTC: story A's window start
PUB_A = T0_A - 30_000  # published at 05:00:30: the 05:00 minute counts as "before"
T0_B = T0_A + 72 * HOUR  # 2025-01-30 05:01:00, published exactly on the minute
T0_C = T0_B + 20 * HOUR
PUB_C = T0_C - 1  # one millisecond before a minute boundary
# Insert versions (ingested_at): now, as the news table's TTL counts from ingestion.
OLD = time.time_ns() // 1_000_000
NEW = OLD + 1


def utc(ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A migrated chDB store holding the stories and rollups of the module docstring (one per
    test, closed after it: chDB opens one directory at a time per process)."""
    s = open_store(f"chdb://{tmp_path / 'chdb'}")
    migrate(s)
    insert_news(s, [
        ("a", PUB_A, "DeepSeek R1 tops the App Store", "event", 0.9, ["BTC", "FET"], NEW),
        ("a", PUB_A, "an older version of story A", "event", 0.9, ["BTC"], OLD),
        ("b", T0_B, "OpenAI ships a model", "event", 0.8, ["SOL"], OLD),
        ("c", PUB_C, "Liquidations soared after the AI news", "coverage", 0.5, [], OLD),
        ("d", T0_B, "Fed holds rates", "other", 0.49, [], OLD),
    ])
    rollup = [
        # story A: 24 h before = 2,400 USD / 24 events (long 1,200, short 1,200)
        (T0_A - 24 * HOUR, "BTC", "binance", "long", 10, 1_000.0, NEW),
        (T0_A - HOUR, "ETH", "bybit", "short", 12, 1_200.0, NEW),
        (T0_A - MIN, "BTC", "okx", "long", 2, 200.0, NEW),
        # first hour after: 700 USD / 7 events, all long, all in A's assets
        (T0_A, "BTC", "binance", "long", 9, 9_999.0, OLD),  # replaced by the next row
        (T0_A, "BTC", "binance", "long", 3, 300.0, NEW),
        (T0_A, "BTC", "bybit", "long", 2, 200.0, NEW),
        (T0_A + 30 * MIN, "FET", "binance", "long", 2, 200.0, NEW),
        # hours 2-4: 100 USD / 1 event; hours 5-24: 1,600 USD / 16 events
        (T0_A + HOUR, "ETH", "bybit", "short", 1, 100.0, NEW),
        (T0_A + 24 * HOUR - MIN, "BTC", "binance", "long", 16, 1_600.0, NEW),
        (T0_A + 24 * HOUR, "BTC", "binance", "long", 9, 999.0, NEW),  # after A's 24 h
    ]
    # stories B and C: SOL, 100 USD and one event every hour, alternating sides
    rollup += [(T0_B + k * HOUR, "SOL", "binance", "long" if k % 2 else "short", 1, 100.0, NEW)
               for k in range(-24, 25)]
    insert_rollup(s, rollup)
    yield s
    s.close()


def insert_news(store: Store, rows: list[tuple]) -> None:
    """Stories (news_id, published_at, title, kind, ai_score, assets, ingested_at)."""
    store.insert("news", {
        "news_id": [r[0] for r in rows],
        "source": ["wire"] * len(rows),
        "published_at": [r[1] for r in rows],
        "title": [r[2] for r in rows],
        "body": [""] * len(rows),
        "url": [""] * len(rows),
        "ai_score": [r[4] for r in rows],
        "entities": [["DeepSeek"] if r[4] >= 0.5 else [] for r in rows],
        "assets": [r[5] for r in rows],
        "kind": [r[3] for r in rows],
        "ingested_at": [r[6] for r in rows],
    })


def insert_rollup(store: Store, rows: list[tuple]) -> None:
    """Minute rollup rows (minute, asset, exchange, side, events, usd, ingested_at)."""
    store.insert("liquidations_1m", {
        "minute": [r[0] for r in rows],
        "asset": [r[1] for r in rows],
        "exchange": [r[2] for r in rows],
        "liquidated_side": [r[3] for r in rows],
        "events": [r[4] for r in rows],
        "notional_usd": [r[5] for r in rows],
        "max_event_usd": [r[5] for r in rows],
        "ingested_at": [r[6] for r in rows],
    })


def impact(store: Store, news_id: str) -> dict:
    res = store.query(f"SELECT * FROM liqwatch.news_impact WHERE news_id = '{news_id}'")
    assert len(res.rows) == 1
    return dict(zip(res.columns, res.rows[0]))


def test_only_ai_stories_latest_version(store: Store) -> None:
    rows = store.query("SELECT news_id, title, kind FROM liqwatch.news_impact ORDER BY news_id")
    assert rows.rows == [("a", "DeepSeek R1 tops the App Store", "event"),
                         ("b", "OpenAI ships a model", "event"),
                         ("c", "Liquidations soared after the AI news", "coverage")]


def test_story_followed_by_a_jump(store: Store) -> None:
    a = impact(store, "a")
    assert a["published_at"] == utc(PUB_A) and a["window_start"] == utc(T0_A)
    assert a["assets"] == ["BTC", "FET"] and a["entities"] == ["DeepSeek"]
    assert (a["observed_before_h"], a["observed_after_h"]) == (24.0, 24.0)
    assert (a["before_24h_usd"], a["before_24h_events"]) == (2_400.0, 24)
    assert (a["before_24h_long_usd"], a["before_24h_short_usd"]) == (1_200.0, 1_200.0)
    assert (a["after_1h_usd"], a["after_1h_events"]) == (700.0, 7)
    assert (a["after_1h_long_usd"], a["after_1h_short_usd"]) == (700.0, 0.0)
    assert (a["after_4h_usd"], a["after_4h_events"]) == (800.0, 8)
    assert (a["after_24h_usd"], a["after_24h_events"]) == (2_400.0, 24)
    assert (a["ratio_1h"], a["ratio_4h"], a["ratio_24h"]) == (7.0, 2.0, 1.0)
    assert (a["events_ratio_1h"], a["events_ratio_4h"], a["events_ratio_24h"]) == (7.0, 2.0, 1.0)
    assert (a["ratio_1h_long"], a["ratio_1h_short"]) == (14.0, 0.0)


def test_story_assets_only(store: Store) -> None:
    a = impact(store, "a")
    assert (a["assets_before_24h_usd"], a["assets_before_24h_events"]) == (1_200.0, 12)
    assert (a["assets_after_1h_usd"], a["assets_after_1h_events"]) == (700.0, 7)
    assert (a["assets_after_4h_usd"], a["assets_after_4h_events"]) == (700.0, 7)
    assert (a["assets_after_24h_usd"], a["assets_after_24h_events"]) == (2_300.0, 23)
    assert (a["assets_ratio_1h"], a["assets_ratio_4h"]) == (14.0, 3.5)
    assert a["assets_ratio_24h"] == 2_300 / 1_200
    assert (a["assets_events_ratio_1h"], a["assets_events_ratio_4h"]) == (14.0, 3.5)
    assert a["assets_events_ratio_24h"] == 23 / 12


def test_story_in_a_steady_market(store: Store) -> None:
    b = impact(store, "b")
    assert b["window_start"] == utc(T0_B) and b["observed_after_h"] == 24.0
    assert (b["before_24h_usd"], b["after_1h_usd"], b["after_4h_usd"], b["after_24h_usd"]) == (
        2_400.0, 100.0, 400.0, 2_400.0)
    assert (b["ratio_1h"], b["ratio_4h"], b["ratio_24h"]) == (1.0, 1.0, 1.0)
    assert (b["events_ratio_1h"], b["events_ratio_4h"], b["events_ratio_24h"]) == (1.0, 1.0, 1.0)
    assert (b["ratio_1h_long"], b["ratio_1h_short"]) == (0.0, 2.0)  # the hour after is short
    assert (b["assets_ratio_1h"], b["assets_ratio_4h"], b["assets_ratio_24h"]) == (1.0, 1.0, 1.0)


def test_recent_story_has_ratios_only_for_complete_windows(store: Store) -> None:
    c = impact(store, "c")
    assert c["window_start"] == utc(T0_C)
    assert c["observed_after_h"] == 241 / 60  # data ends with the minute at T0_B + 24 h
    assert (c["before_24h_usd"], c["after_4h_usd"], c["after_24h_usd"]) == (2_400.0, 400.0, 500.0)
    assert (c["ratio_1h"], c["ratio_4h"], c["ratio_24h"]) == (1.0, 1.0, None)
    assert (c["events_ratio_1h"], c["events_ratio_4h"], c["events_ratio_24h"]) == (1.0, 1.0, None)
    assert c["assets"] == [] and c["assets_before_24h_usd"] == 0.0
    assert (c["assets_ratio_1h"], c["assets_events_ratio_1h"]) == (None, None)


def test_ranking_query_from_the_readme(store: Store) -> None:
    res = store.query(
        "SELECT news_id, round(ratio_1h, 2) AS r1, round(ratio_4h, 2) AS r4, "
        "round(ratio_24h, 2) AS r24 FROM liqwatch.news_impact "
        "WHERE kind = 'event' AND ratio_1h IS NOT NULL ORDER BY ratio_1h DESC")
    assert res.rows == [("a", 7.0, 2.0, 1.0), ("b", 1.0, 1.0, 1.0)]


def test_without_liquidations_nothing_is_measured(tmp_path: Path) -> None:
    with open_store(f"chdb://{tmp_path / 'empty'}") as s:
        migrate(s)
        insert_news(s, [("a", PUB_A, "DeepSeek R1 tops the App Store", "event", 0.9, ["BTC"], NEW)])
        a = impact(s, "a")
    assert (a["observed_before_h"], a["observed_after_h"], a["before_24h_usd"]) == (0.0, 0.0, 0.0)
    assert (a["ratio_1h"], a["events_ratio_24h"], a["assets_ratio_1h"]) == (None, None, None)
