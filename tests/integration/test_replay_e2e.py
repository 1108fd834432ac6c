"""Replay of a generated scenario through Kafka → Faust → ClickHouse, on real components:
every row lands once, the injected cascades are found, results are idempotent and do not
depend on partition count or replay speed."""

from __future__ import annotations

from datetime import datetime

import pytest

from liqwatch.evaluate.offline import run_offline
from liqwatch.replay import ReplayInputs
from streams.app import StreamConfig
from tests.integration.conftest import run_replay, scenario_inputs

COUNTS = ("SELECT count() FROM liqwatch.liquidations FINAL",
          "SELECT sum(trades) FROM liqwatch.trade_bars_1m FINAL",
          "SELECT count() FROM liqwatch.news FINAL",
          "SELECT sum(events) FROM liqwatch.liquidations_1m FINAL",
          "SELECT count() FROM liqwatch.spikes FINAL",
          "SELECT count() FROM liqwatch.alerts FINAL")


def ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp() * 1000)


def spike_view(summary):
    return [(s["spike_id"], s["scope"], s["key"], s["liquidated_side"], s["onset_ts"],
             s["detected_at"], s["end_ts"], s["notional_usd"], s["status"], s["version"])
            for s in summary.spikes]


@pytest.fixture(scope="module")
def first(small, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("replay")
    summary, results = run_replay(data_dir, scenario_inputs(small), sql=COUNTS)
    return data_dir, summary, [r[0][0] for r in results]


def test_every_input_row_lands_once(small, first):
    _, summary, (liqs, trades, news, rolled, spikes, alerts) = first
    counts = small.truth["counts"]
    assert liqs == counts["liquidations"]
    assert trades == counts["trades"]
    assert news == counts["news"]
    assert rolled == counts["liquidations"]
    assert spikes == len(summary.spikes) and alerts == len(summary.alerts)
    assert summary.metrics["duplicates"]["liqwatch.liquidations"] == (
        counts["liquidation_rows"] - counts["liquidations"])


def test_injected_cascades_are_detected_within_minutes(small, first):
    _, summary, _ = first
    for cascade in small.truth["cascades"]:
        onset = ms(cascade["onset"])
        found = [s for s in summary.spikes
                 if s["scope"] == cascade["scope"] and s["liquidated_side"] == cascade["liquidated_side"]
                 and (cascade["scope"] == "market" or s["key"] == cascade["key"])
                 and abs(s["onset_ts"] - onset) <= 15 * 60_000]
        assert len(found) == 1, cascade["id"]
        assert found[0]["detected_at"] - onset <= 15 * 60_000, cascade["id"]
        assert found[0]["status"] == "resolved" and found[0]["end_ts"] is not None


def test_trigger_story_is_named_and_coverage_never_is(small, first):
    _, summary, _ = first
    labels = {n["id"]: n for n in small.truth["news"]}
    triggers = {a["news_id"] for a in summary.alerts if a["relation"] == "trigger"}
    market = [s for s in summary.spikes if s["scope"] == "market"]
    market_alert = [a for a in summary.alerts
                    if a["spike_id"] == market[0]["spike_id"] and a["relation"] == "trigger"]
    expected = next(c["trigger_news_id"] for c in small.truth["cascades"] if c["scope"] == "market")
    assert market_alert and market_alert[0]["news_id"] == expected
    assert "likely trigger" in market_alert[0]["body"]
    assert not any(labels[n]["kind"] == "coverage" for n in triggers)
    covered = {a["news_id"] for a in summary.alerts if a["relation"] == "coverage"}
    assert covered == {n for n, label in labels.items() if label["kind"] == "coverage"}


def test_replaying_twice_leaves_the_same_rows(small, first):
    data_dir, summary, counts = first
    again, results = run_replay(data_dir, scenario_inputs(small), sql=COUNTS)
    assert [r[0][0] for r in results] == counts
    assert spike_view(again) == spike_view(summary)


def test_partition_count_does_not_change_results(small, first, tmp_path):
    _, summary, _ = first
    one, _ = run_replay(tmp_path, scenario_inputs(small), partitions=1)
    assert spike_view(one) == spike_view(summary)
    assert one.alerts == summary.alerts


def test_paced_replay_matches_full_speed(small, first, tmp_path):
    _, summary, _ = first
    paced, _ = run_replay(tmp_path, scenario_inputs(small), partitions=2, speed=3600)
    assert spike_view(paced) == spike_view(summary)
    assert paced.alerts == summary.alerts


def test_offline_core_matches_the_pipeline(small, first):
    """The in-process core used for tuning gives exactly the replay's spikes and alerts."""
    _, summary, _ = first
    result = run_offline(StreamConfig(), ReplayInputs([small.liquidations], [], [small.news]))
    assert spike_view(result) == spike_view(summary)
    assert result.alerts == summary.alerts
