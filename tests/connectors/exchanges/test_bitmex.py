"""BitMEX venue: order side meaning, inverse/linear/quanto values from the documented
contract terms, only inserts are new liquidations, the XBT price for quantos, bad rows
rejected alone, snapshot instruments, and a local server round trip."""

import asyncio
import json
from pathlib import Path

import aiohttp
import pytest

from connectors.exchanges import bitmex
from connectors.exchanges.bitmex import BitmexVenue, instruments_from_markets
from connectors.instrument import UnsupportedInstrument
from connectors.testing.protocols.bitmex import BitmexProtocol
from connectors.testing.server import ExchangeServer
from connectors.venue import LIQUIDATIONS, TRADES

SNAPSHOT = Path(bitmex.__file__).parent / "snapshots" / "bitmex.json"
RECEIVED = 1737962701000


def venue(ws_url=None):
    return BitmexVenue(instruments_from_markets("bitmex", json.loads(SNAPSHOT.read_text())),
                       ws_url)


def row(symbol, side, qty, price, order_id="5e1c0a5d-0000-4000-8000-000000000001"):
    return {"orderID": order_id, "symbol": symbol, "side": side, "price": price,
            "leavesQty": qty}


def table(name, action, rows):
    return json.dumps({"table": name, "action": action, "data": rows})


def xbt_price(mark=100_000.0, last=None, action="partial"):
    rec = {"symbol": "XBTUSD", "markPrice": mark, "timestamp": "2025-01-27T07:25:00.000Z"}
    if last is not None:
        rec["lastPrice"] = last
    if mark is None:
        del rec["markPrice"]
    return table("instrument", action, [rec])


def test_only_inserts_are_new_liquidations():
    dec = venue().decoder()
    rows = [row("XBTUSD", "Buy", 9000, 100000)]
    for action in ("partial", "update", "delete"):
        out = dec.feed(table("liquidation", action, rows), RECEIVED)
        assert (out.liquidations, out.rejects) == ([], [])
    [liq] = dec.feed(table("liquidation", "insert", rows), RECEIVED).liquidations
    # no timestamp in the payload: event time is the receive time
    assert (liq["ts"], liq["received_ts"]) == (RECEIVED, RECEIVED)
    assert (liq["exchange"], liq["symbol"], liq["asset"]) == ("bitmex", "XBTUSD", "BTC")
    assert liq["is_sampled"] is False


def test_order_side_buy_closes_a_short_and_sell_a_long():
    out = venue().decoder().feed(table("liquidation", "insert", [
        row("XBTUSD", "Buy", 100, 100000, "a"), row("XBTUSD", "Sell", 100, 100000, "b")]),
        RECEIVED)
    assert [r["liquidated_side"] for r in out.liquidations] == ["short", "long"]
    assert len({r["event_id"] for r in out.liquidations}) == 2  # one per orderID


def test_inverse_and_linear_values():
    out = venue().decoder().feed(table("liquidation", "insert", [
        row("XBTUSD", "Buy", 9000, 100000, "a"), row("XBTUSDT", "Sell", 250000, 100000, "b")]),
        RECEIVED)
    inverse, linear = out.liquidations
    # XBTUSD: 1 USD per contract → 9,000 USD = 0.09 BTC at 100,000
    assert inverse["notional_usd"] == pytest.approx(9000.0)
    assert inverse["qty_base"] == pytest.approx(0.09)
    # XBTUSDT: 1/1,000,000 XBT per contract → 250,000 contracts = 0.25 BTC = 25,000 USD
    assert linear["qty_base"] == pytest.approx(0.25)
    assert linear["notional_usd"] == pytest.approx(25000.0)


def test_quanto_needs_the_xbt_price_from_the_same_connection():
    dec = venue().decoder()
    eth = table("liquidation", "insert", [row("ETHUSD", "Sell", 1000, 3000)])
    [rej] = dec.feed(eth, RECEIVED).rejects  # never guessed
    assert rej.reason == "no_settle_price" and json.loads(rej.raw)["data"][0]["symbol"] == "ETHUSD"
    assert dec.feed(xbt_price(mark=100_000.0, last=100_500.0), RECEIVED).rejects == []
    [liq] = dec.feed(eth, RECEIVED).liquidations
    # 1,000 contracts × 3,000 × 0.000001 XBT (100 XBt) = 3 XBT × 100,000 (mark) = 300,000 USD
    assert liq["notional_usd"] == pytest.approx(300_000.0)
    assert liq["qty_base"] == pytest.approx(100.0)  # 300,000 USD / 3,000 USD per ETH
    assert liq["liquidated_side"] == "long" and liq["asset"] == "ETH"
    dec.feed(xbt_price(mark=None, last=90_000.0, action="update"), RECEIVED)
    [liq] = dec.feed(eth, RECEIVED).liquidations  # 3 XBT × 90,000
    assert liq["notional_usd"] == pytest.approx(270_000.0)
    assert venue().decoder().feed(eth, RECEIVED).rejects[0].reason == "no_settle_price"


def test_bad_rows_are_rejected_alone_with_reasons():
    no_id = row("XBTUSD", "Buy", 10, 100000)
    del no_id["orderID"]
    out = venue().decoder().feed(table("liquidation", "insert", [
        row("XBTUSD", "Buy", 10, 100000, "good"), no_id, row("XBTUSD", "Hold", 10, 100000),
        row("XBTUSD", "Buy", "10", 100000), row("XBTEUR", "Buy", 10, 90000),
        row("XBTUSD", "Buy", 10, -1), "junk"]), RECEIVED)
    assert [r["symbol"] for r in out.liquidations] == ["XBTUSD"]
    assert [r.reason for r in out.rejects] == ["missing_field", "bad_field", "bad_field",
                                               "unsupported_instrument", "bad_field",
                                               "bad_field"]
    assert json.loads(out.rejects[0].raw) == {"table": "liquidation", "action": "insert",
                                              "data": [no_id]}


def test_control_and_malformed_frames():
    dec = venue().decoder()
    for control in ("pong", json.dumps({"info": "Welcome to the BitMEX Realtime API.",
                                        "version": "2.0.0"}),
                    json.dumps({"success": True, "subscribe": "liquidation"})):
        out = dec.feed(control, RECEIVED)
        assert (out.liquidations, out.trades, out.rejects) == ([], [], [])
    cases = {"{oops": "bad_json", "42": "bad_field",
             json.dumps({"status": 400, "error": "Unknown table: liquidations"}):
                 "subscribe_failed",
             table("orderBookL2", "insert", []): "unknown_message",
             json.dumps({"table": "liquidation", "action": "insert"}): "missing_field"}
    for text, reason in cases.items():
        [rej] = dec.feed(text, RECEIVED).rejects
        assert (rej.reason, rej.raw) == (reason, text)


def test_trades_are_inserts_with_taker_side_and_time():
    trade = {"timestamp": "2025-01-27T07:25:00.123Z", "symbol": "XBTUSD", "side": "Sell",
             "size": 500, "price": 97800.0, "tickDirection": "MinusTick",
             "trdMatchID": "00000000-006d-1000-0000-000000000001", "grossValue": 511247,
             "homeNotional": 0.00511247, "foreignNotional": 500, "trdType": "Regular"}
    dec = venue().decoder()
    assert dec.feed(table("trade", "partial", [trade]), RECEIVED).trades == []
    bad = dict(trade, timestamp="2025-01-27 07:25")
    out = dec.feed(table("trade", "insert", [trade, bad]), RECEIVED)
    [t] = out.trades
    # 2025-01-27T00:00Z = 1,737,936,000 s; + 07:25:00.123 = 26,700.123 s
    assert t["ts"] == 1737962700123 and t["taker_side"] == "sell"
    assert t["notional_usd"] == pytest.approx(500.0)  # 500 USD contracts
    assert t["qty_base"] == pytest.approx(500 / 97800)
    assert [r.reason for r in out.rejects] == ["bad_field"]


def test_subscriptions_follow_the_xbt_price_on_every_connection():
    v = venue()
    liq, trades = v.subscriptions(["XBTUSD", "ETHUSD"])
    assert (liq.channel, trades.channel, liq.url) == (LIQUIDATIONS, TRADES, "wss://ws.bitmex.com/realtime")
    assert json.loads(liq.frames[0]) == {"op": "subscribe",
                                         "args": ["liquidation", "instrument:XBTUSD"]}
    assert json.loads(trades.frames[0])["args"] == ["trade:XBTUSD", "trade:ETHUSD",
                                                    "instrument:XBTUSD"]
    assert v.ping_frame() == "ping" and len(v.subscriptions([])) == 1


def test_instruments_from_snapshot_use_the_documented_formulas():
    insts = instruments_from_markets("bitmex", json.loads(SNAPSHOT.read_text()))
    assert {s: (i.base, i.kind, i.contract_size, i.settle) for s, i in insts.items()} == {
        "XBTUSD": ("BTC", "inverse", 1.0, "BTC"),         # -1e8 / -1e8 USD per contract
        "ETHUSD": ("ETH", "quanto", 1e-6, "BTC"),         # 100 XBt = 0.000001 XBT
        "XBTUSDT": ("BTC", "linear", 1e-6, "USDT")}       # 1 / 1,000,000 XBT
    skipped = instruments_from_markets("bitmex", [
        {"id": "XBTETH", "type": "swap", "base": "BTC", "quote": "ETH",
         "info": {"isInverse": True, "multiplier": -1000000,
                  "underlyingToSettleMultiplier": -100000000}},
        {"id": "SOLUSD", "type": "swap", "base": "SOL", "quote": "USD",
         "info": {"isQuanto": True, "multiplier": 1000, "settlCurrency": "USDt"}},
        {"id": "XBT_USDT", "type": "spot", "base": "BTC", "quote": "USDT", "info": {}},
        {"id": "LTCUSDT", "type": "swap", "base": "LTC", "quote": "USDT", "info": {}}])
    assert skipped == {}


def test_symbol_parser_is_sure_only_of_xbt_inverse_contracts():
    for symbol in ("XBTUSD", "XBTH25"):
        inst = bitmex.parse_symbol("bitmex", symbol)
        assert (inst.base, inst.kind, inst.contract_size) == ("BTC", "inverse", 1.0)
    for symbol in ("ETHUSD", "XBTUSDT", "SOLUSDT"):
        with pytest.raises(UnsupportedInstrument):
            bitmex.parse_symbol("bitmex", symbol)


async def _round_trip() -> None:
    path = "/realtime"
    server = ExchangeServer({path: BitmexProtocol()})
    await server.start()
    try:
        v = venue(server.url(""))
        sub = v.subscriptions([])[0]
        dec = v.decoder()
        async with aiohttp.ClientSession() as http, http.ws_connect(sub.url) as ws:
            welcome = await asyncio.wait_for(ws.receive_str(), 5)
            assert "Welcome" in welcome and dec.feed(welcome, RECEIVED).rejects == []
            for frame in sub.frames:
                await ws.send_str(frame)
            answers = [await asyncio.wait_for(ws.receive_str(), 5) for _ in range(4)]
            assert [json.loads(a).get("subscribe") for a in answers[::2]] == [
                "liquidation", "instrument:XBTUSD"]
            for text in answers:  # acks and partials: nothing new
                out = dec.feed(text, RECEIVED)
                assert (out.liquidations, out.rejects) == ([], [])
            await server.wait_for(lambda: server.subscribed(path, "instrument:XBTUSD"), 5)
            assert await server.push(path, [table("trade", "insert", [{"symbol": "XBTUSD"}])]) == 0
            eth = table("liquidation", "insert", [row("ETHUSD", "Buy", 10, 3000)])
            assert await server.push(path, [xbt_price(100_000.0, action="update"), eth]) == 2
            for _ in range(2):
                out = dec.feed(await asyncio.wait_for(ws.receive_str(), 5), RECEIVED)
            # 10 × 3,000 × 0.000001 XBT = 0.03 XBT × 100,000 = 3,000 USD, a short
            [liq] = out.liquidations
            assert liq["liquidated_side"] == "short"
            assert liq["notional_usd"] == pytest.approx(3000.0)
            await ws.send_str(v.ping_frame())
            assert await asyncio.wait_for(ws.receive_str(), 5) == "pong"
    finally:
        await server.stop()


def test_round_trip_through_a_local_bitmex_server():
    asyncio.run(_round_trip())


ODD_VALUES = (None, True, -1, 1e400, "", "x", [1], {"a": 1})


def test_feed_never_raises_on_odd_field_values():
    good = row("ETHUSD", "Buy", 10, 3000)
    dec = venue().decoder()
    for key in (*good, "timestamp", "trdMatchID", "size"):
        for odd in ODD_VALUES:
            dec.feed(table("liquidation", "insert", [{**good, key: odd}]), RECEIVED)
            dec.feed(table("trade", "insert", [{**good, key: odd}]), RECEIVED)
            dec.feed(table("instrument", "update", [{"symbol": "XBTUSD", "markPrice": odd}]),
                     RECEIVED)
            dec.feed(json.dumps({"table": odd, "action": odd, "data": [odd]}), RECEIVED)
