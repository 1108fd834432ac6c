"""Binance USD-M and COIN-M venues: side meaning, base/USD value per contract kind,
rejects with reasons, subscriptions, snapshot instruments, and a local server round trip."""

import asyncio
import json
from pathlib import Path

import aiohttp
import pytest

from connectors.exchanges import binance
from connectors.exchanges.binance import BinanceCoinm, BinanceUsdm, instruments_from_markets
from connectors.instrument import UnsupportedInstrument
from connectors.testing.protocols.binance import BinanceProtocol
from connectors.testing.server import ExchangeServer
from connectors.venue import LIQUIDATIONS, TRADES

SNAPSHOTS = Path(binance.__file__).parent / "snapshots"
RECEIVED = 1737964801000


def markets(ccxt_id):
    return json.loads((SNAPSHOTS / f"{ccxt_id}.json").read_text())


def usdm():
    return BinanceUsdm(instruments_from_markets("binanceusdm", markets("binanceusdm")))


def coinm():
    return BinanceCoinm(instruments_from_markets("binancecoinm", markets("binancecoinm")))


def force_order(symbol, side, q="1", p="100", ap="100", z="1", ts=1737964800498, stream=True):
    data = {"e": "forceOrder", "E": ts + 2, "o": {"s": symbol, "S": side, "o": "LIMIT",
            "f": "IOC", "q": q, "p": p, "ap": ap, "X": "FILLED", "l": z, "z": z, "T": ts}}
    return json.dumps({"stream": "!forceOrder@arr", "data": data} if stream else data)


def agg_trade(symbol, maker, q, p, agg_id=5001, ts=1737964800600):
    data = {"e": "aggTrade", "E": ts + 5, "a": agg_id, "s": symbol, "p": p, "q": q,
            "f": 100, "l": 105, "T": ts, "m": maker}
    return json.dumps({"stream": f"{symbol.lower()}@aggTrade", "data": data})


def test_usdm_sell_order_means_long_liquidated_in_base_units():
    out = usdm().decoder().feed(force_order("ETHUSDT", "SELL", q="2.500", p="3010.00",
                                            ap="3020.40", z="2.500"), RECEIVED)
    assert not out.rejects
    [liq] = out.liquidations
    assert (liq["exchange"], liq["symbol"], liq["asset"]) == ("binanceusdm", "ETHUSDT", "ETH")
    assert liq["liquidated_side"] == "long"
    assert liq["price"] == 3020.40 and liq["qty_base"] == 2.5
    assert liq["notional_usd"] == pytest.approx(7551.0)  # 2.5 ETH × 3,020.40
    assert liq["ts"] == 1737964800498 and liq["received_ts"] == RECEIVED
    assert liq["is_sampled"] is True


def test_usdm_buy_order_means_short_liquidated_and_unfilled_falls_back_to_order():
    # raw (non-combined) framing; nothing filled yet: size q, limit price p
    out = usdm().decoder().feed(force_order("SOLUSDT", "BUY", q="10", p="240.5", ap="0",
                                            z="0", stream=False), RECEIVED)
    [liq] = out.liquidations
    assert liq["liquidated_side"] == "short"
    assert liq["qty_base"] == 10 and liq["price"] == 240.5
    assert liq["notional_usd"] == pytest.approx(2405.0)


def test_coinm_sizes_are_usd_contracts():
    dec = coinm().decoder()
    [btc] = dec.feed(force_order("BTCUSD_PERP", "SELL", q="3", p="99000", ap="100000",
                                 z="3"), RECEIVED).liquidations
    # 3 contracts × 100 USD = 300 USD; 300 / 100,000 = 0.003 BTC
    assert btc["liquidated_side"] == "long" and btc["asset"] == "BTC"
    assert btc["notional_usd"] == pytest.approx(300.0)
    assert btc["qty_base"] == pytest.approx(0.003)
    [eth] = dec.feed(force_order("ETHUSD_PERP", "BUY", q="7", p="3500", ap="3500", z="7"),
                     RECEIVED).liquidations
    # 7 contracts × 10 USD = 70 USD; 70 / 3,500 = 0.02 ETH
    assert eth["liquidated_side"] == "short"
    assert eth["notional_usd"] == pytest.approx(70.0)
    assert eth["qty_base"] == pytest.approx(0.02)
    assert eth["exchange"] == "binancecoinm" and eth["is_sampled"] is True


def test_agg_trades_taker_side_from_buyer_maker_flag():
    dec = usdm().decoder()
    [sell] = dec.feed(agg_trade("BTCUSDT", True, "0.250", "100000.0"), RECEIVED).trades
    assert sell["taker_side"] == "sell" and sell["qty_base"] == 0.25
    assert sell["notional_usd"] == pytest.approx(25000.0)
    [buy] = dec.feed(agg_trade("BTCUSDT", False, "0.250", "100000.0", agg_id=5002),
                     RECEIVED).trades
    assert buy["taker_side"] == "buy" and buy["event_id"] != sell["event_id"]
    [inv] = coinm().decoder().feed(agg_trade("BTCUSD_PERP", False, "5", "97800"),
                                   RECEIVED).trades
    # 5 contracts × 100 USD = 500 USD; 500 / 97,800 BTC
    assert inv["notional_usd"] == pytest.approx(500.0)
    assert inv["qty_base"] == pytest.approx(500 / 97800)


def test_event_ids_are_stable_and_distinguish_events():
    dec = usdm().decoder()
    a = dec.feed(force_order("BTCUSDT", "SELL", ap="97000", z="0.5"), RECEIVED).liquidations
    again = dec.feed(force_order("BTCUSDT", "SELL", ap="97000", z="0.5"), RECEIVED + 9)
    other = dec.feed(force_order("BTCUSDT", "SELL", ap="97000", z="0.6"), RECEIVED)
    assert a[0]["event_id"] == again.liquidations[0]["event_id"]
    assert a[0]["event_id"] != other.liquidations[0]["event_id"]


@pytest.mark.parametrize(("text", "reason"), [
    ("{not json", "bad_json"),
    ("[1, 2]", "bad_field"),
    (force_order("BTCUSDT", "HOLD"), "bad_field"),
    (force_order("BTCUSDT", "SELL", ap="abc", z="1"), "bad_field"),
    (force_order("BTCUSDT", "SELL", q="-1", z="-1"), "bad_field"),
    (force_order("NOPEUSDT", "SELL"), "unsupported_instrument"),
    (force_order("BTCUSDT", "SELL", ts=1737964800), "bad_timestamp"),
    (json.dumps({"e": "forceOrder", "o": {"s": "BTCUSDT", "S": "SELL", "q": "1",
                                          "p": "1"}}), "missing_field"),
    (json.dumps({"e": "forceOrder"}), "missing_field"),
    (json.dumps({"e": "aggTrade", "s": "BTCUSDT", "p": "1", "q": "1", "T": 1737964800000,
                 "a": 1, "m": "yes"}), "bad_field"),
    (json.dumps({"code": 2, "msg": "Invalid request", "id": 1}), "subscribe_failed"),
    (json.dumps({"e": "markPriceUpdate"}), "unknown_message"),
])
def test_bad_messages_are_rejected_with_reason_and_raw(text, reason):
    out = usdm().decoder().feed(text, RECEIVED)
    assert not out.liquidations and not out.trades
    assert [(r.reason, r.raw) for r in out.rejects] == [(reason, text)]


def test_subscribe_ack_is_a_control_frame():
    out = usdm().decoder().feed('{"result":null,"id":1}', RECEIVED)
    assert not (out.liquidations or out.trades or out.rejects)


def test_subscriptions_all_liquidations_and_requested_trades():
    subs = usdm().subscriptions(["BTCUSDT", "ETHUSDT"])
    assert [(s.channel, s.url, s.key) for s in subs] == [
        (LIQUIDATIONS, "wss://fstream.binance.com/market/stream", LIQUIDATIONS),
        (TRADES, "wss://fstream.binance.com/market/stream", TRADES)]
    assert [json.loads(f)["params"] for s in subs for f in s.frames] == [
        ["!forceOrder@arr"], ["btcusdt@aggTrade", "ethusdt@aggTrade"]]
    coin = coinm().subscriptions(["BTCUSD_PERP"])
    assert coin[0].url == "wss://dstream.binance.com/stream"
    assert json.loads(coin[1].frames[0])["params"] == ["btcusd_perp@aggTrade"]
    assert len(usdm().subscriptions([])) == 1
    with pytest.raises(UnsupportedInstrument):
        usdm().subscriptions(["BTCUSD_PERP"])


def test_trade_streams_split_across_connections_at_the_stream_limit():
    symbols = [f"C{n}USDT" for n in range(binance.MAX_STREAMS + 1)]
    venue = BinanceUsdm(instruments_from_markets("binanceusdm", [
        {"id": s, "base": s[:-4], "quote": "USDT", "settle": "USDT", "type": "swap",
         "linear": True, "inverse": False, "contractSize": 1} for s in symbols]))
    trades = [s for s in venue.subscriptions(symbols) if s.channel == TRADES]
    assert [s.key for s in trades] == [TRADES, f"{TRADES}:1"]
    assert [len(json.loads(s.frames[0])["params"]) for s in trades] == [binance.MAX_STREAMS, 1]


def test_instruments_from_snapshots():
    linear = instruments_from_markets("binanceusdm", markets("binanceusdm"))
    assert set(linear) == {"BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "DOGEUSDT", "FETUSDT",
                           "RENDERUSDT", "TAOUSDT", "WLDUSDT"}
    assert all(i.kind == "linear" and i.contract_size == 1 and i.quote == "USDT"
               for i in linear.values())
    assert linear["RENDERUSDT"].base == "RENDER"
    inverse = instruments_from_markets("binancecoinm", markets("binancecoinm"))
    assert {s: (i.kind, i.contract_size, i.base) for s, i in inverse.items()} == {
        "BTCUSD_PERP": ("inverse", 100, "BTC"), "ETHUSD_PERP": ("inverse", 10, "ETH"),
        "SOLUSD_PERP": ("inverse", 10, "SOL"), "XRPUSD_PERP": ("inverse", 10, "XRP"),
        "DOGEUSD_PERP": ("inverse", 10, "DOGE")}


def test_instruments_skip_what_cannot_be_valued():
    got = instruments_from_markets("binancecoinm", [
        {"id": "BTCUSD_250627", "base": "BTC", "quote": "USD", "settle": "BTC",
         "type": "future", "linear": False, "inverse": True, "contractSize": 100},
        {"id": "ETHUSD_PERP", "base": "ETH", "quote": "USD", "settle": "ETH", "type": "swap",
         "linear": False, "inverse": True, "contractSize": None},
        {"id": "BTCUSDT", "base": "BTC", "quote": "USDT", "type": "spot"},
        {"id": "ETHBTC", "base": "ETH", "quote": "BTC", "settle": "BTC", "type": "swap",
         "linear": True, "inverse": False, "contractSize": 1},
        {"id": "BROKEN", "type": "swap", "linear": True},
    ])
    assert list(got) == ["BTCUSD_250627"]


def test_protocol_subscribes_by_url_and_refuses_unknown_requests():
    assert BinanceProtocol().on_connect({"streams": "a@aggTrade/!forceOrder@arr"}).subscribe == [
        "a@aggTrade", "!forceOrder@arr"]
    assert BinanceProtocol("/ws/a@aggTrade/b@aggTrade").on_connect({}).subscribe == [
        "a@aggTrade", "b@aggTrade"]
    refused = BinanceProtocol().on_text('{"method":"SUBSCRIBE","params":"x","id":7}')
    assert not refused.subscribe and json.loads(refused.frames[0])["id"] == 7
    assert usdm().decoder().feed(refused.frames[0], RECEIVED).rejects[0].reason == (
        "subscribe_failed")


async def _round_trip() -> None:
    server = ExchangeServer({"/market/stream": BinanceProtocol(),
                             "/ws/btcusdt@aggTrade": BinanceProtocol("/ws/btcusdt@aggTrade")})
    await server.start()
    venue = BinanceUsdm(usdm().instruments, ws_url=server.url(""))
    try:
        async with aiohttp.ClientSession() as http:
            [liq_sub, _] = venue.subscriptions(["BTCUSDT"])
            async with http.ws_connect(liq_sub.url) as ws:
                dec = venue.decoder()
                for frame in liq_sub.frames:
                    await ws.send_str(frame)
                    ack = await asyncio.wait_for(ws.receive_str(), 5)
                    assert json.loads(ack) == {"result": None, "id": 1}
                    assert dec.feed(ack, RECEIVED).rejects == []
                await server.wait_for(lambda: server.subscribed("/market/stream",
                                                                "!forceOrder@arr"), 5)
                # a stream this connection did not subscribe to is not delivered
                await server.push("/market/stream", [agg_trade("BTCUSDT", True, "1", "1"),
                                                     force_order("BTCUSDT", "SELL", z="0.5",
                                                                 ap="98000")])
                out = dec.feed(await asyncio.wait_for(ws.receive_str(), 5), RECEIVED)
                assert [(r["symbol"], r["liquidated_side"], r["notional_usd"])
                        for r in out.liquidations] == [("BTCUSDT", "long", 49000.0)]
            # subscription by URL (/ws/<stream>): raw payloads, no ack
            async with http.ws_connect(server.url("/ws/btcusdt@aggTrade")) as ws:
                await server.wait_for(lambda: server.subscribed("/ws/btcusdt@aggTrade"), 5)
                raw = json.dumps(json.loads(agg_trade("BTCUSDT", False, "2", "100"))["data"])
                await server.push("/ws/btcusdt@aggTrade", [raw])
                out = dec.feed(await asyncio.wait_for(ws.receive_str(), 5), RECEIVED)
                assert [(t["taker_side"], t["notional_usd"]) for t in out.trades] == [
                    ("buy", 200.0)]
    finally:
        await server.stop()


def test_local_server_round_trip():
    asyncio.run(_round_trip())
