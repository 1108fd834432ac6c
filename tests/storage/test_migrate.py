"""Migrations on a real chDB directory: idempotent, in order, and the schema analysts expect."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import Store, StoreError, migrate, open_store
from storage.migrate import SQL_DIR, migrations, split_statements

TABLES = {
    "alerts",
    "dlq",
    "gaps",
    "liquidations",
    "liquidations_1d",
    "liquidations_1d_agg",
    "liquidations_1d_mv",
    "liquidations_1m",
    "liquidations_1m_agg",
    "liquidations_1m_mv",
    "liquidations_daily",
    "liquidations_minutely",
    "news",
    "news_impact",
    "schema_migrations",
    "spikes",
    "trade_bars_1m",
}
VIEWS = {"liquidations_1d", "liquidations_daily", "liquidations_minutely", "news_impact"}
MATERIALIZED_VIEWS = {"liquidations_1d_mv", "liquidations_1m_mv"}
ROLLUPS = {"liquidations_1d_agg", "liquidations_1m_agg"}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh chDB store; closed afterwards so the next test may open another directory."""
    s = open_store(f"chdb://{tmp_path / 'ch'}")
    yield s
    s.close()


def tables(store: Store) -> dict[str, str]:
    rows = store.query("SELECT name, engine FROM system.tables WHERE database = 'liqwatch'").rows
    return dict(rows)


def test_migrate_twice_creates_every_table_once(store: Store) -> None:
    assert migrate(store) == ["001_init", "002_gaps", "003_news_impact", "004_rollups"]
    assert migrate(store) == []
    found = tables(store)
    assert set(found) == TABLES
    assert {found[t] for t in VIEWS} == {"View"}
    assert {found[t] for t in MATERIALIZED_VIEWS} == {"MaterializedView"}
    assert {found[t] for t in ROLLUPS} == {"AggregatingMergeTree"}
    assert {found[t] for t in TABLES - VIEWS - MATERIALIZED_VIEWS - ROLLUPS} == {
        "ReplacingMergeTree"}
    rows = store.query(
        "SELECT version, name FROM liqwatch.schema_migrations FINAL ORDER BY version").rows
    assert rows == [(1, "001_init"), (2, "002_gaps"), (3, "003_news_impact"), (4, "004_rollups")]


def test_liquidations_schema(store: Store) -> None:
    migrate(store)
    res = store.query(
        "SELECT name, type FROM system.columns WHERE database = 'liqwatch' "
        "AND table = 'liquidations' ORDER BY position"
    )
    assert res.rows == [
        ("event_id", "String"),
        ("exchange", "LowCardinality(String)"),
        ("symbol", "LowCardinality(String)"),
        ("asset", "LowCardinality(String)"),
        ("liquidated_side", "LowCardinality(String)"),
        ("price", "Float64"),
        ("qty_base", "Float64"),
        ("notional_usd", "Float64"),
        ("ts", "DateTime64(3, 'UTC')"),
        ("received_ts", "DateTime64(3, 'UTC')"),
        ("is_sampled", "Bool"),
        ("ingested_at", "DateTime64(3, 'UTC')"),
    ]
    keys = store.query(
        "SELECT sorting_key, partition_key FROM system.tables "
        "WHERE database = 'liqwatch' AND name = 'liquidations'"
    ).rows
    assert keys == [("asset, ts, event_id", "toYYYYMM(ts)")]


def test_every_table_has_ingested_at(store: Store) -> None:
    migrate(store)
    res = store.query(
        "SELECT table, type, default_expression FROM system.columns "
        "WHERE database = 'liqwatch' AND name = 'ingested_at'"
    )
    types = {r[0]: (r[1], r[2]) for r in res.rows if r[0] not in MATERIALIZED_VIEWS}
    assert set(types) == TABLES - VIEWS - MATERIALIZED_VIEWS
    assert {types[t] for t in ROLLUPS} == {
        ("SimpleAggregateFunction(max, DateTime64(3, 'UTC'))", "now64(3)")}
    assert {types[t] for t in set(types) - ROLLUPS} == {("DateTime64(3, 'UTC')", "now64(3)")}


def test_ttl_uses_ingestion_time_so_replayed_history_survives(store: Store) -> None:
    migrate(store)
    ddl = dict(
        store.query(
            "SELECT name, create_table_query FROM system.tables WHERE database = 'liqwatch'"
        ).rows
    )
    retention = {"liquidations": 90, "trade_bars_1m": 90, "dlq": 30, "news": 400,
                 "liquidations_1m_agg": 730, "liquidations_1d_agg": 1826}
    for table, days in retention.items():
        assert f"TTL toDateTime(ingested_at) + toIntervalDay({days})" in ddl[table], table
    store.insert(
        "liquidations",
        {
            "event_id": ["old"],
            "exchange": ["binance"],
            "symbol": ["BTCUSDT"],
            "asset": ["BTC"],
            "liquidated_side": ["long"],
            "price": [42000.0],
            "qty_base": [1.0],
            "notional_usd": [42000.0],
            "ts": [1_420_070_400_000],  # 2015-01-01: older than any TTL
            "received_ts": [1_420_070_400_000],
            "is_sampled": [False],
        },
    )
    store.execute("OPTIMIZE TABLE liqwatch.liquidations FINAL")
    assert store.query("SELECT count() FROM liqwatch.liquidations").scalar() == 1


def test_split_statements_handles_comments() -> None:
    text = """
-- header comment; with a semicolon at the end;
CREATE DATABASE IF NOT EXISTS x;

-- a table
CREATE TABLE IF NOT EXISTS x.t
(
    a UInt8 -- trailing comment
)
ENGINE = MergeTree ORDER BY a;
-- only a comment at the end
"""
    assert split_statements(text) == [
        "-- header comment; with a semicolon at the end;\nCREATE DATABASE IF NOT EXISTS x",
        "-- a table\nCREATE TABLE IF NOT EXISTS x.t\n(\n    a UInt8 -- trailing comment\n)\n"
        "ENGINE = MergeTree ORDER BY a",
    ]


def test_every_statement_is_idempotent() -> None:
    """A migration that fails half-way is re-run whole, so each statement must be safe twice:
    CREATE ... IF NOT EXISTS, a TTL change, or an INSERT that runs only into an empty table."""
    for migration in migrations():
        for statement in migration.statements():
            code = " ".join(
                line.strip() for line in statement.splitlines() if not line.strip().startswith("--")
            ).strip()
            if code.startswith("ALTER TABLE "):
                assert " MODIFY TTL " in code, statement
            elif code.startswith("INSERT INTO "):
                target = code.split()[2]
                assert f"WHERE (SELECT count() FROM {target}) = 0" in code, statement
            else:
                assert code.startswith("CREATE ") and " IF NOT EXISTS " in code, statement


def test_new_files_apply_in_order_and_subfolders_are_ignored(store: Store, tmp_path: Path) -> None:
    sql = tmp_path / "sql"
    (sql / "queries").mkdir(parents=True)
    shutil.copy(SQL_DIR / "001_init.sql", sql / "001_init.sql")
    (sql / "queries" / "002_not_a_migration.sql").write_text("SELECT nonsense FROM nowhere;\n")
    (sql / "README.md").write_text("notes\n")
    (sql / "010_later.sql").write_text(
        "ALTER TABLE liqwatch.dlq ADD COLUMN IF NOT EXISTS attempts UInt32 DEFAULT 0;\n"
    )
    (sql / "002_extra.sql").write_text(
        "-- an extra table\nCREATE TABLE IF NOT EXISTS liqwatch.extra\n(\n    a UInt8\n)\n"
        "ENGINE = MergeTree ORDER BY a;\n"
    )
    assert [m.version for m in migrations(sql)] == [1, 2, 10]
    assert migrate(store, sql) == ["001_init", "002_extra", "010_later"]
    assert migrate(store, sql) == []
    assert "extra" in tables(store)
    (sql / "011_more.sql").write_text("CREATE VIEW IF NOT EXISTS liqwatch.v AS SELECT 1 AS one;\n")
    assert migrate(store, sql) == ["011_more"]
    versions = store.query("SELECT version FROM liqwatch.schema_migrations FINAL ORDER BY version")
    assert [r[0] for r in versions.rows] == [1, 2, 10, 11]


def test_failed_migration_is_not_recorded(store: Store, tmp_path: Path) -> None:
    sql = tmp_path / "sql"
    sql.mkdir()
    shutil.copy(SQL_DIR / "001_init.sql", sql / "001_init.sql")
    (sql / "002_broken.sql").write_text(
        "CREATE TABLE liqwatch.broken (a NoSuchType) ENGINE = Log;\n"
    )
    with pytest.raises(StoreError, match="002_broken.sql") as err:
        migrate(store, sql)
    assert "\n" not in str(err.value)
    assert [r[0] for r in store.query("SELECT version FROM liqwatch.schema_migrations").rows] == [1]


def test_duplicate_versions_are_refused(tmp_path: Path) -> None:
    (tmp_path / "001_a.sql").write_text("SELECT 1;\n")
    (tmp_path / "001_b.sql").write_text("SELECT 1;\n")
    with pytest.raises(StoreError, match="renumber"):
        migrations(tmp_path)
