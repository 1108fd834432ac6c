"""`liqwatch run` as a user starts it, against local servers speaking Binance USD-M and
COIN-M, Bybit, OKX, BitMEX and Deribit: exactly the pushed liquidations land in
ClickHouse, each once, with the right side and the hand-computed USD for linear, inverse,
multiplier and quanto contracts; a bad entry reaches the dlq; a venue outage becomes a
gap while the other venues keep flowing; metrics show it all."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from connectors.live.session import now_ms
from connectors.testing import messages as msg
from connectors.testing.protocols import protocols_for
from connectors.testing.server import ExchangeServer
from connectors.testing.waiting import until
from storage import open_store

VENUES = ("binanceusdm", "binancecoinm", "bybit", "okx", "bitmex", "deribit")
LINEAR, INVERSE = "/v5/public/linear", "/v5/public/inverse"

# (exchange, symbol, liquidated side) → USD, each computed by hand from the venue's docs
EXPECTED = {
    ("binanceusdm", "BTCUSDT", "long"): 0.5 * 100_000,            # q in BTC × avg price
    ("binancecoinm", "BTCUSD_PERP", "short"): 3 * 100,            # 3 contracts × 100 USD
    ("bybit", "BTCUSDT", "long"): 0.2 * 100_000,                  # S=Buy: a long position
    ("bybit", "BTCUSDT", "short"): 0.1 * 100_500,
    ("bybit", "BTCUSD", "short"): 5_000,                          # inverse: v is USD
    ("okx", "BTC-USDT-SWAP", "long"): 30 * 0.01 * 100_000,        # sz × ctVal 0.01 BTC × px
    ("okx", "BTC-USD-SWAP", "short"): 2 * 100,                    # sz × ctVal 100 USD
    ("bitmex", "XBTUSD", "long"): 9_000,                          # 1 USD per contract
    ("bitmex", "ETHUSD", "short"): 3_000 * 1e-6 * 1_000 * 100_000,  # quanto: px·mult·qty·XBT
    ("deribit", "BTC-PERPETUAL", "long"): 10_000,                 # amount is USD
    ("deribit", "ETH-PERPETUAL", "long"): 3_000,                  # MT: maker and taker
    ("deribit", "ETH-PERPETUAL", "short"): 3_000,
}


def config(tmp_path: Path, servers: dict[str, ExchangeServer]) -> Path:
    lines = ["[stream]", "session_timeout_s = 3.0",
             "[live]", "trade_assets = []", 'metrics_addr = "127.0.0.1:0"',
             "[board]", "port = 0"]
    for name, server in servers.items():
        lines += [f"[exchanges.{name}]", f'ws_url = "{server.url("")}"',
                  'rest_url = "http://127.0.0.1:1"']      # REST unreachable: shipped snapshot
    path = tmp_path / "liqwatch.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def metric(text: str, name: str, **labels: str) -> float:
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    found = re.search(rf"^{name}\{{{re.escape(want)}\}} (\S+)$", text, re.M)
    return float(found.group(1)) if found else 0.0


async def read_until(stream: asyncio.StreamReader, prefix: str, seen: list[str]) -> str:
    while True:
        line = (await asyncio.wait_for(stream.readline(), 120)).decode()
        assert line, f"the process exited before printing {prefix!r}: {''.join(seen)}"
        seen.append(line)
        if line.startswith(prefix):
            return line.strip()


async def push_everything(servers: dict[str, ExchangeServer], metrics_url: str) -> str:
    ts = now_ms()
    s = servers
    await s["bybit"].stop()                                  # Bybit goes down; others go on
    await s["binanceusdm"].push("/market/stream", [
        msg.binance_force_order("BTCUSDT", "SELL", 0.5, 100_000, ts)])
    await s["binancecoinm"].push("/stream", [
        msg.binance_force_order("BTCUSD_PERP", "BUY", 3, 100_000, ts)])
    await s["okx"].push("/ws/v5/public", [                  # the first push is the backlog
        msg.okx_liquidation_orders("SWAP", "BTC-USDT-SWAP", [("buy", "short", 7, 99_000)],
                                   ts - 60_000),
        msg.okx_liquidation_orders("SWAP", "BTC-USDT-SWAP", [("sell", "long", 30, 100_000)], ts),
        msg.okx_liquidation_orders("SWAP", "BTC-USD-SWAP", [("buy", "short", 2, 100_000)], ts)])
    await s["bitmex"].push("/realtime", [
        msg.bitmex_instrument("XBTUSD", 100_000),
        msg.bitmex_liquidations("insert", [("o1", "XBTUSD", "Sell", 9_000, 100_000),
                                           ("o2", "ETHUSD", "Buy", 1_000, 3_000)]),
        msg.bitmex_liquidations("update", [("o1", "XBTUSD", "Sell", 4_000, 100_000)]),
        msg.bitmex_liquidations("delete", [("o1", "XBTUSD", "Sell", 4_000, 100_000)])])
    await s["deribit"].push("/ws/api/v2", [msg.deribit_trades([
        ("BTC-1", "BTC-PERPETUAL", "sell", 10_000, 100_000, "T"),
        ("ETH-1", "ETH-PERPETUAL", "buy", 3_000, 3_000, "MT"),
        ("BTC-2", "BTC-PERPETUAL", "buy", 500, 100_000, None)], ts)])
    await s["bybit"].start()
    await s["bybit"].wait_for(lambda: s["bybit"].subscribed(LINEAR)
                              and s["bybit"].subscribed(INVERSE), 60)
    await s["bybit"].push(LINEAR, [msg.bybit_all_liquidation(
        "BTCUSDT", [("Buy", 0.2, 100_000), ("Sell", 0.1, 100_500), ("Sell", -1, 100_500)], ts)])
    await s["bybit"].push(INVERSE, [msg.bybit_all_liquidation(
        "BTCUSD", [("Sell", 5_000, 100_000)], ts)])

    text = ""

    async def landed() -> bool:
        nonlocal text
        async with aiohttp.ClientSession() as http, http.get(metrics_url) as r:
            text = await r.text()
        return (metric(text, "liqwatch_worker_sink_rows_total", table="liquidations")
                >= len(EXPECTED) and metric(text, "liqwatch_worker_sink_rows_total",
                                            table="gaps") >= 1
                and metric(text, "liqwatch_worker_sink_rows_total", table="dlq") >= 1)

    deadline = asyncio.get_running_loop().time() + 120
    while not await landed():
        assert asyncio.get_running_loop().time() < deadline, f"rows not sunk in time:\n{text}"
        await asyncio.sleep(0.2)
    return text


async def session(tmp_path: Path) -> tuple[str, int, int]:
    servers = {name: ExchangeServer(protocols_for(name)) for name in VENUES}
    for server in servers.values():
        await server.start()
    env = {**os.environ, "LIQWATCH_DATA_DIR": str(tmp_path / "data")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "liqwatch.cli", "--config", str(config(tmp_path, servers)), "run",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=env)
    seen: list[str] = []
    try:
        metrics_url = (await read_until(proc.stdout, "metrics: ", seen)).split(" ", 1)[1]
        await read_until(proc.stdout, "liqwatch run: ", seen)
        for name, server in servers.items():
            await until(lambda s=server: s.conns and all(c.topics for c in s.conns), 60,
                        f"{name} subscribed")
        await until(lambda: len(servers["bybit"].conns) == 2, 60, "both Bybit categories")
        text = await push_everything(servers, metrics_url)
        proc.send_signal(signal.SIGINT)
        rc = await asyncio.wait_for(proc.wait(), 60)
        return text, rc, servers["deribit"].protocols["/ws/api/v2"].tests_answered
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        for server in servers.values():
            await server.stop()


@pytest.mark.integration
def test_liqwatch_run_lands_every_liquidation_once(tmp_path: Path):
    text, rc, deribit_tests = asyncio.run(session(tmp_path))
    assert rc in (0, 130, 143)
    with open_store(f"chdb://{tmp_path / 'data' / 'chdb'}") as store:
        rows = store.query("SELECT exchange, symbol, liquidated_side, notional_usd, is_sampled, "
                           "count() OVER (PARTITION BY event_id) FROM liqwatch.liquidations "
                           "FINAL").rows
        dlq = store.query("SELECT source, reason FROM liqwatch.dlq FINAL").rows
        gaps = store.query("SELECT exchange, channel, from_ts < to_ts FROM liqwatch.gaps FINAL").rows
        trades = store.query("SELECT count() FROM liqwatch.trade_bars_1m").scalar()
    got = {(r[0], r[1], r[2]): r[3] for r in rows}
    assert len(rows) == len(EXPECTED) and set(got) == set(EXPECTED)   # each once, nothing else
    for key, usd in EXPECTED.items():
        assert got[key] == pytest.approx(usd, rel=1e-3), key
    sampled = {r[0]: r[4] for r in rows}
    assert sampled == {"binanceusdm": True, "binancecoinm": True, "okx": True,
                       "bybit": False, "bitmex": False, "deribit": False}
    assert dlq == [("bybit:liquidations:linear", "bad_field")]
    assert sorted(g[:2] for g in gaps) == [("bybit", "liquidations:inverse"),
                                            ("bybit", "liquidations:linear")]
    assert all(g[2] for g in gaps) and trades == 0
    assert deribit_tests >= 1                      # the heartbeat test_request was answered
    assert metric(text, "liqwatch_feed_gaps_total", exchange="bybit") == 2
    assert metric(text, "liqwatch_feed_records_total", exchange="deribit",
                  kind="liquidation") == 3
    assert metric(text, "liqwatch_feed_connected", exchange="okx", conn="liquidations") == 1
