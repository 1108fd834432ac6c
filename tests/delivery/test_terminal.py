"""The terminal alert view: --since parsing, the table, the ClickHouse listing on a real
chDB store, and --follow reading the real embedded broker's spikes and alerts topics."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from aiokafka import AIOKafkaProducer
from rich.console import Console

from connectors.testing.waiting import until
from delivery.feed import FeedItem
from delivery.terminal import AlertBoard, as_result, follow, list_alerts, parse_since, render_table
from liqwatch.config import Config
from liqwatch.infra import ensure_topics, kafka
from liqwatch.output import render
from storage import QueryResult, Store, migrate, open_store
from streams import topics as T
from tests.sample_alerts import ALERTS, MIN, SPIKES, T0, fill

NOW = 1_737_936_000_000  # 2025-01-27 00:00 UTC


def text_of(table) -> str:  # noqa: ANN001 - rich Table
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(table)
    return console.export_text()


def test_parse_since():
    assert parse_since("30m", NOW) == NOW - 30 * MIN
    assert parse_since("24h", NOW) == NOW - 1_440 * MIN
    assert parse_since("7d", NOW) == NOW - 7 * 1_440 * MIN
    assert parse_since("2025-01-26T22:00", NOW) == T0
    assert parse_since("2025-01-26 23:00+01:00", NOW) == T0
    assert parse_since("2025-01-26T22:00:00Z", NOW) == T0
    for bad in ("yesterday", "24x", ""):
        with pytest.raises(ValueError, match="30m, 24h or 7d"):
            parse_since(bad, NOW)


def test_board_keeps_the_latest_version_and_renders_newest_first():
    board = AlertBoard()
    for spike in SPIKES[::-1]:                             # v2 before v1: v1 must not win
        board.apply(FeedItem("spike", spike, 0))
    for alert in ALERTS:
        board.apply(FeedItem("alert", alert, 0))
    assert not board.apply(FeedItem("alert", ALERTS[0], 1))  # an older version changes nothing
    rows = board.rows()
    assert [r["alert_id"] for r in rows] == ["a-cov", "a-mkt", "a-btc"]
    btc = rows[2]
    assert (btc["severity"], btc["status"], btc["notional_usd"]) == ("high", "resolved", 6_500_000)
    text = text_of(render_table(rows))
    assert "asset/BTC" in text and "$6.5M" in text and "65.0x" in text and "resolved" in text
    assert "01-26 22:33:00" in text and "market/market" in text


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    s = open_store(f"chdb://{tmp_path_factory.mktemp('chdb')}")
    try:
        migrate(s)
        fill(s)
        yield s
    finally:
        s.close()


def test_list_alerts_from_clickhouse(store: Store):
    rows = list_alerts(store, T0)
    assert [r["alert_id"] for r in rows] == ["a-cov", "a-mkt", "a-btc"]
    btc = rows[2]
    assert btc["story"] == "DeepSeek tops the US App Store"   # joined from news
    assert (btc["severity"], btc["status"], btc["scope"], btc["key"]) == (
        "high", "resolved", "asset", "BTC")
    assert rows[1]["story"] == "" and rows[1]["relation"] == "none"
    assert [r["alert_id"] for r in list_alerts(store, T0 + 60 * MIN)] == ["a-cov"]
    assert list_alerts(store, T0 + 2 * 60 * MIN) == []
    as_json = orjson.loads(render(as_result(rows), "json"))
    assert as_json[0]["created_at"] == "2025-01-26T23:10:00+00:00"
    assert render(as_result(rows), "csv").splitlines()[0].startswith("created_at,severity,scope")


async def follow_embedded(data_dir: Path) -> AlertBoard:
    cfg = Config()
    cfg.data_dir = data_dir
    board = AlertBoard()
    async with kafka(cfg) as bootstrap:
        await ensure_topics(bootstrap, 1)
        console = Console(file=io.StringIO(), width=200)
        task = asyncio.create_task(follow(bootstrap, console, board))
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
        await producer.start()
        try:
            for spike in SPIKES:
                await producer.send_and_wait(T.SPIKES, orjson.dumps(spike),
                                             key=spike["spike_id"].encode())
            for alert in ALERTS:
                await producer.send_and_wait(T.ALERTS, orjson.dumps(alert),
                                             key=alert["alert_id"].encode())
            await until(lambda: len(board.alerts) == 3 and board.alerts["a-btc"]["version"] == 2
                        and board.spikes["s-btc"]["status"] == "resolved", 20,
                        "the follow view to show every alert at its latest version")
        finally:
            await producer.stop()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    return board


def test_follow_reads_the_embedded_broker(tmp_path: Path):
    board = asyncio.run(follow_embedded(tmp_path))
    rows = board.rows()
    assert [r["alert_id"] for r in rows] == ["a-cov", "a-mkt", "a-btc"]
    assert rows[2]["status"] == "resolved" and rows[2]["severity"] == "high"


def test_csv_keeps_numbers_machine_readable():
    out = render(QueryResult(["usd", "n", "note"], ["Float64", "UInt64", "Nullable(String)"],
                             [(41906374.55, 3, None)]), "csv")
    assert out.splitlines() == ["usd,n,note", "41906374.55,3,"]
