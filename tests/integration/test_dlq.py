"""Malformed input reaches the dead-letter topic and ClickHouse with its reason; the
replay goes on and counts it."""

from __future__ import annotations

from connectors.files.tardis import HEADER
from liqwatch.replay import ReplayInputs
from tests.integration.conftest import run_replay


def test_malformed_lines_go_to_the_dlq_and_good_ones_land(tmp_path):
    liq = tmp_path / "liq.csv"
    good = [f"binance-futures,BTCUSDT,{1737946800000000 + i * 1_000_000},"
            f"{1737946800050000 + i * 1_000_000},,sell,98000,0.{i + 1}" for i in range(5)]
    bad = "binance-futures,BTCUSDT,1737946803500000,1737946803550000,,sideways,98000,0.1"
    liq.write_text("\n".join([HEADER, *good[:3], bad, *good[3:]]) + "\n")
    news = tmp_path / "news.jsonl"
    news.write_text('{"id": "n1", "published_at": "2025-01-27T03:00:00+00:00", '
                    '"source": "t", "title": "DeepSeek tops App Store"}\n{not json\n')
    summary, (dlq, liqs) = run_replay(
        tmp_path / "data", ReplayInputs([liq], [], [news]), partitions=2,
        sql=("SELECT reason, source, raw FROM liqwatch.dlq FINAL ORDER BY reason",
             "SELECT count() FROM liqwatch.liquidations FINAL"))
    assert liqs == [(5,)]
    assert summary.dlq_lines == 2
    assert [(r[0], r[1]) for r in dlq] == [("bad_json", "news.jsonl:2"), ("bad_side", "liq.csv:5")]
    assert dlq[1][2] == bad
