"""Deribit venue: liquidations are trades flagged M/T/MT, the liquidated side from the
taker direction, USD amounts for inverse and base for linear, trades of configured
symbols from the same channel, bad trades rejected alone, snapshot instruments, and a
local server round trip."""

import asyncio
import json
from pathlib import Path

import aiohttp
import pytest

from connectors.exchanges import deribit
from connectors.exchanges.deribit import (CHANNEL, HEARTBEAT_S, DeribitVenue,
                                         instruments_from_markets)
from connectors.instrument import UnsupportedInstrument
from connectors.testing.protocols.deribit import TEST_REQUEST, DeribitProtocol
from connectors.testing.server import ExchangeServer
from connectors.venue import LIQUIDATIONS

SNAPSHOT = Path(deribit.__file__).parent / "snapshots" / "deribit.json"
RECEIVED = 1737962701000
T0 = 1737962700321


def venue(trade_symbols=(), ws_url=None):
    v = DeribitVenue(instruments_from_markets("deribit", json.loads(SNAPSHOT.read_text())),
                     ws_url)
    v.subscriptions(list(trade_symbols))
    return v


def trade(symbol, direction, amount, price, trade_id="301", liquidation=None, ts=T0):
    t = {"trade_seq": 9, "trade_id": trade_id, "timestamp": ts, "tick_direction": 0,
         "price": price, "mark_price": price, "index_price": price,
         "instrument_name": symbol, "direction": direction, "amount": amount}
    if liquidation is not None:
        t["liquidation"] = liquidation
    return t


def note(*trades, channel=CHANNEL):
    return json.dumps({"jsonrpc": "2.0", "method": "subscription",
                       "params": {"channel": channel, "data": list(trades)}})


@pytest.mark.parametrize("who,direction,liquidated", [
    ("T", "sell", "long"), ("T", "buy", "short"),   # the taker's order is `direction`
    ("M", "buy", "long"), ("M", "sell", "short")])  # the maker's is the opposite
def test_liquidated_side_from_taker_direction(who, direction, liquidated):
    out = venue().decoder().feed(note(trade("BTC-PERPETUAL", direction, 100, 100000,
                                            liquidation=who)), RECEIVED)
    assert [r["liquidated_side"] for r in out.liquidations] == [liquidated]


def test_both_sides_liquidated_give_two_records():
    out = venue().decoder().feed(note(trade("ETH-PERPETUAL", "sell", 3000, 3000, "ETH-77",
                                            "MT")), RECEIVED)
    # M first: the maker bought, so a short was closed; then T: the taker sold, a long
    assert [r["liquidated_side"] for r in out.liquidations] == ["short", "long"]
    assert len({r["event_id"] for r in out.liquidations}) == 2
    assert all(r["ts"] == T0 and r["notional_usd"] == pytest.approx(3000.0)
               for r in out.liquidations)
    again = venue().decoder().feed(note(trade("ETH-PERPETUAL", "sell", 3000, 3000, "ETH-77",
                                              "MT")), RECEIVED)
    assert [r["event_id"] for r in again.liquidations] == [r["event_id"]
                                                           for r in out.liquidations]


def test_inverse_amount_is_usd_and_linear_amount_is_base():
    out = venue().decoder().feed(note(
        trade("BTC-PERPETUAL", "sell", 12000, 100000, "1", "T"),
        trade("SOL_USDC-PERPETUAL", "buy", 4.5, 250, "SOL_USDC-2", "T")), RECEIVED)
    btc, sol = out.liquidations
    # BTC-PERPETUAL: 12,000 USD = 0.12 BTC at 100,000
    assert btc["notional_usd"] == pytest.approx(12000.0) and btc["qty_base"] == pytest.approx(0.12)
    # SOL_USDC-PERPETUAL: 4.5 SOL × 250 = 1,125 USD
    assert sol["qty_base"] == pytest.approx(4.5) and sol["notional_usd"] == pytest.approx(1125.0)
    assert (sol["asset"], sol["exchange"], sol["is_sampled"]) == ("SOL", "deribit", False)


def test_trades_of_configured_symbols_come_from_the_same_channel():
    dec = venue(["BTC-PERPETUAL"]).decoder()
    out = dec.feed(note(trade("BTC-PERPETUAL", "buy", 500, 100000, "1"),
                        trade("ETH-PERPETUAL", "buy", 500, 3000, "2"),        # not configured
                        trade("ADA_USDC-PERPETUAL", "buy", 10, 1, "3"),       # not known
                        trade("BTC-PERPETUAL", "sell", 200, 99000, "4", "T")), RECEIVED)
    assert out.rejects == []
    assert [(t["symbol"], t["taker_side"]) for t in out.trades] == [
        ("BTC-PERPETUAL", "buy"), ("BTC-PERPETUAL", "sell")]
    assert out.trades[0]["notional_usd"] == pytest.approx(500.0)
    assert [(r["symbol"], r["liquidated_side"]) for r in out.liquidations] == [
        ("BTC-PERPETUAL", "long")]


def test_bad_trades_are_rejected_alone_with_reasons():
    no_direction = trade("BTC-PERPETUAL", "sell", 100, 100000, "5", "T")
    del no_direction["direction"]
    no_id = trade("BTC-PERPETUAL", "sell", 100, 100000, "6", "T")
    del no_id["trade_id"]
    out = venue().decoder().feed(note(
        trade("BTC-PERPETUAL", "sell", 100, 100000, "1", "T"),
        trade("BTC-PERPETUAL", "sell", 100, 100000, "2", "X"),
        no_direction,
        trade("BTC-PERPETUAL", "sell", "100", 100000, "3", "T"),
        trade("BTC-PERPETUAL", "sell", 100, 100000, "4", "T", ts=1737962700.3),
        no_id,
        trade("ADA_USDC-PERPETUAL", "sell", 10, 1, "7", "M"),
        trade("BTC-PERPETUAL", "sell", 0, 100000, "8", "T"),
        ["not", "a", "trade"]), RECEIVED)
    assert [r["event_id"] for r in out.liquidations] == [
        venue().decoder().feed(note(trade("BTC-PERPETUAL", "sell", 100, 100000, "1", "T")),
                               RECEIVED).liquidations[0]["event_id"]]
    assert [r.reason for r in out.rejects] == ["bad_field", "missing_field", "bad_field",
                                               "bad_field", "missing_field",
                                               "unsupported_instrument", "bad_field",
                                               "bad_field"]
    assert json.loads(out.rejects[1].raw) == no_direction


def test_control_and_malformed_frames():
    dec = venue().decoder()
    controls = [{"jsonrpc": "2.0", "id": 2, "result": [CHANNEL]},
                {"jsonrpc": "2.0", "id": 1, "result": "ok"},
                {"jsonrpc": "2.0", "id": 3, "result": {"version": "1.2.26"}},
                {"jsonrpc": "2.0", "method": "heartbeat", "params": {"type": "test_request"}},
                {"jsonrpc": "2.0", "method": "heartbeat", "params": {"type": "heartbeat"}}]
    replies = []
    for msg in controls:
        out = dec.feed(json.dumps(msg), RECEIVED)
        assert (out.liquidations, out.trades, out.rejects) == ([], [], [])
        replies += out.replies
    assert [json.loads(r)["method"] for r in replies] == ["public/test"]  # test_request only
    cases = {"{]": "bad_json", "null": "bad_field",
             json.dumps({"jsonrpc": "2.0", "id": 2, "error": {"code": 11050,
                                                              "message": "bad_request"}}):
                 "subscribe_failed",
             note(channel="book.BTC-PERPETUAL.100ms"): "unknown_message",
             json.dumps({"jsonrpc": "2.0", "method": "subscription", "params": {}}):
                 "missing_field"}
    for text, reason in cases.items():
        [rej] = dec.feed(text, RECEIVED).rejects
        assert (rej.reason, rej.raw) == (reason, text)


def test_one_connection_with_heartbeat():
    v = DeribitVenue({})
    [sub] = v.subscriptions(["BTC-PERPETUAL"])
    assert (sub.channel, sub.url) == (LIQUIDATIONS, "wss://www.deribit.com/ws/api/v2")
    heartbeat, subscribe = map(json.loads, sub.frames)
    assert heartbeat["method"] == "public/set_heartbeat"
    assert heartbeat["params"] == {"interval": HEARTBEAT_S}
    assert subscribe["method"] == "public/subscribe"
    assert subscribe["params"] == {"channels": ["trades.future.any.100ms"]}
    assert v.ping_frame() is None  # test_requests are answered as they come
    assert v.ping_interval_s < HEARTBEAT_S and v.trade_symbols == {"BTC-PERPETUAL"}


def test_instruments_from_snapshot_and_skips():
    insts = instruments_from_markets("deribit", json.loads(SNAPSHOT.read_text()))
    assert {s: (i.base, i.quote, i.kind, i.contract_size) for s, i in insts.items()} == {
        "BTC-PERPETUAL": ("BTC", "USD", "inverse", 1.0),   # amount is USD already
        "ETH-PERPETUAL": ("ETH", "USD", "inverse", 1.0),
        "SOL_USDC-PERPETUAL": ("SOL", "USDC", "linear", 1.0),  # amount is SOL
        "XRP_USDC-PERPETUAL": ("XRP", "USDC", "linear", 1.0)}
    skipped = instruments_from_markets("deribit", [
        {"id": "BTC-27JUN25-100000-C", "type": "option", "base": "BTC", "quote": "USD",
         "inverse": True},
        {"id": "BTC-FS-27JUN25_PERP", "type": "future", "base": "BTC", "quote": "USD",
         "linear": None, "inverse": None},
        {"id": "BTC_USDC", "type": "spot", "base": "BTC", "quote": "USDC"},
        {"id": "BTC_EURR-PERPETUAL", "type": "swap", "base": "BTC", "quote": "EURR",
         "linear": True}])
    assert skipped == {}


def test_symbol_parser():
    assert deribit.parse_symbol("deribit", "BTC-PERPETUAL").kind == "inverse"
    sol = deribit.parse_symbol("deribit", "SOL_USDC-27JUN25")
    assert (sol.base, sol.quote, sol.kind) == ("SOL", "USDC", "linear")
    for symbol in ("BTC-27JUN25-100000-C", "BTC_USDC", "BTC_EURR-PERPETUAL"):
        with pytest.raises(UnsupportedInstrument):
            deribit.parse_symbol("deribit", symbol)


async def _round_trip() -> None:
    path = "/ws/api/v2"
    proto = DeribitProtocol()
    server = ExchangeServer({path: proto})
    await server.start()
    try:
        v = venue(ws_url=server.url(""))
        [sub] = v.subscriptions(["ETH-PERPETUAL"])
        dec = v.decoder()
        async with aiohttp.ClientSession() as http, http.ws_connect(sub.url) as ws:
            for frame in sub.frames:
                await ws.send_str(frame)
            answers = [json.loads(await asyncio.wait_for(ws.receive_str(), 5)) for _ in range(3)]
            assert [a.get("result") for a in answers] == ["ok", None, [CHANNEL]]
            assert answers[1] == json.loads(TEST_REQUEST)
            assert all(dec.feed(json.dumps(a), RECEIVED).rejects == [] for a in answers)
            await server.wait_for(lambda: server.subscribed(path, CHANNEL), 5)
            assert await server.push(path, [note(channel="trades.option.any.100ms")]) == 0
            sent = await server.push(path, [note(
                trade("ETH-PERPETUAL", "buy", 600, 3000, "ETH-9", "MT"))])
            assert sent == 1
            out = dec.feed(await asyncio.wait_for(ws.receive_str(), 5), RECEIVED)
            # direction buy: the maker (sell) closed a long, the taker (buy) a short
            assert [r["liquidated_side"] for r in out.liquidations] == ["long", "short"]
            assert [t["notional_usd"] for t in out.trades] == pytest.approx([600.0])
            [reply] = dec.feed(TEST_REQUEST, RECEIVED).replies
            await ws.send_str(reply)
            test = await asyncio.wait_for(ws.receive_str(), 5)
            assert json.loads(test)["result"]["version"] and dec.feed(test, RECEIVED).rejects == []
            assert proto.tests_answered == 1
    finally:
        await server.stop()


def test_round_trip_through_a_local_deribit_server():
    asyncio.run(_round_trip())


ODD_VALUES = (None, True, -1, 1e400, "", "x", [1], {"a": 1})


def test_feed_never_raises_on_odd_field_values():
    good = trade("BTC-PERPETUAL", "sell", 100, 100000, "1", "MT")
    dec = venue(["BTC-PERPETUAL"]).decoder()
    for key in good:
        for odd in ODD_VALUES:
            dec.feed(note({**good, key: odd}), RECEIVED)
            dec.feed(json.dumps({"jsonrpc": "2.0", "method": "subscription",
                                 "params": {"channel": odd, "data": [good]}}), RECEIVED)
