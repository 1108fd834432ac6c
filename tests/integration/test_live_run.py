"""`liqwatch run` (LiveRun: connectors + embedded broker + worker + chDB) against local
servers speaking Binance, Bybit and OKX: exactly the pushed liquidations land, with the
right side and USD; a bad entry reaches the dlq; an outage becomes a gap; the other venues
keep flowing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
import pytest

from connectors.live.session import now_ms
from connectors.testing.protocols.binance import BinanceProtocol
from connectors.testing.protocols.bybit import BybitProtocol
from connectors.testing.protocols.okx import OkxProtocol
from connectors.testing.server import ExchangeServer
from liqwatch.config import Config
from liqwatch.live import LiveRun
from storage import migrate, open_store

BINANCE, BYBIT, OKX = "/market/stream", "/v5/public/linear", "/ws/v5/public"


def binance_liq(ts: int) -> str:
    return orjson.dumps({"stream": "!forceOrder@arr", "data": {
        "e": "forceOrder", "E": ts, "o": {
            "s": "BTCUSDT", "S": "SELL", "o": "LIMIT", "f": "IOC", "q": "0.5", "p": "99000",
            "ap": "100000", "X": "FILLED", "l": "0.5", "z": "0.5", "T": ts}}}).decode()


def bybit_liqs(ts: int) -> str:
    return orjson.dumps({"topic": "allLiquidation.BTCUSDT", "type": "snapshot", "ts": ts,
                         "data": [{"T": ts, "s": "BTCUSDT", "S": "Buy", "v": "0.2", "p": "100000"},
                                  {"T": ts, "s": "BTCUSDT", "S": "Sell", "v": "0.1", "p": "100500"},
                                  {"T": ts, "s": "BTCUSDT", "S": "Sell", "v": "-1", "p": "100500"}]}
                        ).decode()


def okx_liqs(ts: int) -> str:
    return orjson.dumps({"arg": {"channel": "liquidation-orders", "instType": "SWAP"}, "data": [
        {"instId": "BTC-USDT-SWAP", "instType": "SWAP", "instFamily": "BTC-USDT", "uly": "BTC-USDT",
         "details": [{"bkLoss": "0", "bkPx": "100000", "ccy": "", "posSide": "long", "side": "sell",
                      "sz": "30", "ts": str(ts)},
                     {"bkLoss": "0", "bkPx": "101000", "ccy": "", "posSide": "short", "side": "buy",
                      "sz": "10", "ts": str(ts + 1)}]}]}).decode()


async def until(predicate, timeout_s: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not predicate():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def live_session(cfg: Config, store) -> dict:
    servers = {"binanceusdm": ExchangeServer({BINANCE: BinanceProtocol()}),
               "bybit": ExchangeServer({BYBIT: BybitProtocol(),
                                        "/v5/public/inverse": BybitProtocol()}),
               "okx": ExchangeServer({OKX: OkxProtocol()})}
    for name, server in servers.items():
        await server.start()
        cfg.exchanges[name].ws_url = f"ws://127.0.0.1:{server.port}"
    run = LiveRun(cfg, store)
    task = asyncio.create_task(run.run())
    try:
        await asyncio.wait_for(run.started.wait(), 60)
        await servers["binanceusdm"].wait_for(
            lambda: servers["binanceusdm"].subscribed(BINANCE, "!forceOrder@arr"), 30)
        await servers["bybit"].wait_for(lambda: servers["bybit"].subscribed(BYBIT), 30)
        await servers["okx"].wait_for(lambda: servers["okx"].subscribed(OKX), 30)
        await servers["bybit"].stop()             # Bybit goes down; the others go on
        ts = now_ms()
        await servers["binanceusdm"].push(BINANCE, [binance_liq(ts)])
        await servers["okx"].push(OKX, [okx_liqs(ts - 60_000), okx_liqs(ts)])  # backlog first
        await servers["bybit"].start()
        await servers["bybit"].wait_for(lambda: servers["bybit"].subscribed(BYBIT), 30)
        await servers["bybit"].push(BYBIT, [bybit_liqs(ts)])
        metrics = run.pipeline.metrics
        await until(lambda: metrics.sink_rows["liquidations"] >= 5
                    and metrics.sink_rows["gaps"] >= 1 and metrics.sink_rows["dlq"] >= 1)
        return run.feeds.metrics.snapshot()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        for server in servers.values():
            await server.stop()


@pytest.mark.integration
def test_live_run_lands_every_liquidation_once(tmp_path: Path):
    cfg = Config(data_dir=tmp_path)
    cfg.stream.session_timeout_s = 3.0
    cfg.live.trade_assets = ()
    for name, ex in cfg.exchanges.items():
        ex.enabled = name in ("binanceusdm", "bybit", "okx")
        ex.rest_url = "http://127.0.0.1:1"        # REST unreachable: shipped snapshot
    with open_store(cfg.clickhouse_url) as store:
        migrate(store)
        feed_metrics = asyncio.run(live_session(cfg, store))
        rows = store.query("SELECT exchange, symbol, liquidated_side, qty_base, notional_usd, "
                           "is_sampled FROM liqwatch.liquidations FINAL "
                           "ORDER BY exchange, notional_usd").rows
        dlq = store.query("SELECT source, reason FROM liqwatch.dlq FINAL").rows
        gaps = store.query("SELECT exchange, channel FROM liqwatch.gaps FINAL").rows
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("binanceusdm", "BTCUSDT", "long"),
        ("bybit", "BTCUSDT", "short"), ("bybit", "BTCUSDT", "long"),
        ("okx", "BTC-USDT-SWAP", "short"), ("okx", "BTC-USDT-SWAP", "long")]
    usd = {(r[0], r[2]): r[4] for r in rows}
    assert usd[("binanceusdm", "long")] == pytest.approx(50_000.0)       # 0.5 BTC × 100,000
    assert usd[("bybit", "long")] == pytest.approx(20_000.0)             # Bybit S=Buy: long
    assert usd[("bybit", "short")] == pytest.approx(10_050.0)
    assert usd[("okx", "long")] == pytest.approx(30 * 0.01 * 100_000)    # ctVal 0.01 BTC
    assert usd[("okx", "short")] == pytest.approx(10 * 0.01 * 101_000)
    assert {r[0]: r[5] for r in rows} == {"binanceusdm": True, "bybit": False, "okx": True}
    assert dlq == [("bybit:liquidations:linear", "bad_field")]
    assert ("bybit", "liquidations:linear") in gaps
    assert feed_metrics["liquidations"] == {"binanceusdm": 1, "bybit": 2, "okx": 2}
