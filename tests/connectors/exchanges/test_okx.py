"""OKX venue: order/position side meaning, ctVal units for linear and inverse, every detail
published, the post-subscribe backlog dropped, bad entries rejected alone, snapshot
instruments, and a local server round trip."""

import asyncio
import json
from pathlib import Path

import aiohttp
import pytest

from connectors.exchanges import okx
from connectors.exchanges.okx import INST_TYPES, OkxVenue, instruments_from_markets
from connectors.testing.protocols.okx import OkxProtocol
from connectors.testing.server import ExchangeServer
from connectors.venue import LIQUIDATIONS, TRADES

SNAPSHOT = Path(okx.__file__).parent / "snapshots" / "okx.json"
RECEIVED = 1737964801000
T0 = 1737964800123


def venue(ws_url=None):
    return OkxVenue(instruments_from_markets("okx", json.loads(SNAPSHOT.read_text())), ws_url)


def detail(side, pos_side, sz, px, ts=T0):
    return {"bkLoss": "0", "bkPx": px, "ccy": "", "posSide": pos_side, "side": side,
            "sz": sz, "ts": str(ts)}


def entry(inst_id, *details):
    family = "-".join(inst_id.split("-")[:2])
    inst_type = "SWAP" if inst_id.endswith("-SWAP") else "FUTURES"
    return {"details": list(details), "instFamily": family, "instId": inst_id,
            "instType": inst_type, "uly": family}


def push(entries, inst_type="SWAP"):
    return json.dumps({"arg": {"channel": "liquidation-orders", "instType": inst_type},
                       "data": entries})


def primed(v=None):
    """A decoder past the backlog of both instTypes, as after a subscription."""
    dec = (v or venue()).decoder()
    for inst_type in INST_TYPES:
        assert dec.feed(push([], inst_type), RECEIVED).rejects == []
    return dec


def test_first_message_per_inst_type_and_connection_is_a_dropped_backlog():
    v = venue()
    dec = v.decoder()
    backlog = push([entry("BTC-USDT-SWAP", detail("sell", "long", "1", "100000"))])
    out = dec.feed(backlog, RECEIVED)
    assert (out.liquidations, out.trades, out.rejects) == ([], [], [])  # control, not reject
    futures_backlog = push([entry("BTC-USD-250328", detail("buy", "short", "1", "100000"))],
                           "FUTURES")
    assert dec.feed(futures_backlog, RECEIVED).liquidations == []  # FUTURES has its own
    assert len(dec.feed(backlog, RECEIVED).liquidations) == 1      # now live
    assert v.decoder().feed(backlog, RECEIVED).liquidations == []  # new connection: again


def test_every_detail_of_every_instrument_is_published():
    out = primed().feed(push([
        entry("BTC-USDT-SWAP", detail("sell", "long", "3", "100000.5"),
              detail("sell", "long", "1", "100010", T0 + 5),
              detail("buy", "short", "2", "100020", T0 + 9)),
        entry("ETH-USDT-SWAP", detail("sell", "long", "12", "3020"))]), RECEIVED)
    assert out.rejects == []
    assert [(r["symbol"], r["liquidated_side"], r["ts"]) for r in out.liquidations] == [
        ("BTC-USDT-SWAP", "long", T0), ("BTC-USDT-SWAP", "long", T0 + 5),
        ("BTC-USDT-SWAP", "short", T0 + 9), ("ETH-USDT-SWAP", "long", T0)]
    assert len({r["event_id"] for r in out.liquidations}) == 4
    assert all(r["exchange"] == "okx" and r["is_sampled"] is True
               and r["received_ts"] == RECEIVED for r in out.liquidations)
    again = primed().feed(push([entry("ETH-USDT-SWAP", detail("sell", "long", "12", "3020"))]),
                          RECEIVED)
    assert again.liquidations[0]["event_id"] == out.liquidations[3]["event_id"]


@pytest.mark.parametrize("side,pos_side,liquidated", [
    ("sell", "long", "long"), ("buy", "short", "short"),     # hedge mode: posSide decides
    ("sell", "net", "long"), ("buy", "net", "short"),        # one-way: the order side does
    ("buy", "", "short"), ("sell", None, "long")])
def test_liquidated_side_from_position_side_or_order_side(side, pos_side, liquidated):
    out = primed().feed(push([entry("SOL-USDT-SWAP", detail(side, pos_side, "1", "250"))]),
                        RECEIVED)
    assert [r["liquidated_side"] for r in out.liquidations] == [liquidated]


def test_linear_sizes_are_contracts_of_ctval_base():
    out = primed().feed(push([
        entry("BTC-USDT-SWAP", detail("sell", "long", "3", "100000.5")),
        entry("DOGE-USDT-SWAP", detail("buy", "short", "4", "0.35"))]), RECEIVED)
    btc, doge = out.liquidations
    # 3 contracts × 0.01 BTC = 0.03 BTC; × 100,000.5 = 3,000.015 USD
    assert (btc["asset"], btc["price"]) == ("BTC", 100000.5)
    assert btc["qty_base"] == pytest.approx(0.03)
    assert btc["notional_usd"] == pytest.approx(3000.015)
    # 4 contracts × 1,000 DOGE = 4,000 DOGE; × 0.35 = 1,400 USD
    assert doge["qty_base"] == pytest.approx(4000.0)
    assert doge["notional_usd"] == pytest.approx(1400.0)


def test_inverse_sizes_are_usd_contracts():
    out = primed().feed(push([
        entry("BTC-USD-SWAP", detail("sell", "long", "7", "97800")),
        entry("ETH-USD-SWAP", detail("buy", "short", "25", "3000"))]), RECEIVED)
    btc, eth = out.liquidations
    # BTC-USD-SWAP: 7 × 100 USD = 700 USD = 700 / 97,800 BTC
    assert btc["notional_usd"] == pytest.approx(700.0)
    assert btc["qty_base"] == pytest.approx(700 / 97800)
    # ETH-USD-SWAP: 25 × 10 USD = 250 USD = 250 / 3,000 ETH
    assert eth["notional_usd"] == pytest.approx(250.0)
    assert eth["qty_base"] == pytest.approx(250 / 3000)


def test_bad_entries_are_rejected_alone_with_reasons():
    no_price = detail("sell", "long", "1", "100")
    del no_price["bkPx"]
    out = primed().feed(push([
        entry("SOL-USDT-SWAP", detail("sell", "long", "2", "250"), no_price,
              detail("sell", "long", "abc", "250"), detail("hold", "net", "1", "250"),
              detail("sell", "long", "1", "250", ts="1737964800.5")),
        entry("PEPE-USDT-SWAP", detail("sell", "long", "1", "0.00002")),
        {"instId": "SOL-USDT-SWAP"},
        entry("SOL-USDT-SWAP", detail("buy", "short", "0", "250"))]), RECEIVED)
    assert [(r["symbol"], r["qty_base"]) for r in out.liquidations] == [("SOL-USDT-SWAP", 2.0)]
    assert [r.reason for r in out.rejects] == ["missing_field", "bad_field", "bad_field",
                                               "bad_field", "unsupported_instrument",
                                               "missing_field", "bad_field"]
    raw = json.loads(out.rejects[0].raw)  # the rejected detail alone, with its instrument
    assert raw["instId"] == "SOL-USDT-SWAP" and raw["details"] == [no_price]


def test_control_and_malformed_frames():
    dec = primed()
    for control in ("pong", json.dumps({"event": "subscribe", "connId": "a1",
                                        "arg": {"channel": "liquidation-orders",
                                                "instType": "SWAP"}})):
        out = dec.feed(control, RECEIVED)
        assert (out.liquidations, out.trades, out.rejects) == ([], [], [])
    cases = {"{not json": "bad_json", "[1, 2]": "bad_field",
             json.dumps({"event": "error", "code": "60018", "msg": "doesn't exist"}):
                 "subscribe_failed",
             json.dumps({"arg": {"channel": "tickers", "instId": "BTC-USDT-SWAP"},
                         "data": []}): "unknown_message",
             json.dumps({"arg": {"channel": "trades"}}): "missing_field"}
    for text, reason in cases.items():
        [rej] = dec.feed(text, RECEIVED).rejects
        assert (rej.reason, rej.raw) == (reason, text)


def test_trades_are_taker_side_and_contracts():
    text = json.dumps({"arg": {"channel": "trades", "instId": "ETH-USDT-SWAP"}, "data": [
        {"instId": "ETH-USDT-SWAP", "tradeId": "91", "px": "3000", "sz": "5", "side": "sell",
         "ts": str(T0), "count": "2"},
        {"instId": "ETH-USDT-SWAP", "tradeId": "92", "px": "3001", "sz": "1", "side": "up",
         "ts": str(T0)}]})
    out = venue().decoder().feed(text, RECEIVED)  # trades have no backlog to drop
    [t] = out.trades
    assert (t["taker_side"], t["asset"], t["ts"]) == ("sell", "ETH", T0)
    # 5 contracts × 0.1 ETH = 0.5 ETH × 3,000 = 1,500 USD
    assert t["qty_base"] == pytest.approx(0.5) and t["notional_usd"] == pytest.approx(1500.0)
    assert [r.reason for r in out.rejects] == ["bad_field"]


def test_subscriptions_and_keepalive():
    v = venue()
    liq, trades = v.subscriptions(["BTC-USDT-SWAP", "ETH-USD-SWAP"])
    assert (liq.channel, liq.url, trades.channel) == (LIQUIDATIONS, "wss://ws.okx.com:8443/ws/v5/public", TRADES)
    assert json.loads(liq.frames[0]) == {"op": "subscribe", "args": [
        {"channel": "liquidation-orders", "instType": "SWAP"},
        {"channel": "liquidation-orders", "instType": "FUTURES"}]}
    assert json.loads(trades.frames[0])["args"] == [
        {"channel": "trades", "instId": "BTC-USDT-SWAP"},
        {"channel": "trades", "instId": "ETH-USD-SWAP"}]
    assert [s.channel for s in v.subscriptions([])] == [LIQUIDATIONS]
    assert v.ping_frame() == "ping" and v.ping_interval_s < 30 and v.sampled is True


def test_instruments_from_snapshot_and_skips():
    insts = instruments_from_markets("okx", json.loads(SNAPSHOT.read_text()))
    assert {s: (i.kind, i.contract_size) for s, i in insts.items()} == {
        "BTC-USDT-SWAP": ("linear", 0.01), "ETH-USDT-SWAP": ("linear", 0.1),
        "SOL-USDT-SWAP": ("linear", 1.0), "XRP-USDT-SWAP": ("linear", 100.0),
        "DOGE-USDT-SWAP": ("linear", 1000.0), "FET-USDT-SWAP": ("linear", 10.0),
        "RENDER-USDT-SWAP": ("linear", 1.0), "WLD-USDT-SWAP": ("linear", 1.0),
        "BTC-USD-SWAP": ("inverse", 100.0), "ETH-USD-SWAP": ("inverse", 10.0)}
    assert insts["ETH-USD-SWAP"].base == "ETH" and insts["ETH-USD-SWAP"].settle == "ETH"
    skipped = instruments_from_markets("okx", [
        {"id": "BTC-USDT", "type": "spot", "base": "BTC", "quote": "USDT"},
        {"id": "BTC-USD-250328-100000-C", "type": "option", "base": "BTC", "quote": "USD",
         "inverse": True, "contractSize": 0.01},
        {"id": "X-USDT-SWAP", "type": "swap", "base": "X", "quote": "USDT", "linear": True,
         "contractSize": 10, "info": {"ctValCcy": "USD"}},
        {"id": "Y-USDT-SWAP", "type": "swap", "base": "Y", "quote": "USDT", "linear": True,
         "contractSize": None},
        {"id": "BTC-EUR-SWAP", "type": "swap", "base": "BTC", "quote": "EUR", "linear": True,
         "contractSize": 0.01}])
    assert skipped == {}


def test_tardis_symbol_parser_is_unchanged():
    inst = okx.parse_symbol("okx", "FET-USDT-SWAP")
    assert (inst.base, inst.quote, inst.kind) == ("FET", "USDT", "linear")
    assert okx.parse_symbol("okx", "BTC-USD-SWAP").kind == "inverse"


async def _round_trip() -> None:
    path = "/ws/v5/public"
    server = ExchangeServer({path: OkxProtocol()})
    await server.start()
    try:
        v = venue(server.url(""))
        liq_sub = v.subscriptions([])[0]
        dec = v.decoder()
        async with aiohttp.ClientSession() as http, http.ws_connect(liq_sub.url) as ws:
            for frame in liq_sub.frames:
                await ws.send_str(frame)
            for inst_type in INST_TYPES:
                ack = await asyncio.wait_for(ws.receive_str(), 5)
                assert json.loads(ack)["arg"]["instType"] == inst_type
                assert dec.feed(ack, RECEIVED).rejects == []
            await server.wait_for(lambda: server.subscribed(path, "liquidation-orders:FUTURES"), 5)
            trade = json.dumps({"arg": {"channel": "trades", "instId": "BTC-USDT-SWAP"},
                                "data": []})
            assert await server.push(path, [trade]) == 0  # not subscribed to trades
            live = push([entry("BTC-USDT-SWAP", detail("sell", "long", "2", "100000"),
                               detail("buy", "short", "1", "100100"))])
            assert await server.push(path, [push([]), live]) == 2
            backlog = dec.feed(await asyncio.wait_for(ws.receive_str(), 5), RECEIVED)
            out = dec.feed(await asyncio.wait_for(ws.receive_str(), 5), RECEIVED)
            assert (backlog.liquidations, backlog.rejects) == ([], [])
            assert [r["liquidated_side"] for r in out.liquidations] == ["long", "short"]
            await ws.send_str(v.ping_frame())
            pong = await asyncio.wait_for(ws.receive_str(), 5)
            assert pong == "pong" and dec.feed(pong, RECEIVED).rejects == []
    finally:
        await server.stop()


def test_round_trip_through_a_local_okx_server():
    asyncio.run(_round_trip())


ODD_VALUES = (None, True, -1, 1e400, "", "x", [1], {"a": 1})


def test_feed_never_raises_on_odd_field_values():
    good = detail("sell", "long", "1", "100")
    for key in good:
        for odd in ODD_VALUES:
            dec = primed()
            dec.feed(push([entry("BTC-USDT-SWAP", {**good, key: odd})]), RECEIVED)
            dec.feed(push([{**entry("BTC-USDT-SWAP", good), "instId": odd}]), RECEIVED)
            dec.feed(json.dumps({"arg": {"channel": "trades", "instType": odd},
                                 "data": [{"instId": "BTC-USDT-SWAP", key: odd}]}), RECEIVED)
