"""Record raw frames from local OKX, BitMEX and Deribit servers (with an OKX outage),
then `liqwatch replay --raw` plays them to the real connectors: the same liquidations
land as live, the post-reconnect OKX backlog is dropped again, and receive times, event
times and the gap carry the recorded times."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from connectors.live.recording import CONNECT, Recording
from connectors.live.session import now_ms
from connectors.testing import messages as msg
from connectors.testing.protocols import protocols_for
from connectors.testing.server import ExchangeServer
from connectors.testing.waiting import until
from liqwatch.config import Config
from liqwatch.record import Recorder
from storage import open_store

OKX = "/ws/v5/public"


def okx_pair(ts: int, size: float) -> list[str]:
    """A backlog push then a live one, as OKX sends after every subscribe."""
    return [msg.okx_liquidation_orders("SWAP", "BTC-USDT-SWAP", [("buy", "short", 99, 90_000)],
                                       ts - 500),  # recent: not dropped as late
            msg.okx_liquidation_orders("SWAP", "BTC-USDT-SWAP", [("sell", "long", size, 100_000)],
                                       ts)]


async def record(tmp_path: Path) -> tuple[Path, int, int]:
    servers = {name: ExchangeServer(protocols_for(name)) for name in ("okx", "bitmex", "deribit")}
    cfg = Config(data_dir=tmp_path / "rec-data")
    cfg.live.trade_assets = ()
    for name, ex in cfg.exchanges.items():
        ex.enabled = name in servers
        ex.rest_url = "http://127.0.0.1:1"
    for name, server in servers.items():
        await server.start()
        cfg.exchanges[name].ws_url = server.url("")
    out = tmp_path / "recording"
    recorder = Recorder(cfg, out)
    task = asyncio.create_task(recorder.run())
    liqs = recorder.records
    try:
        await asyncio.wait_for(recorder.started.wait(), 30)
        for name, server in servers.items():
            await until(lambda s=server: s.conns and all(c.topics for c in s.conns), 30, name)
        t0 = now_ms()
        await servers["okx"].push(OKX, okx_pair(t0, 30))
        await servers["bitmex"].push("/realtime", [
            msg.bitmex_instrument("XBTUSD", 100_000),
            msg.bitmex_liquidations("insert", [("o1", "XBTUSD", "Sell", 9_000, 100_000),
                                               ("o2", "ETHUSD", "Buy", 1_000, 3_000)]),
            msg.bitmex_liquidations("update", [("o1", "XBTUSD", "Sell", 4_000, 100_000)])])
        await servers["deribit"].push("/ws/api/v2", [msg.deribit_trades(
            [("ETH-1", "ETH-PERPETUAL", "buy", 3_000, 3_000, "MT")], t0)])
        await until(lambda: liqs[("okx", "liquidations")] == 1
                    and liqs[("bitmex", "liquidations")] == 2
                    and liqs[("deribit", "liquidations")] == 2, 30, "live records")
        connects = servers["okx"].connections_total
        await servers["okx"].drop_all()                      # OKX outage: reconnect, backlog again
        await until(lambda: servers["okx"].connections_total > connects
                    and servers["okx"].subscribed(OKX), 30, "OKX back")
        await servers["okx"].push(OKX, okx_pair(now_ms(), 40))
        await until(lambda: liqs[("okx", "liquidations")] == 2, 30, "OKX after reconnect")
        return out, t0, now_ms()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        for server in servers.values():
            await server.stop()


@pytest.mark.integration
def test_raw_recording_replays_through_the_live_connectors(tmp_path: Path):
    out, t0, t1 = asyncio.run(record(tmp_path))
    events = list(Recording.open(out).events())
    okx_connects = [e for e in events if (e.venue, e.conn, e.kind) == ("okx", "liquidations",
                                                                       CONNECT)]
    assert len(okx_connects) == 2 and all(t0 - 60_000 < e.t <= t1 for e in events)

    data = tmp_path / "replay-data"
    r = subprocess.run([sys.executable, "-m", "liqwatch.cli", "replay", "--raw", str(out)],
                       capture_output=True, text=True, timeout=300,
                       env={**os.environ, "LIQWATCH_DATA_DIR": str(data)})
    assert r.returncode == 0, r.stderr
    assert f"raw frames {len(events):,}" in r.stdout
    with open_store(f"chdb://{data / 'chdb'}") as store:
        rows = store.query("SELECT exchange, symbol, liquidated_side, notional_usd, "
                           "toUnixTimestamp64Milli(ts), toUnixTimestamp64Milli(received_ts) "
                           "FROM liqwatch.liquidations FINAL ORDER BY exchange, notional_usd").rows
        gaps = store.query("SELECT exchange, channel, toUnixTimestamp64Milli(from_ts), "
                           "toUnixTimestamp64Milli(to_ts) FROM liqwatch.gaps FINAL").rows
    assert [(e, s, side, round(usd)) for e, s, side, usd, _, _ in rows] == [
        ("bitmex", "XBTUSD", "long", 9_000), ("bitmex", "ETHUSD", "short", 300_000),
        ("deribit", "ETH-PERPETUAL", "long", 3_000), ("deribit", "ETH-PERPETUAL", "short", 3_000),
        ("okx", "BTC-USDT-SWAP", "long", 30_000), ("okx", "BTC-USDT-SWAP", "long", 40_000)]
    # receive times (and BitMEX's event time, which is its receive time) are the recorded ones
    assert all(t0 - 1_000 <= received <= t1 for *_, received in rows)
    assert all(ts == received for e, *_, ts, received in rows if e == "bitmex")
    [(exchange, channel, gap_from, gap_to)] = gaps
    assert (exchange, channel) == ("okx", "liquidations")
    reconnect = okx_connects[1].t
    assert t0 <= gap_from < gap_to and abs(gap_to - reconnect) < 1_000
