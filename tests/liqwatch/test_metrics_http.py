"""/metrics speaks the Prometheus text format (HELP and TYPE before samples, counters end
in _total, cumulative histogram buckets ending at +Inf), carries the worker's counters,
sink histograms and the consumer lag measured on the real embedded broker."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import aiohttp
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from delivery.webhooks.channels import ChannelSpec
from delivery.webhooks.delivery import ChannelDelivery
from delivery.webhooks.dispatcher import WebhookDispatcher
from liqwatch.config import Config
from liqwatch.infra import ensure_topics, kafka
from liqwatch.lag import ConsumerLag
from liqwatch.metrics_http import CONTENT_TYPE, MetricsServer, render
from streams import topics as T
from streams.metrics import Metrics
from tests.delivery.webhooks.alerts import alert
from tests.integration.test_live_run import read_until

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_]\w*="[^"\\]*",?)*)\})? '
                    r'(-?[0-9.e+]+|\+Inf|NaN)$')
Samples = dict[tuple[str, frozenset], float]


def parse(text: str) -> tuple[dict[str, str], Samples]:
    """Families (name → type) and samples, asserting the text-format rules on the way."""
    types: dict[str, str] = {}
    helped: set[str] = set()
    samples: Samples = {}
    assert text.endswith("\n")
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name = line.split(" ")[2]
            assert name not in helped, f"HELP twice for {name}"
            helped.add(name)
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert name in helped and name not in types, f"TYPE of {name} without HELP or twice"
            assert kind in ("counter", "gauge", "histogram")
            assert kind != "counter" or name.endswith("_total"), name
            types[name] = kind
            continue
        m = SAMPLE.match(line)
        assert m, f"bad sample line {line!r}"
        name, labels, value = m.groups()
        family = re.sub(r"_(bucket|sum|count)$", "", name)
        family = family if types.get(family) == "histogram" else name
        assert family in types, f"sample {name} before its TYPE"
        pairs = frozenset(re.findall(r'(\w+)="([^"]*)"', labels or ""))
        assert (name, pairs) not in samples, f"duplicate sample {line!r}"
        samples[(name, pairs)] = float(value)
    return types, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


def busy_metrics() -> Metrics:
    m = Metrics()
    m.events_in[T.LIQUIDATIONS] += 1_234_567
    m.produced[T.SPIKES] += 3
    m.dlq["bad_field"] += 2
    m.dlq_archived["late"] += 5
    m.gaps["bybit"] += 1
    m.spikes_raised[("asset", "high")] += 2
    m.alerts_raised[("trigger", "high")] += 1
    for rows, seconds in ((5, 0.002), (800, 0.03), (20_000, 0.4)):
        m.sink_flush("liquidations", rows, seconds)
    return m


def test_worker_exposition_follows_the_text_format():
    types, samples = parse(render(busy_metrics()))
    assert value(samples, "liqwatch_worker_events_in_total", topic=T.LIQUIDATIONS) == 1_234_567
    assert value(samples, "liqwatch_worker_spikes_raised_total", scope="asset",
                 severity="high") == 2
    assert value(samples, "liqwatch_worker_alerts_raised_total", relation="trigger",
                 severity="high") == 1
    assert value(samples, "liqwatch_worker_dlq_archived_total", reason="late") == 5
    assert value(samples, "liqwatch_worker_gaps_total", exchange="bybit") == 1
    assert value(samples, "liqwatch_worker_sink_rows_total", table="liquidations") == 20_805
    assert types["liqwatch_worker_sink_insert_seconds"] == "histogram"
    name = "liqwatch_worker_sink_batch_rows"
    buckets = sorted(((float(dict(labels)["le"]), n) for (n_, labels), n in samples.items()
                      if n_ == f"{name}_bucket"))
    counts = [n for _, n in buckets]
    assert counts == sorted(counts) and buckets[-1][0] == float("inf")
    assert value(samples, f"{name}_bucket", table="liquidations", le="10") == 1
    assert value(samples, f"{name}_bucket", table="liquidations", le="+Inf") == 3
    assert value(samples, f"{name}_count", table="liquidations") == 3
    assert value(samples, f"{name}_sum", table="liquidations") == 20_805
    assert value(samples, f"{name}_max", table="liquidations") == 20_000
    assert value(samples, "liqwatch_worker_sink_insert_seconds_sum",
                 table="liquidations") == pytest.approx(0.432)


def test_webhook_deliveries_are_exposed_per_channel():
    async def scrape() -> str:
        async with aiohttp.ClientSession() as http:
            ops = ChannelDelivery(ChannelSpec("ops", "generic", "http://127.0.0.1:9/hook"),
                                  http, dead_letter=lambda rec: asyncio.sleep(0))
            hooks = WebhookDispatcher([ops.spec])
            hooks.deliveries.append(ops)
            for version in (1, 1, 2):
                ops.offer(alert(version=version))
            return render(Metrics(), webhooks=hooks)

    types, samples = parse(asyncio.run(scrape()))
    assert types["liqwatch_webhook_events_total"] == "counter"
    for event, n in (("queued", 1), ("duplicate", 1), ("coalesced", 1)):
        assert value(samples, "liqwatch_webhook_events_total", channel="ops", event=event) == n


def test_merge_sums_counters_and_histograms():
    total = Metrics()
    total.merge(busy_metrics())
    total.merge(busy_metrics())
    assert total.spikes_raised[("asset", "high")] == 4
    assert total.sink_batch_rows["liquidations"].count == 6
    assert total.snapshot()["spikes_raised"] == {"asset/high": 4}


async def lag_and_scrape(data_dir: Path) -> tuple[dict, str, str]:
    cfg = Config()
    cfg.data_dir = data_dir
    async with kafka(cfg) as bootstrap:
        await ensure_topics(bootstrap, 2)
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
        await producer.start()
        for _ in range(7):
            await producer.send_and_wait(T.LIQUIDATIONS, b"{}", partition=1)
        await producer.stop()
        group = "lag-test"
        committer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group,
                                     enable_auto_commit=False)
        await committer.start()
        tp = TopicPartition(T.LIQUIDATIONS, 1)
        committer.assign([tp])
        await committer.commit({tp: 3})
        await committer.stop()

        server = MetricsServer(Metrics(), lag=ConsumerLag(bootstrap, group, interval_s=0.1))
        url = await server.start("127.0.0.1:0")
        try:
            lag = await server.lag.refresh()
            async with aiohttp.ClientSession() as http, http.get(url) as r:
                return lag, r.headers["Content-Type"], await r.text()
        finally:
            await server.stop()


def test_consumer_lag_on_the_embedded_broker(tmp_path: Path):
    lag, content_type, text = asyncio.run(lag_and_scrape(tmp_path))
    assert lag == {(T.LIQUIDATIONS, 1): 4}            # 7 published, 3 committed
    assert content_type == CONTENT_TYPE
    types, samples = parse(text)
    assert types["liqwatch_worker_consumer_lag_messages"] == "gauge"
    assert value(samples, "liqwatch_worker_consumer_lag_messages",
                 topic=T.LIQUIDATIONS, partition="1") == 4


async def worker_session(tmp_path: Path) -> Samples:
    """`liqwatch worker` with its embedded broker: a bad message reaches the dlq, and its
    metrics show the dead letter and a caught-up consumer lag."""
    config = tmp_path / "liqwatch.toml"
    config.write_text("[stream]\nsession_timeout_s = 3.0\npartitions = 1\n")
    env = {**os.environ, "LIQWATCH_DATA_DIR": str(tmp_path / "data")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "liqwatch.cli", "--config", str(config), "worker",
        "--metrics-addr", "127.0.0.1:0", "--no-board",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=env)
    seen: list[str] = []
    try:
        url = (await read_until(proc.stdout, "metrics: ", seen)).split(" ", 1)[1]
        line = await read_until(proc.stdout, "liqwatch worker consuming from ", seen)
        bootstrap = line.split("from ", 1)[1].split(";")[0]
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
        await producer.start()
        await producer.send_and_wait(T.LIQUIDATIONS, b"not a batch", partition=0)
        await producer.stop()
        samples: Samples = {}

        async def caught_up() -> bool:
            nonlocal samples
            async with aiohttp.ClientSession() as http, http.get(url) as r:
                samples = parse(await r.text())[1]
            key = ("liqwatch_worker_consumer_lag_messages",
                   frozenset({("topic", T.LIQUIDATIONS), ("partition", "0")}))
            return samples.get(key) == 0 and any(
                n == "liqwatch_worker_dlq_archived_total" for n, _ in samples)

        deadline = asyncio.get_running_loop().time() + 45
        while not await caught_up():
            assert asyncio.get_running_loop().time() < deadline, "".join(seen)
            await asyncio.sleep(0.5)
        return samples
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(proc.wait(), 20)
            except TimeoutError:
                proc.kill()
                await proc.wait()


@pytest.mark.integration
def test_worker_serves_metrics(tmp_path: Path):
    samples = asyncio.run(worker_session(tmp_path))
    assert value(samples, "liqwatch_worker_dlq_total", reason="bad_message") == 1
    assert value(samples, "liqwatch_worker_dlq_archived_total", reason="bad_message") == 1
