"""Determinism of the real path (Kafka → Faust → ClickHouse) on a short synthetic input:
the same spikes and alerts whatever the replay speed (1x, 10x, full) and with one or two
workers in one consumer group; and a multi-worker replay that rebalances is reported,
not trusted.

A real 1x replay of a scenario that spans days is impossible in a test, so the input is 75 s
of event time: steady background liquidations, an AI story, a cross-asset long cascade
(asset, AI-sector and market spikes, with the story as trigger), a coverage story and an
XRP short squeeze. The detector runs on 1 s steps with 5 s and 20 s horizons and a 15 s
warm-up, so all of that is detected within the window.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from pathlib import Path

import orjson
import pytest

from connectors.testing.waiting import until
from liqwatch.config import Config, ReplayConfig
from liqwatch.infra import embedded_broker, ensure_topics
from liqwatch.replay import GroupSettler, ReplayInputs, ReplaySummary
from storage import open_store
from streams.app import Pipeline, StreamConfig
from streams.detector import DetectorConfig
from tests.integration.conftest import run_replay

T0_MS = 1_737_946_800_000  # 2025-01-27 03:00:00 UTC
DURATION_S = 75
PRICES = {"BTC": 100_000.0, "ETH": 3_300.0, "SOL": 250.0, "FET": 1.2, "XRP": 3.0}
EXCHANGES = ("binance-futures", "bybit")
# Full speed packs 1 s of event time per message (not 30 min): many messages, so partitions
# and workers interleave as they would on a long input.
CONFIG = Config(
    stream=StreamConfig(lateness_ms=2_000, detector=DetectorConfig(
        step_ms=1_000, horizons={"5s": 5_000, "20s": 20_000}, warmup_ms=15_000,
        half_life_ms=20_000, floor_usd=20_000.0, baseline_floor_usd=1_000.0, min_events=5,
        quiet_ms=5_000, cooldown_ms=10_000)),
    replay=ReplayConfig(span_ms=1_000))
RESULTS = ("SELECT * EXCEPT (ingested_at) FROM liqwatch.spikes FINAL ORDER BY spike_id",
           "SELECT * EXCEPT (ingested_at) FROM liqwatch.alerts FINAL ORDER BY alert_id",
           "SELECT * EXCEPT (ingested_at) FROM liqwatch.liquidations_1m FINAL "
           "ORDER BY minute, asset, exchange, liquidated_side",
           "SELECT count() FROM liqwatch.liquidations FINAL")


def liquidation_lines(rng: random.Random) -> list[str]:
    """Tardis CSV lines: in event-time order but for up to 38 ms of disorder (events due at
    the same moment come in asset order, not time order), with a few exact duplicates, as
    in a real recording."""
    events: list[tuple[int, str, int, str, str]] = []  # (due ms, asset, jitter, side, usd)
    for i in range(DURATION_S * 4):  # background: one small liquidation every 250 ms
        events.append((i * 250, rng.choice(list(PRICES)), rng.randrange(38),
                       rng.choice(("sell", "buy")), f"{rng.uniform(200, 900):.2f}"))
    for i in range(80):  # long cascade, 30-38 s
        for asset in ("BTC", "ETH", "SOL", "FET"):
            events.append((30_000 + i * 100, asset, rng.randrange(38), "sell",
                           f"{rng.uniform(5_000, 40_000):.2f}"))
    for i in range(60):  # XRP short squeeze, 55-61 s
        events.append((55_000 + i * 100, "XRP", rng.randrange(38), "buy",
                       f"{rng.uniform(5_000, 30_000):.2f}"))
    events.sort()
    lines = []
    for n, (due, asset, jitter, side, usd) in enumerate(events):
        price = PRICES[asset]
        ts_us = (T0_MS + due + jitter) * 1_000
        lines.append(f"{EXCHANGES[n % 2]},{asset}USDT,{ts_us},{ts_us + 25_000},,{side},"
                     f"{price},{float(usd) / price:.6f}")
        if n % 97 == 0:
            lines.append(lines[-1])
    return lines


def news_lines() -> list[bytes]:
    """A non-AI story, the AI trigger before the cascade and the coverage after it."""
    stories = [
        (5, "macro", "Fed holds rates steady", "The Federal Reserve left rates unchanged."),
        (22, "trigger", "DeepSeek releases R1, an open reasoning model that rivals OpenAI",
         "DeepSeek's R1 model matches OpenAI's o1 at a fraction of the training cost, "
         "raising questions about AI capex at Nvidia and AI tokens."),
        (45, "coverage", "Crypto liquidations soar 850% as DeepSeek rattles markets",
         "More than $10 million of leveraged longs were liquidated in minutes after "
         "DeepSeek's model release hit AI-linked tokens."),
    ]
    return [orjson.dumps({"id": f"det-{name}", "published_at": f"2025-01-27T03:00:{s:02d}Z",
                          "source": "wire", "title": title, "body": body})
            for s, name, title, body in stories]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> ReplayInputs:
    folder = tmp_path_factory.mktemp("determinism")
    liquidations = folder / "liquidations.csv"
    liquidations.write_text(
        "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n"
        + "\n".join(liquidation_lines(random.Random(11))) + "\n")
    news = folder / "news.jsonl"
    news.write_bytes(b"\n".join(news_lines()) + b"\n")
    return ReplayInputs([liquidations], [], [news])


def replay_once(data_dir: Path, inputs: ReplayInputs, speed: float | None = None,
                workers: int = 1) -> tuple[ReplaySummary, list]:
    """One replay with the test's settings, on 4 partitions, into a fresh chDB directory."""
    return run_replay(data_dir, inputs, partitions=4, speed=speed, sql=RESULTS, workers=workers,
                      config=CONFIG)


@pytest.fixture(scope="module")
def full_speed(inputs: ReplayInputs, tmp_path_factory: pytest.TempPathFactory
               ) -> tuple[ReplaySummary, list]:
    return replay_once(tmp_path_factory.mktemp("full"), inputs)


def test_the_input_makes_spikes_and_alerts(full_speed: tuple[ReplaySummary, list]) -> None:
    summary, (spikes, alerts, rollup, liquidations) = full_speed
    scopes = {(s["scope"], s["key"], s["liquidated_side"]) for s in summary.spikes}
    assert {("asset", a, "long") for a in ("BTC", "ETH", "SOL", "FET")} <= scopes
    assert {("sector", "ai", "long"), ("market", "market", "long"),
            ("asset", "XRP", "short")} <= scopes
    relations = {(a["relation"], a["news_id"]) for a in summary.alerts}
    assert ("trigger", "det-trigger") in relations and ("coverage", "det-coverage") in relations
    assert all(s["status"] == "resolved" for s in summary.spikes)
    assert len(spikes) == len(summary.spikes) and len(alerts) == len(summary.alerts)
    assert summary.metrics["duplicates"]["liqwatch.liquidations"] > 0
    assert liquidations[0][0] == sum(r[4] for r in rollup)


@pytest.mark.parametrize("speed", [1, 10])
def test_paced_replay_matches_full_speed(speed: float, inputs: ReplayInputs,
                                         full_speed: tuple[ReplaySummary, list],
                                         tmp_path: Path) -> None:
    summary, results = full_speed
    paced, paced_results = replay_once(tmp_path, inputs, speed=speed)
    assert paced.spikes == summary.spikes
    assert paced.alerts == summary.alerts
    assert paced_results == results


def test_two_workers_match_one(inputs: ReplayInputs, full_speed: tuple[ReplaySummary, list],
                               tmp_path: Path) -> None:
    summary, results = full_speed
    two, two_results = replay_once(tmp_path, inputs, workers=2)
    assert two.spikes == summary.spikes
    assert two.alerts == summary.alerts
    assert two_results == results
    assert two.metrics["accepted"] == summary.metrics["accepted"]
    assert two.metrics["duplicates"] == summary.metrics["duplicates"]


def test_a_rebalance_after_the_group_settled_is_reported(tmp_path: Path) -> None:
    """A worker joining a settled group moves partitions, and their in-memory window state,
    between workers: a multi-worker replay must fail then instead of returning results."""

    async def scenario() -> None:
        async with embedded_broker(tmp_path / "logs") as bootstrap:
            await ensure_topics(bootstrap, 4)
            stream = StreamConfig(partitions=4, session_timeout_s=3.0)
            group = f"liqwatch-test-{uuid.uuid4().hex[:8]}"
            with open_store(f"chdb://{tmp_path / 'chdb'}") as store:
                workers = [Pipeline(stream, bootstrap, store, app_id=group) for _ in range(3)]
                settler = GroupSettler(workers[:2], 4)
                started = workers[:2]
                try:
                    await asyncio.gather(*(w.start() for w in started))
                    await settler.wait(60)
                    settler.check()
                    started.append(workers[2])
                    await workers[2].start()
                    await until(lambda: settler.revocations > 0, 60, "a rebalance")
                    with pytest.raises(RuntimeError, match="rebalanced during the replay"):
                        settler.check()
                finally:
                    for worker in started:
                        await worker.stop()

    asyncio.run(scenario())
