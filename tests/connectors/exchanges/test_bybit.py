"""Bybit v5 venue: position-side meaning, linear/inverse units, every entry of a push
published, bad entries rejected alone, subscriptions, snapshot instruments, and a local
server round trip."""

import asyncio
import json
from pathlib import Path

import aiohttp
import pytest

from connectors.exchanges import bybit
from connectors.exchanges.bybit import Bybit, instruments_from_markets
from connectors.instrument import UnsupportedInstrument
from connectors.testing.protocols.bybit import BybitProtocol
from connectors.testing.server import ExchangeServer
from connectors.venue import LIQUIDATIONS, TRADES

SNAPSHOT = Path(bybit.__file__).parent / "snapshots" / "bybit.json"
RECEIVED = 1737964801000
T0 = 1737964800100


def venue(ws_url=None):
    return Bybit(instruments_from_markets("bybit", json.loads(SNAPSHOT.read_text())), ws_url)


def liq(symbol, side, v, p, ts=T0):
    return {"T": ts, "s": symbol, "S": side, "v": v, "p": p}


def push(topic, entries, ts=T0 + 400):
    return json.dumps({"topic": topic, "type": "snapshot", "ts": ts, "data": entries})


def trade(symbol, side, v, p, trade_id, ts=T0):
    return {"T": ts, "s": symbol, "S": side, "v": v, "p": p, "L": "PlusTick", "i": trade_id,
            "BT": False}


def test_every_entry_of_a_push_is_published_with_position_side():
    out = venue().decoder().feed(push("allLiquidation.ETHUSDT", [
        liq("ETHUSDT", "Buy", "1.5", "3000"), liq("ETHUSDT", "Sell", "0.2", "3010", T0 + 50)]),
        RECEIVED)
    assert not out.rejects
    assert [(r["liquidated_side"], r["qty_base"], r["price"], r["ts"])
            for r in out.liquidations] == [("long", 1.5, 3000.0, T0),
                                           ("short", 0.2, 3010.0, T0 + 50)]
    # 1.5 ETH × 3,000 = 4,500 USD; 0.2 ETH × 3,010 = 602 USD
    assert [r["notional_usd"] for r in out.liquidations] == pytest.approx([4500.0, 602.0])
    assert all(r["exchange"] == "bybit" and r["asset"] == "ETH" and r["is_sampled"] is False
               for r in out.liquidations)


def test_inverse_size_is_usd():
    out = venue().decoder().feed(push("allLiquidation.BTCUSD", [
        liq("BTCUSD", "Sell", "25000", "100000")]), RECEIVED)
    [rec] = out.liquidations
    # 25,000 USD at 100,000 USD/BTC = 0.25 BTC
    assert rec["liquidated_side"] == "short" and rec["asset"] == "BTC"
    assert rec["notional_usd"] == pytest.approx(25000.0)
    assert rec["qty_base"] == pytest.approx(0.25)


def test_identical_entries_in_one_push_stay_two_events_and_ids_are_stable():
    text = push("allLiquidation.SOLUSDT", [liq("SOLUSDT", "Buy", "4", "240")] * 2)
    dec = venue().decoder()
    first = [r["event_id"] for r in dec.feed(text, RECEIVED).liquidations]
    again = [r["event_id"] for r in dec.feed(text, RECEIVED + 5).liquidations]
    assert len(set(first)) == 2 and first == again


def test_bad_entries_are_rejected_alone_while_good_ones_pass():
    bad = [{"T": T0, "s": "FETUSDT", "S": "Buy", "p": "0.9"},
           liq("FETUSDT", "Up", "100", "0.9"),
           liq("NOPEUSDT", "Buy", "100", "0.9"),
           liq("FETUSDT", "Buy", "many", "0.9"),
           liq("FETUSDT", "Buy", "100", "0.9", ts="soon"),
           "not an entry"]
    good = [liq("FETUSDT", "Buy", "1000", "0.9"), liq("FETUSDT", "Sell", "500", "0.92")]
    out = venue().decoder().feed(push("allLiquidation.FETUSDT", [good[0], *bad, good[1]]),
                                 RECEIVED)
    # 1,000 FET × 0.9 = 900 USD; 500 FET × 0.92 = 460 USD
    assert [r["notional_usd"] for r in out.liquidations] == pytest.approx([900.0, 460.0])
    assert [r.reason for r in out.rejects] == ["missing_field", "bad_field",
                                               "unsupported_instrument", "bad_field",
                                               "bad_field", "bad_field"]
    assert [json.loads(r.raw) for r in out.rejects] == bad


def test_public_trades_taker_side_and_units():
    dec = venue().decoder()
    out = dec.feed(push("publicTrade.BTCUSDT", [trade("BTCUSDT", "Buy", "0.01", "100000", "t-1"),
                                                trade("BTCUSDT", "Sell", "0.5", "99990", "t-2")]),
                   RECEIVED)
    assert [(t["taker_side"], t["qty_base"]) for t in out.trades] == [("buy", 0.01),
                                                                      ("sell", 0.5)]
    # 0.01 × 100,000 = 1,000 USD; 0.5 × 99,990 = 49,995 USD
    assert [t["notional_usd"] for t in out.trades] == pytest.approx([1000.0, 49995.0])
    [inv] = dec.feed(push("publicTrade.BTCUSD", [trade("BTCUSD", "Sell", "100", "97800", "u-9")]),
                     RECEIVED).trades
    # 100 USD contracts at 97,800 → 100 / 97,800 BTC
    assert inv["notional_usd"] == pytest.approx(100.0)
    assert inv["qty_base"] == pytest.approx(100 / 97800)
    bad = dec.feed(push("publicTrade.BTCUSDT", [{**trade("BTCUSDT", "Buy", "1", "1", "x"),
                                                 "i": None}]), RECEIVED)
    assert [r.reason for r in bad.rejects] == ["missing_field"]


@pytest.mark.parametrize("text", [
    '{"success":true,"ret_msg":"","conn_id":"c1","req_id":"0","op":"subscribe"}',
    '{"success":true,"ret_msg":"pong","conn_id":"c1","op":"ping"}',
    '{"op":"pong","args":["1737964800100"],"conn_id":"c1"}',
])
def test_acks_and_pongs_are_control_frames(text):
    out = venue().decoder().feed(text, RECEIVED)
    assert not (out.liquidations or out.trades or out.rejects)


@pytest.mark.parametrize(("text", "reason"), [
    ("not json", "bad_json"),
    ("[]", "bad_field"),
    ('{"success":false,"ret_msg":"error:handler not found","conn_id":"c1","op":"subscribe"}',
     "subscribe_failed"),
    ('{"topic":"allLiquidation.BTCUSDT","data":{"s":"BTCUSDT"}}', "bad_field"),
    ('{"topic":"allLiquidation.BTCUSDT"}', "missing_field"),
    ('{"topic":"tickers.BTCUSDT","data":{}}', "unknown_message"),
])
def test_bad_messages_are_rejected_whole(text, reason):
    out = venue().decoder().feed(text, RECEIVED)
    assert [(r.reason, r.raw) for r in out.rejects] == [(reason, text)]


def test_subscriptions_per_category_every_symbol_in_chunks_of_ten():
    subs = venue().subscriptions(["BTCUSDT", "BTCUSD"])
    assert [(s.key, s.url) for s in subs] == [
        ("liquidations:linear", "wss://stream.bybit.com/v5/public/linear"),
        ("trades:linear", "wss://stream.bybit.com/v5/public/linear"),
        ("liquidations:inverse", "wss://stream.bybit.com/v5/public/inverse"),
        ("trades:inverse", "wss://stream.bybit.com/v5/public/inverse")]
    args = {s.key: [a for f in s.frames for a in json.loads(f)["args"]] for s in subs}
    assert args["liquidations:inverse"] == [f"allLiquidation.{b}USD"
                                            for b in ("BTC", "ETH", "SOL", "XRP")]
    assert len(args["liquidations:linear"]) == 9 and args["trades:inverse"] == [
        "publicTrade.BTCUSD"]
    assert all(json.loads(f)["op"] == "subscribe" for s in subs for f in s.frames)
    assert venue().ping_frame() == '{"op":"ping"}'
    with pytest.raises(UnsupportedInstrument):
        venue().subscriptions(["BTC-USDT-SWAP"])

    many = Bybit(instruments_from_markets("bybit", [
        {"id": f"C{n}USDT", "base": f"C{n}", "quote": "USDT", "type": "swap", "linear": True,
         "inverse": False, "contractSize": 1} for n in range(25)]))
    [only] = many.subscriptions([])
    assert only.channel == LIQUIDATIONS
    assert [len(json.loads(f)["args"]) for f in only.frames] == [10, 10, 5]
    assert not [s for s in many.subscriptions([]) if s.channel == TRADES]


def test_instruments_from_snapshot_and_what_is_skipped():
    insts = instruments_from_markets("bybit", json.loads(SNAPSHOT.read_text()))
    assert {s for s, i in insts.items() if i.kind == "linear"} == {
        f"{b}USDT" for b in ("BTC", "ETH", "SOL", "XRP", "DOGE", "FET", "RENDER", "TAO", "WLD")}
    assert {s for s, i in insts.items() if i.kind == "inverse"} == {
        "BTCUSD", "ETHUSD", "SOLUSD", "XRPUSD"}
    assert all(i.contract_size == 1 for i in insts.values())
    got = instruments_from_markets("bybit", [
        {"id": "BTCUSDT", "base": "BTC", "quote": "USDT", "type": "spot"},
        {"id": "BTC-27JUN25-100000-C", "base": "BTC", "quote": "USDC", "type": "option"},
        {"id": "BTCPERP", "base": "BTC", "quote": "USDC", "settle": "USDC", "type": "swap",
         "linear": True, "inverse": False, "contractSize": 1},
        # ccxt puts the minimum order quantity here; the feed's v is USD all the same
        {"id": "ETHUSDH25", "base": "ETH", "quote": "USD", "settle": "ETH", "type": "future",
         "linear": False, "inverse": True, "contractSize": 5},
        {"id": "BTCEUR", "base": "BTC", "quote": "EUR", "type": "swap", "linear": True},
    ])
    assert {s: (i.kind, i.quote, i.contract_size) for s, i in got.items()} == {
        "BTCPERP": ("linear", "USDC", 1), "ETHUSDH25": ("inverse", "USD", 1)}


def test_protocol_refuses_oversized_and_unknown_requests():
    proto = BybitProtocol()
    too_many = proto.on_text(json.dumps({"op": "subscribe", "args": ["a"] * 11}))
    assert not too_many.subscribe and json.loads(too_many.frames[0])["success"] is False
    assert json.loads(proto.on_text('{"op":"dance"}').frames[0])["success"] is False


async def _round_trip() -> None:
    server = ExchangeServer({"/v5/public/linear": BybitProtocol(),
                             "/v5/public/inverse": BybitProtocol()})
    await server.start()
    ven = venue(server.url(""))
    try:
        async with aiohttp.ClientSession() as http:
            for sub in ven.subscriptions([]):
                path = sub.url.removeprefix(server.url(""))
                dec = ven.decoder()
                async with http.ws_connect(sub.url) as ws:
                    for frame in sub.frames:
                        await ws.send_str(frame)
                        ack = json.loads(await asyncio.wait_for(ws.receive_str(), 5))
                        assert (ack["success"], ack["op"]) == (True, "subscribe")
                        assert dec.feed(json.dumps(ack), RECEIVED).rejects == []
                    await ws.send_str(ven.ping_frame())
                    pong = await asyncio.wait_for(ws.receive_str(), 5)
                    assert json.loads(pong)["ret_msg"] == "pong"
                    sym = "XRPUSD" if path.endswith("inverse") else "XRPUSDT"
                    topic = f"allLiquidation.{sym}"
                    await server.wait_for(
                        lambda p=path, t=topic: server.subscribed(p, t), 5)
                    sent = await server.push(path, [
                        push("publicTrade.XRPUSDT", [trade("XRPUSDT", "Buy", "1", "3", "z")]),
                        push(topic, [liq(sym, "Buy", "100", "2.5"),
                                     liq(sym, "Sell", "40", "2.4")])])
                    assert sent == 1  # the trade push had no subscriber
                    out = dec.feed(await asyncio.wait_for(ws.receive_str(), 5), RECEIVED)
                    assert [r["liquidated_side"] for r in out.liquidations] == ["long", "short"]
                    # linear: 100 XRP × 2.5 = 250 USD; inverse: 100 USD
                    assert out.liquidations[0]["notional_usd"] == pytest.approx(
                        100.0 if path.endswith("inverse") else 250.0)
    finally:
        await server.stop()


def test_local_server_round_trip():
    asyncio.run(_round_trip())
