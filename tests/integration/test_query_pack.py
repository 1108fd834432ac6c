"""The analyst query pack (sql/queries/*.sql) on real data: the `small` scenario replayed
through Kafka, Faust and chDB once, plus a few feed gaps. Every file in the directory is run
with example parameters and must return the documented columns and plausible rows; one
runs through `liqwatch query --file ... --param ...`."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import orjson
import pytest

from liqwatch.cli import main
from storage import QueryResult, Store, open_store
from storage.migrate import SQL_DIR
from storage.params import load_query, params
from tests.integration.conftest import run_replay, scenario_inputs

pytestmark = pytest.mark.integration

QUERIES = SQL_DIR / "queries"
PERIOD = {"start": "2025-01-26 00:00:00", "end": "2025-01-28 00:00:00"}
EXAMPLES: dict[str, dict[str, str]] = {
    "top_cascades.sql": {**PERIOD, "top": "5"},
    "around_story.sql": {"news_id": "small-trigger", "before_min": "60", "after_min": "120"},
    "ai_news_impact.sql": {},
    "long_short_imbalance.sql": {**PERIOD, "asset": "BTC"},
    "exchange_share.sql": PERIOD,
    "feed_gaps.sql": PERIOD,
}
DT = "DateTime64(3, 'UTC')"
LC = "LowCardinality(String)"
F, NF = "Float64", "Nullable(Float64)"
COLUMNS: dict[str, list[tuple[str, str]]] = {
    "top_cascades.sql": [
        ("onset_ts", DT), ("scope", LC), ("key", "String"), ("liquidated_side", LC),
        ("notional_usd", F), ("ratio", F), ("events", "UInt64"), ("minutes", NF),
        ("relation", "String"), ("lead_min", NF), ("news_id", "Nullable(String)"),
        ("story_title", "Nullable(String)"), ("spike_id", "String")],
    "around_story.sql": [
        ("minute", DT), ("offset_min", "Int64"), ("long_usd", F), ("short_usd", F),
        ("long_events", "UInt64"), ("short_events", "UInt64"), ("total_usd", F),
        ("cumulative_usd", F)],
    "ai_news_impact.sql": [
        ("published_at", DT), ("news_id", "String"), ("kind", LC), ("ai_score", F),
        ("ratio_1h", NF), ("ratio_4h", NF), ("ratio_24h", NF), ("events_ratio_1h", NF),
        ("assets_ratio_1h", NF), ("long_ratio_1h", NF), ("short_ratio_1h", NF),
        ("after_1h_usd", F), ("before_24h_usd", F), ("title", "String")],
    "long_short_imbalance.sql": [
        ("bucket_start", DT), ("asset", LC), ("long_usd", F), ("short_usd", F),
        ("total_usd", F), ("long_events", "UInt64"), ("short_events", "UInt64"),
        ("imbalance", F), ("long_short_ratio", NF)],
    "exchange_share.sql": [
        ("exchange", LC), ("notional_usd", F), ("notional_share", F), ("events", "UInt64"),
        ("event_share", F), ("sampled_events", "UInt64"), ("long_usd", F), ("short_usd", F),
        ("max_event_usd", F)],
    "feed_gaps.sql": [
        ("exchange", LC), ("channel", LC), ("gaps", "UInt64"), ("down_s", F),
        ("longest_s", F), ("down_share", F), ("first_from", DT), ("last_to", DT),
        ("reasons", "Array(String)")],
}
GAPS = [  # (exchange, channel, from, to, reason)
    ("okx", "trades", "2025-01-25T23:50:00", "2025-01-26T00:10:00", "reconnect"),
    ("binanceusdm", "liquidations", "2025-01-26T10:00:00", "2025-01-26T10:05:00", "stale"),
    ("binanceusdm", "liquidations", "2025-01-27T04:30:00", "2025-01-27T04:31:00", "reconnect"),
]


def ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso).replace(tzinfo=timezone.utc).timestamp() * 1000)


@pytest.fixture(scope="module")
def data_dir(small, tmp_path_factory) -> Path:
    """A liqwatch data directory holding the replayed `small` scenario and the GAPS."""
    data_dir = tmp_path_factory.mktemp("query-pack")
    run_replay(data_dir, scenario_inputs(small))
    with open_store(f"chdb://{data_dir / 'chdb'}") as store:
        store.insert("gaps", {
            "gap_id": [f"g{i}" for i in range(len(GAPS))],
            "exchange": [g[0] for g in GAPS], "channel": [g[1] for g in GAPS],
            "from_ts": [ms(g[2]) for g in GAPS], "to_ts": [ms(g[3]) for g in GAPS],
            "reason": [g[4] for g in GAPS],
        })
    return data_dir


@pytest.fixture(scope="module")
def store(data_dir: Path) -> Iterator[Store]:
    with open_store(f"chdb://{data_dir / 'chdb'}") as s:
        yield s


def run(store: Store, name: str) -> QueryResult:
    return store.query(load_query(QUERIES / name, EXAMPLES[name]))


def raw_total(store: Store, what: str, start: str, end: str, where: str = "1") -> float:
    return store.query(
        f"SELECT {what} FROM liqwatch.liquidations FINAL WHERE ts >= '{start}' "
        f"AND ts < '{end}' AND {where}").scalar()


@pytest.mark.parametrize("name", sorted(p.name for p in QUERIES.glob("*.sql")))
def test_every_query_returns_its_documented_columns(store: Store, name: str) -> None:
    assert name in EXAMPLES, f"add example parameters and checks for sql/queries/{name}"
    text = (QUERIES / name).read_text()
    header = text.split("\nSELECT", 1)[0].split("\nWITH", 1)[0]
    for p in params(text):
        assert f"--   {p.name} ({p.type}" in header, f"{name}: document parameter {p.name}"
    res = run(store, name)
    assert list(zip(res.columns, res.types)) == COLUMNS[name]
    assert res.rows, name
    for column in res.columns:
        assert column in header, f"{name}: document column {column}"


def test_top_cascades_largest_first_with_their_story(store: Store) -> None:
    res = run(store, "top_cascades.sql")
    rows = [dict(zip(res.columns, r)) for r in res.rows]
    assert len(rows) == 5
    usd = [r["notional_usd"] for r in rows]
    assert usd == sorted(usd, reverse=True)
    top = rows[0]
    assert (top["scope"], top["liquidated_side"], top["relation"], top["news_id"]) == (
        "market", "long", "trigger", "small-trigger")
    assert 0 < top["lead_min"] < 360 and top["story_title"].startswith("DeepSeek")
    squeeze = next(r for r in rows if r["liquidated_side"] == "short")
    assert (squeeze["key"], squeeze["relation"], squeeze["news_id"]) == ("SOL", "none", None)


def test_around_story_covers_the_window_and_adds_up(store: Store) -> None:
    res = run(store, "around_story.sql")
    rows = [dict(zip(res.columns, r)) for r in res.rows]
    assert [r["offset_min"] for r in rows] == list(range(-60, 121))
    assert rows[60]["minute"] == datetime(2025, 1, 27, 3, 20, tzinfo=timezone.utc)
    total = sum(r["total_usd"] for r in rows)
    assert math.isclose(rows[-1]["cumulative_usd"], total)
    expected = raw_total(store, "sum(notional_usd)", "2025-01-27 02:20:00", "2025-01-27 05:21:00")
    assert math.isclose(total, expected, rel_tol=1e-9)
    before = sum(r["total_usd"] for r in rows if r["offset_min"] < 0)
    after = sum(r["total_usd"] for r in rows if 30 <= r["offset_min"] < 90)
    assert after > 10 * before  # the cascade follows the story


def test_ai_news_impact_ranks_the_trigger_first(store: Store) -> None:
    res = run(store, "ai_news_impact.sql")
    rows = [dict(zip(res.columns, r)) for r in res.rows]
    assert {r["kind"] for r in rows} == {"event"}
    assert rows[0]["news_id"] == "small-trigger" and rows[0]["ratio_1h"] > 3
    ratios = [r["ratio_1h"] for r in rows if r["ratio_1h"] is not None]
    assert ratios == sorted(ratios, reverse=True)


def test_long_short_imbalance_is_bounded_and_adds_up(store: Store) -> None:
    res = run(store, "long_short_imbalance.sql")
    rows = [dict(zip(res.columns, r)) for r in res.rows]
    assert {r["asset"] for r in rows} == {"BTC"} and len(rows) == 36
    for r in rows:
        assert math.isclose(r["total_usd"], r["long_usd"] + r["short_usd"])
        assert -1 <= r["imbalance"] <= 1
    expected = raw_total(store, "sum(notional_usd)", PERIOD["start"], PERIOD["end"], "asset = 'BTC'")
    assert math.isclose(sum(r["total_usd"] for r in rows), expected, rel_tol=1e-9)
    cascade = next(r for r in rows if r["bucket_start"].hour == 4 and r["bucket_start"].day == 27)
    assert cascade["imbalance"] > 0.5  # longs were wiped out


def test_exchange_shares_sum_to_one(store: Store) -> None:
    res = run(store, "exchange_share.sql")
    rows = [dict(zip(res.columns, r)) for r in res.rows]
    assert {r["exchange"] for r in rows} == {"binanceusdm", "bybit", "okx"}
    assert math.isclose(sum(r["notional_share"] for r in rows), 1, abs_tol=1e-3)
    assert math.isclose(sum(r["event_share"] for r in rows), 1, abs_tol=1e-3)
    assert sum(r["events"] for r in rows) == raw_total(store, "count()", **PERIOD)
    usd = [r["notional_usd"] for r in rows]
    assert usd == sorted(usd, reverse=True)


def test_feed_gaps_are_clipped_to_the_period(store: Store) -> None:
    res = run(store, "feed_gaps.sql")
    rows = {(r[0], r[1]): dict(zip(res.columns, r)) for r in res.rows}
    binance, okx = rows[("binanceusdm", "liquidations")], rows[("okx", "trades")]
    assert (binance["gaps"], binance["down_s"], binance["longest_s"]) == (2, 360.0, 300.0)
    assert binance["reasons"] == ["reconnect", "stale"]
    assert math.isclose(binance["down_share"], 360 / 172_800, abs_tol=1e-6)
    assert (okx["gaps"], okx["down_s"]) == (1, 600.0)  # only the 10 minutes inside
    assert list(rows) == [("okx", "trades"), ("binanceusdm", "liquidations")]  # longest first


def test_cli_runs_a_query_file(data_dir: Path, store: Store, capsys, monkeypatch) -> None:
    monkeypatch.delenv("LIQWATCH_CLICKHOUSE", raising=False)
    code = main(["--data-dir", str(data_dir), "query", "--file",
                 str(QUERIES / "exchange_share.sql"), "--param", "start=2025-01-26",
                 "--param", "end=2025-01-28T00:00:00Z", "--param", "asset=SOL",
                 "--format", "json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    rows = orjson.loads(out.out)
    assert rows and list(rows[0]) == [c for c, _ in COLUMNS["exchange_share.sql"]]
    assert math.isclose(sum(r["notional_share"] for r in rows), 1, abs_tol=1e-3)
    code = main(["--data-dir", str(data_dir), "query", "--file",
                 str(QUERIES / "exchange_share.sql"), "--param", "start=2025-01-26"])
    err = capsys.readouterr().err.strip()
    assert code == 1 and err.count("\n") == 0
    assert "missing parameter end; this query takes start (DateTime64(3))" in err
