"""A session against a local Bybit-protocol server: decodes pushes, and when the server
drops it, reconnects with backoff, resubscribes and reports the outage as a gap."""

from __future__ import annotations

import asyncio

import orjson

from connectors.exchanges.bybit import Bybit
from connectors.instrument import Instrument
from connectors.live.session import Backoff, Session
from connectors.testing.protocols.bybit import BybitProtocol
from connectors.testing.server import ExchangeServer

PATH = "/v5/public/linear"
TOPIC = "allLiquidation.BTCUSDT"


def push(ts: int, size: str) -> str:
    return orjson.dumps({"topic": TOPIC, "type": "snapshot", "ts": ts, "data": [
        {"T": ts, "s": "BTCUSDT", "S": "Buy", "v": size, "p": "100000"}]}).decode()


async def until(predicate, timeout_s: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not predicate():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def scenario() -> tuple[list[dict], list[dict], ExchangeServer]:
    server = ExchangeServer({PATH: BybitProtocol()})
    await server.start()
    venue = Bybit({"BTCUSDT": Instrument("bybit", "BTCUSDT", "BTC", "USDT")},
                  ws_url=f"ws://127.0.0.1:{server.port}")
    sub = next(s for s in venue.subscriptions([]) if s.url.endswith(PATH))
    records: list[dict] = []
    gaps: list[dict] = []

    async def on_decoded(_venue, _sub, decoded) -> None:
        records.extend(decoded.liquidations)

    async def on_gap(gap: dict) -> None:
        gaps.append(gap)

    session = Session(venue, sub, on_decoded, on_gap, backoff=Backoff(base_s=0.05, cap_s=0.2),
                      seed=1)
    task = asyncio.create_task(session.run())
    try:
        await server.wait_for(lambda: server.subscribed(PATH, TOPIC))
        await server.push(PATH, [push(1_737_946_800_000, "0.5")])
        await until(lambda: len(records) == 1)
        await server.stop()                      # the venue goes away ...
        await asyncio.sleep(0.3)                 # ... for a while (an outage, not a wait)
        await server.start()                     # same port
        await server.wait_for(lambda: server.subscribed(PATH, TOPIC))
        await server.push(PATH, [push(1_737_946_900_000, "0.25")])
        await until(lambda: len(records) == 2 and len(gaps) == 1)
        assert session.connects == 2 and server.connections_total >= 1
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await server.stop()
    return records, gaps, server


def test_reconnects_resubscribes_and_reports_the_gap():
    records, gaps, _ = asyncio.run(scenario())
    assert [r["qty_base"] for r in records] == [0.5, 0.25]
    assert all(r["liquidated_side"] == "long" for r in records)   # Bybit S=Buy: long position
    gap = gaps[0]
    assert gap["exchange"] == "bybit" and gap["channel"] == "liquidations:linear"
    assert 300 <= gap["to_ts"] - gap["from_ts"] < 10_000
    assert gap["reason"]
