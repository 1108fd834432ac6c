"""The Store on a real chDB directory: exact round trips, replacing keys, errors, session rules.

chDB binds one data directory per process, so each store here is closed before another
directory is opened (the module shares one migrated store; other tests open and close their own).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from storage import Store, StoreError, mask_url, migrate, open_store
from storage.store import convert_rows

UTC = dt.timezone.utc
T0 = 1_737_962_700_123  # 2025-01-27 07:25:00.123 UTC


def utc_ms(ms: int) -> dt.datetime:
    return dt.datetime(1970, 1, 1, tzinfo=UTC) + dt.timedelta(milliseconds=ms)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One migrated chDB store for this module's round-trip tests."""
    s = open_store(f"chdb://{tmp_path_factory.mktemp('chdb')}")
    migrate(s)
    yield s
    s.close()


def liquidation(event_id: str, **overrides: object) -> dict[str, list]:
    row: dict[str, object] = {
        "event_id": event_id,
        "exchange": "binance",
        "symbol": "BTCUSDT",
        "asset": "BTC",
        "liquidated_side": "long",
        "price": 97_812.5,
        "qty_base": 0.125,
        "notional_usd": 12_226.5625,
        "ts": T0,
        "received_ts": T0 + 37,
        "is_sampled": True,
    }
    row.update(overrides)
    return {k: [v] for k, v in row.items()}


def spike(spike_id: str, version: int, **overrides: object) -> dict[str, list]:
    row: dict[str, object] = {
        "spike_id": spike_id,
        "scope": "sector",
        "key": "ai",
        "assets": ["FET", "RENDER", "TAO"],
        "liquidated_side": "long",
        "horizon": "5m",
        "onset_ts": T0,
        "detected_at": T0 + 60_000,
        "peak_ts": T0 + 120_000,
        "end_ts": None,
        "notional_usd": 3_250_000.0,
        "baseline_usd": 125_000.5,
        "ratio": 26.0,
        "zscore": 7.25,
        "event_count": 1_834,
        "severity": "high",
        "status": "open",
        "version": version,
    }
    row.update(overrides)
    return {k: [v] for k, v in row.items()}


def test_liquidation_round_trips_every_column(store: Store) -> None:
    store.insert("liquidations", liquidation("rt-1"))
    res = store.query(
        "SELECT * EXCEPT ingested_at, ingested_at FROM liqwatch.liquidations "
        "WHERE event_id = 'rt-1'"
    )
    assert res.columns[-1] == "ingested_at"
    assert res.types[:5] == ["String"] + ["LowCardinality(String)"] * 4
    row = res.rows[0]
    assert row[:-1] == (
        "rt-1", "binance", "BTCUSDT", "BTC", "long", 97_812.5, 0.125, 12_226.5625,
        dt.datetime(2025, 1, 27, 7, 25, 0, 123_000, tzinfo=UTC),
        dt.datetime(2025, 1, 27, 7, 25, 0, 160_000, tzinfo=UTC),
        True,
    )
    expected_types = [str] * 5 + [float] * 3 + [dt.datetime] * 2 + [bool]
    assert all(type(v) is t for v, t in zip(row, expected_types))
    assert row[8].tzinfo is UTC
    ingested = row[-1]
    assert ingested.tzinfo is UTC
    assert abs(ingested - dt.datetime.now(UTC)) < dt.timedelta(minutes=5)


def test_numpy_columns_are_accepted(store: Store) -> None:
    n = 1_000
    ids = np.array([f"np-{i}" for i in range(n)], dtype=object)
    store.insert(
        "liquidations",
        {
            "event_id": ids,
            "exchange": ["bybit"] * n,
            "symbol": ["ETHUSDT"] * n,
            "asset": ["ETH"] * n,
            "liquidated_side": np.where(np.arange(n) % 2 == 0, "long", "short").astype(object),
            "price": np.full(n, 3_020.25),
            "qty_base": np.linspace(0.5, 1.5, n),
            "notional_usd": np.full(n, 1_510.125),
            "ts": T0 + np.arange(n, dtype=np.int64),
            "received_ts": T0 + np.arange(n, dtype=np.int64) + 5,
            "is_sampled": np.zeros(n, dtype=bool),
        },
    )
    res = store.query(
        "SELECT count(), countIf(liquidated_side = 'short'), min(ts), max(received_ts), "
        "sum(is_sampled) FROM liqwatch.liquidations FINAL WHERE asset = 'ETH'"
    )
    assert res.rows == [(n, n // 2, utc_ms(T0), utc_ms(T0 + n - 1 + 5), 0)]


def test_redelivered_liquidation_replaces_itself(store: Store) -> None:
    store.insert("liquidations", liquidation("dup-1", asset="SOL", symbol="SOLUSDT"))
    store.insert("liquidations", liquidation("dup-1", asset="SOL", symbol="SOLUSDT"))
    final = store.query("SELECT count() FROM liqwatch.liquidations FINAL WHERE event_id = 'dup-1'")
    assert final.scalar() == 1


def test_spike_round_trip_and_newer_version_wins(store: Store) -> None:
    store.insert("spikes", spike("sp-1", 1))
    store.insert("spikes", spike("sp-2", 1, assets=[], scope="market", liquidated_side="both"))
    res = store.query("SELECT * EXCEPT ingested_at FROM liqwatch.spikes FINAL ORDER BY spike_id")
    assert res.types[3] == "Array(String)"
    assert res.types[9] == "Nullable(DateTime64(3, 'UTC'))"
    assert res.rows[0] == (
        "sp-1", "sector", "ai", ["FET", "RENDER", "TAO"], "long", "5m",
        utc_ms(T0), utc_ms(T0 + 60_000), utc_ms(T0 + 120_000), None,
        3_250_000.0, 125_000.5, 26.0, 7.25, 1_834, "high", "open", 1,
    )
    assert res.rows[1][3] == [] and res.rows[1][1] == "market"

    store.insert("spikes", spike("sp-1", 2, end_ts=T0 + 900_000, status="resolved"))
    store.insert("spikes", spike("sp-1", 1))  # a late redelivery of version 1 must not win
    final = store.query(
        "SELECT version, status, end_ts FROM liqwatch.spikes FINAL WHERE spike_id = 'sp-1'"
    )
    assert final.rows == [(2, "resolved", utc_ms(T0 + 900_000))]


def test_alert_round_trip_with_nullable_news_id(store: Store) -> None:
    base = {
        "created_at": [T0 + 61_000, T0 + 62_000],
        "spike_id": ["sp-1", "sp-1"],
        "relation": ["trigger", "none"],
        "correlation_score": [0.875, 0.0],
        "severity": ["high", "low"],
        "title": ["BTC longs liquidated after DeepSeek R1 story", "No news"],
        "body": ["Why: published 6h before onset; entities DeepSeek, Nvidia.", ""],
        "version": [1, 1],
    }
    store.insert("alerts", {"alert_id": ["al-1", "al-2"], "news_id": ["n-42", None], **base})
    res = store.query(
        "SELECT * EXCEPT ingested_at FROM liqwatch.alerts FINAL WHERE alert_id LIKE 'al-%' "
        "ORDER BY alert_id"
    )
    assert res.types[3] == "Nullable(String)"
    assert res.rows == [
        ("al-1", utc_ms(T0 + 61_000), "sp-1", "n-42", "trigger", 0.875, "high",
         "BTC longs liquidated after DeepSeek R1 story",
         "Why: published 6h before onset; entities DeepSeek, Nvidia.", 1),
        ("al-2", utc_ms(T0 + 62_000), "sp-1", None, "none", 0.0, "low", "No news", "", 1),
    ]


def test_news_arrays_and_unicode(store: Store) -> None:
    store.insert(
        "news",
        {
            "news_id": ["nw-1"],
            "source": ["rss:example"],
            "published_at": [T0 - 6 * 3_600_000],
            "title": ["DeepSeek R1 — \"open\" model; 'distillation'?"],
            "body": ["Line 1\nLine 2\t✓ 中文"],
            "url": ["https://example.com/a?b=c&d=e"],
            "ai_score": [0.93],
            "entities": [["DeepSeek", "Nvidia"]],
            "assets": [[]],
            "kind": ["event"],
        },
    )
    row = store.query(
        "SELECT title, body, entities, assets FROM liqwatch.news FINAL WHERE news_id = 'nw-1'"
    ).rows[0]
    assert row == (
        "DeepSeek R1 — \"open\" model; 'distillation'?",
        "Line 1\nLine 2\t✓ 中文",
        ["DeepSeek", "Nvidia"],
        [],
    )


def test_rollup_and_daily_view_stay_exact_under_redelivery(store: Store) -> None:
    minute = 1_737_936_000_000  # 2025-01-27 00:00 UTC
    cols = {
        "minute": [minute, minute + 60_000, minute + 86_400_000],
        "asset": ["XRP"] * 3,
        "exchange": ["okx"] * 3,
        "liquidated_side": ["long"] * 3,
        "events": [3, 4, 5],
        "notional_usd": [1_000.0, 2_000.0, 4_000.0],
        "max_event_usd": [600.0, 900.0, 2_000.0],
    }
    store.insert("liquidations_1m", cols)
    store.insert("liquidations_1m", cols)  # redelivered batch
    res = store.query(
        "SELECT day, events, notional_usd FROM liqwatch.liquidations_1d "
        "WHERE asset = 'XRP' ORDER BY day"
    )
    assert res.types[0] == "Date"
    assert res.rows == [(dt.date(2025, 1, 27), 7, 3_000.0), (dt.date(2025, 1, 28), 5, 4_000.0)]


def test_empty_insert_is_a_no_op(store: Store) -> None:
    store.insert("dlq", {"dlq_id": [], "raw": []})


@pytest.mark.parametrize(
    ("table", "columns", "message"),
    [
        ("dlq", {"dlq_id": ["a"], "nope": ["b"]}, "has no column(s) nope"),
        ("dlq", {"dlq_id": ["a", "b"], "raw": ["x"]}, "differ in length"),
        ("no_such_table", {"a": [1]}, "liqwatch migrate"),
        ("dlq; DROP TABLE x", {"a": [1]}, "not a bare identifier"),
        ("spikes", {"spike_id": ["s"], "version": [-1]}, "version"),
    ],
)
def test_bad_inserts_raise_one_line_store_errors(
    store: Store, table: str, columns: dict, message: str
) -> None:
    with pytest.raises(StoreError, match="liqwatch|identifier") as err:
        store.insert(table, columns)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_bad_sql_raises_store_error(store: Store) -> None:
    with pytest.raises(StoreError, match="UNKNOWN_TABLE|Unknown table") as err:
        store.query("SELECT * FROM liqwatch.nope")
    assert "\n" not in str(err.value) and not err.value.retryable


def test_concurrent_inserts_from_threads(store: Store) -> None:
    def work(k: int) -> None:
        for j in range(5):
            n = 200
            store.insert(
                "dlq",
                {
                    "dlq_id": [f"t{k}-{j}-{i}" for i in range(n)],
                    "source": ["liqwatch.liquidations"] * n,
                    "reason": ["late"] * n,
                    "raw": ["{}"] * n,
                    "ts": [T0] * n,
                },
            )

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.query("SELECT count() FROM liqwatch.dlq WHERE reason = 'late'").scalar() == 4_000


def test_driver_values_normalize_like_chdb_values(store: Store) -> None:
    """clickhouse-driver returns pytz datetimes from float seconds; they must match chDB's."""
    import pytz

    types = ["DateTime64(3, 'UTC')", "Nullable(DateTime64(3, 'UTC'))", "DateTime", "Array(String)"]
    native = [
        (
            dt.datetime.fromtimestamp(T0 / 1000.0, pytz.utc),
            None,
            dt.datetime(2025, 1, 27, 8, 25),  # naive, in the server's time zone
            ("FET", "TAO"),
        )
    ]
    assert convert_rows(native, types, "native", ZoneInfo("Europe/Berlin")) == [
        (utc_ms(T0), None, dt.datetime(2025, 1, 27, 7, 25, tzinfo=UTC), ["FET", "TAO"])
    ]
    sql = (
        f"SELECT fromUnixTimestamp64Milli({T0}, 'UTC'), "
        "CAST(NULL AS Nullable(DateTime64(3, 'UTC'))), toDateTime('2025-01-27 07:25:00', 'UTC'), "
        "['FET', 'TAO']"
    )
    chdb_row = store.query(sql).rows[0]
    assert chdb_row == (
        utc_ms(T0), None, dt.datetime(2025, 1, 27, 7, 25, tzinfo=UTC), ["FET", "TAO"]
    )


@pytest.mark.parametrize(
    "url",
    [
        "foo://x",
        "postgres://u:secret@db:5432/liqwatch",
        "localhost:9000",
        "chdb://",
        "chdb:///tmp/x?mode=ro",
        "clickhouse://u:secret@host:notaport/liqwatch",
        "clickhouse://u:secret@/liqwatch",
        "clickhouse://u:secret@host:9000/otherdb",
    ],
)
def test_bad_urls_fail_in_one_line_without_password(url: str) -> None:
    with pytest.raises(StoreError) as err:
        open_store(url)
    message = str(err.value)
    assert "\n" not in message and "secret" not in message
    assert "LIQWATCH_CLICKHOUSE=" in message
    assert isinstance(err.value, ValueError)


def test_unreachable_server_names_host_port_not_password() -> None:
    with pytest.raises(StoreError) as err:
        open_store("clickhouse://u:secret@127.0.0.1:1/db")
    assert "secret" not in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(StoreError) as err:
        open_store("clickhouse://u:secret@127.0.0.1:1/liqwatch")
    message = str(err.value)
    assert "127.0.0.1:1" in message and "\n" not in message and "secret" not in message
    assert err.value.retryable


def test_mask_url() -> None:
    assert mask_url("clickhouse://u:secret@h:9000/liqwatch") == "clickhouse://u:***@h:9000/liqwatch"
    assert mask_url("chdb:///data/ch") == "chdb:///data/ch"


def test_one_chdb_directory_per_process(store: Store, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="one data directory per process") as err:
        open_store(f"chdb://{tmp_path / 'other'}")
    assert "\n" not in str(err.value)
    same = open_store(store.url)  # a second store on the same directory is fine
    assert same.query("SELECT 1").scalar() == 1
    same.close()
    assert store.query("SELECT 2").scalar() == 2


def test_close_then_open_another_directory(tmp_path: Path) -> None:
    script = f"""
import sys
from storage import open_store
a = open_store("chdb://{tmp_path / 'a'}")
a.execute("CREATE DATABASE IF NOT EXISTS liqwatch")
a.close()
b = open_store("chdb://{tmp_path / 'b'}")
assert b.query("SELECT count() FROM system.databases WHERE name = 'liqwatch'").scalar() == 0
b.close()
a = open_store("chdb://{tmp_path / 'a'}")
assert a.query("SELECT count() FROM system.databases WHERE name = 'liqwatch'").scalar() == 1
print("ok")
"""
    out = _python(script)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_second_process_on_same_directory_gets_a_clear_error(store: Store) -> None:
    script = f"""
from storage import StoreError, open_store
try:
    open_store({store.url!r})
except StoreError as exc:
    print(exc)
"""
    out = _python(script)
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 1 and "in use by another process" in lines[0], out.stdout + out.stderr


def _python(script: str) -> subprocess.CompletedProcess[str]:
    """Run a script in a fresh interpreter that imports this repo's packages."""
    root = Path(__file__).resolve().parents[2]
    path = os.pathsep.join(p for p in (str(root), os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "PYTHONPATH": path}
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60
    )


@pytest.mark.skipif(
    not os.environ.get("LIQWATCH_TEST_CLICKHOUSE"),
    reason="set LIQWATCH_TEST_CLICKHOUSE=clickhouse://... to compare with a server",
)
def test_server_returns_the_same_values_as_chdb(store: Store) -> None:
    sql = (
        "SELECT toDateTime('2025-01-27 07:25:00', 'UTC') a, toDateTime('2025-01-27 07:25:00') b, "
        "toFloat32(0.1) f32, toFloat64(1) / 3 f64, toUInt64(18446744073709551615) u64, "
        "toDecimal64(1.25, 4) dec, toFixedString('ab', 4) fs, [toNullable('x'), NULL] an, "
        "(1, 'a', [2.5]) tup, toDate('2025-01-27') d, CAST(NULL AS Nullable(String)) ns, 'üñí' s"
    )
    server = open_store(os.environ["LIQWATCH_TEST_CLICKHOUSE"], name="LIQWATCH_TEST_CLICKHOUSE")
    try:
        assert server.query(sql) == store.query(sql)
    finally:
        server.close()
