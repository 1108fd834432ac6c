"""Rollups of sql/004_rollups.sql on a real chDB directory: the minute and daily views equal a
GROUP BY over the raw liquidations, rows present before the migration are backfilled, and a
re-inserted event is counted again (the documented limit of insert-driven rollups)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from storage import Store, migrate, open_store
from storage.migrate import SQL_DIR, split_statements

T0 = 1_737_936_000_000  # 2025-01-27 00:00 UTC
COLUMNS = ("event_id", "exchange", "symbol", "asset", "liquidated_side", "price", "qty_base",
           "notional_usd", "ts", "received_ts", "is_sampled")
KEYS = {"minutely": "minute", "daily": "day"}
RAW_GROUP = {"minutely": "toStartOfMinute(ts)", "daily": "toDate(ts)"}


def events(n: int, seed: int, start: int = T0) -> dict[str, list]:
    """`n` random liquidations over two days, three exchanges, two assets, both sides."""
    rng = np.random.default_rng(seed)
    exchange = rng.choice(["binanceusdm", "bybit", "okx"], n)
    asset = rng.choice(["BTC", "SOL"], n)
    price = np.where(asset == "BTC", 100_000.0, 250.0)
    qty = rng.exponential(2.0, n).round(3) + 0.001
    ts = (start + rng.integers(0, 2 * 86_400_000, n)).tolist()
    return {
        "event_id": [f"e{seed}-{i}" for i in range(n)],
        "exchange": exchange.tolist(),
        "symbol": [f"{a}USDT" for a in asset],
        "asset": asset.tolist(),
        "liquidated_side": rng.choice(["long", "short"], n).tolist(),
        "price": price.tolist(),
        "qty_base": qty.tolist(),
        "notional_usd": (price * qty).tolist(),
        "ts": ts,
        "received_ts": ts,
        "is_sampled": (exchange == "binanceusdm").tolist(),
    }


def migrate_statements() -> list[str]:
    """The statements of sql/004_rollups.sql without their leading comments."""
    statements = split_statements((SQL_DIR / "004_rollups.sql").read_text())
    return ["\n".join(line for line in s.splitlines() if not line.startswith("--")).strip()
            for s in statements]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(f"chdb://{tmp_path / 'ch'}") as s:
        yield s


def rollup(store: Store, view: str) -> list[tuple]:
    key = KEYS[view]
    return store.query(
        f"SELECT {key}, asset, exchange, liquidated_side, events, sampled_events, "
        "round(notional_usd, 4), round(qty_base, 6), max_event_usd "
        f"FROM liqwatch.liquidations_{view} ORDER BY {key}, asset, exchange, liquidated_side"
    ).rows


def from_raw(store: Store, view: str) -> list[tuple]:
    key = KEYS[view]
    return store.query(
        f"SELECT {RAW_GROUP[view]} AS {key}, asset, exchange, liquidated_side, count(), "
        "countIf(is_sampled), round(sum(notional_usd), 4), round(sum(qty_base), 6), "
        "max(notional_usd) FROM liqwatch.liquidations FINAL "
        f"GROUP BY {key}, asset, exchange, liquidated_side "
        f"ORDER BY {key}, asset, exchange, liquidated_side"
    ).rows


@pytest.mark.parametrize("view", ["minutely", "daily"])
def test_rollup_views_equal_a_group_by_over_raw(store: Store, view: str) -> None:
    migrate(store)
    for seed in (1, 2, 3):  # several inserts: states merge across parts
        store.insert("liquidations", events(2_000, seed))
    expected = from_raw(store, view)
    assert len(expected) > 20 and sum(r[4] for r in expected) == 6_000
    assert rollup(store, view) == expected
    store.execute(f"OPTIMIZE TABLE liqwatch.liquidations_{'1m' if view == 'minutely' else '1d'}"
                  "_agg FINAL")
    assert rollup(store, view) == expected


def test_rows_before_the_migration_are_backfilled_once(store: Store, tmp_path: Path) -> None:
    sql = tmp_path / "sql"
    sql.mkdir()
    for name in ("001_init.sql", "002_gaps.sql", "003_news_impact.sql"):
        shutil.copy(SQL_DIR / name, sql / name)
    migrate(store, sql)
    store.insert("liquidations", events(500, 4))
    store.insert("liquidations", events(500, 4))  # redelivered: one row each after FINAL
    shutil.copy(SQL_DIR / "004_rollups.sql", sql / "004_rollups.sql")
    assert migrate(store, sql) == ["004_rollups"]
    for view in KEYS:
        assert rollup(store, view) == from_raw(store, view)
    store.insert("liquidations", events(300, 5))  # after the migration: through the MVs
    for view in KEYS:
        assert rollup(store, view) == from_raw(store, view)


def test_a_reinserted_event_is_counted_twice_until_its_day_is_rebuilt(store: Store) -> None:
    migrate(store)
    batch = events(100, 6)
    store.insert("liquidations", batch)
    store.insert("liquidations", batch)
    raw = store.query("SELECT count() FROM liqwatch.liquidations FINAL").scalar()
    for view in KEYS:
        counted = store.query(f"SELECT sum(events) FROM liqwatch.liquidations_{view}").scalar()
        assert (raw, counted) == (100, 200)
    backfill = [s for s in migrate_statements() if s.startswith("INSERT INTO")]
    for table, key, statement in zip(("1m", "1d"), ("toDate(minute)", "day"), backfill):
        store.execute(f"ALTER TABLE liqwatch.liquidations_{table}_agg DELETE WHERE {key} >= "
                      "'2025-01-27' SETTINGS mutations_sync = 1")
        store.execute(statement.replace(
            f"WHERE (SELECT count() FROM liqwatch.liquidations_{table}_agg) = 0",
            "WHERE toDate(ts) >= '2025-01-27'"))
    for view in KEYS:
        assert rollup(store, view) == from_raw(store, view)
