"""`liqwatch replay` against a broker started separately (LIQWATCH_KAFKA=host:port): every
input line is in the broker's topics and every row is in ClickHouse afterwards."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from liqwatch.infra import free_port, tansu_binary, wait_reachable
from storage import open_store
from streams import topics as T


@pytest.fixture
def broker(tmp_path):
    """A Tansu broker in its own process, as an operator would run one."""
    port = free_port()
    url = f"tcp://127.0.0.1:{port}"
    with (tmp_path / "broker.log").open("wb") as out:
        proc = subprocess.Popen([str(tansu_binary()), "broker", "--listener-url", url,
                                 "--advertised-listener-url", url,
                                 "--storage-engine", "memory://tansu/"],
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        asyncio.run(wait_reachable(f"127.0.0.1:{port}", 15.0))
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def topic_events(bootstrap: str) -> dict[str, list[str]]:
    """Every event id on the input topics, read from the beginning (batches unpacked)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(t, p) for t in T.INPUT_TOPICS
               for p in sorted(consumer.partitions_for_topic(t) or ())]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        out: dict[str, list[str]] = {t: [] for t in T.INPUT_TOPICS}
        remaining = {tp for tp in tps if ends[tp] > 0}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while remaining and loop.time() < deadline:
            for tp, msgs in (await consumer.getmany(timeout_ms=500)).items():
                for m in msgs:
                    body = orjson.loads(m.value)
                    ids = "news_id" if tp.topic == T.NEWS else "event_id"
                    out[tp.topic] += [e[ids] for e in body.get("events", ())]
                    if m.offset + 1 >= ends[tp]:
                        remaining.discard(tp)
        assert not remaining, f"partitions not read to their end: {remaining}"
        return out
    finally:
        await consumer.stop()


def test_replay_on_an_external_broker(small, broker, tmp_path: Path):
    config = tmp_path / "liqwatch.toml"
    config.write_text("[stream]\nsession_timeout_s = 3.0\n")
    env = {**os.environ, "LIQWATCH_KAFKA": broker, "LIQWATCH_DATA_DIR": str(tmp_path / "data")}
    run = subprocess.run(
        [sys.executable, "-m", "liqwatch.cli", "--config", str(config), "replay",
         "--liquidations", str(small.liquidations), "--trades", str(small.trades),
         "--news", str(small.news)],
        capture_output=True, text=True, env=env, timeout=240)
    assert run.returncode == 0, run.stderr[-2000:]

    counts = small.truth["counts"]
    events = asyncio.run(topic_events(broker))
    assert len(events[T.LIQUIDATIONS]) == counts["liquidation_rows"]
    assert len(set(events[T.LIQUIDATIONS])) == counts["liquidations"]
    assert len(events[T.TRADES]) == counts["trade_rows"]
    assert len(set(events[T.NEWS])) == counts["news"]

    with open_store(f"chdb://{tmp_path / 'data' / 'chdb'}") as store:
        rows = {t: int(store.query(f"SELECT count() FROM liqwatch.{t} FINAL").scalar())
                for t in ("liquidations", "news", "liquidations_1m")}
        ids = {r[0] for r in store.query("SELECT event_id FROM liqwatch.liquidations FINAL").rows}
        bars = store.query("SELECT sum(trades) FROM liqwatch.trade_bars_1m FINAL").scalar()
    assert rows["liquidations"] == counts["liquidations"]
    assert ids == set(events[T.LIQUIDATIONS])
    assert rows["news"] == counts["news"]
    assert int(bars) == counts["trades"]
