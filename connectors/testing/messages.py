"""Exchange push messages in each venue's documented format, for tests and demos that
drive the real connectors through local servers (connectors.testing.server).

Field layouts follow the exchanges' public docs (ARCHITECTURE.md lists the sources);
sizes are in each feed's own unit, as the exchange sends them.
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson


def _dumps(obj: object) -> str:
    return orjson.dumps(obj).decode()


def binance_force_order(symbol: str, order_side: str, qty: float, avg_price: float, ts: int,
                        stream: str = "!forceOrder@arr") -> str:
    """A combined-stream forceOrder: `order_side` SELL closes a long; `qty` in base units
    (USD-M) or contracts (COIN-M); filled at `avg_price`."""
    return _dumps({"stream": stream, "data": {"e": "forceOrder", "E": ts, "o": {
        "s": symbol, "S": order_side, "o": "LIMIT", "f": "IOC", "q": str(qty),
        "p": str(round(avg_price * 0.99, 2)), "ap": str(avg_price), "X": "FILLED",
        "l": str(qty), "z": str(qty), "T": ts}}})


def bybit_all_liquidation(symbol: str, entries: Sequence[tuple[str, float, float]],
                          ts: int) -> str:
    """An allLiquidation push; each entry is (position side Buy|Sell, size, bankruptcy
    price); size is base (linear) or USD (inverse)."""
    return _dumps({"topic": f"allLiquidation.{symbol}", "type": "snapshot", "ts": ts,
                   "data": [{"T": ts, "s": symbol, "S": side, "v": str(size), "p": str(price)}
                            for side, size, price in entries]})


def okx_liquidation_orders(inst_type: str, inst_id: str,
                           details: Sequence[tuple[str, str, float, float]], ts: int) -> str:
    """A liquidation-orders push for one instrument; each detail is (order side,
    posSide, sz in contracts, bkPx)."""
    family = inst_id.rsplit("-", 1)[0]
    return _dumps({"arg": {"channel": "liquidation-orders", "instType": inst_type}, "data": [
        {"instId": inst_id, "instType": inst_type, "instFamily": family, "uly": family,
         "details": [{"bkLoss": "0", "bkPx": str(px), "ccy": "", "posSide": pos, "side": side,
                      "sz": str(sz), "ts": str(ts + n)}
                     for n, (side, pos, sz, px) in enumerate(details)]}]})


def bitmex_liquidations(action: str, rows: Sequence[tuple[str, str, str, float, float]]) -> str:
    """A liquidation table message; rows are (orderID, symbol, order side, leavesQty in
    contracts, price)."""
    return _dumps({"table": "liquidation", "action": action, "data": [
        {"orderID": oid, "symbol": sym, "side": side, "price": px, "leavesQty": qty}
        for oid, sym, side, qty, px in rows]})


def bitmex_instrument(symbol: str, mark_price: float, action: str = "update") -> str:
    """An instrument table row carrying the mark price (XBTUSD values quanto contracts)."""
    return _dumps({"table": "instrument", "action": action, "data": [
        {"symbol": symbol, "markPrice": mark_price, "timestamp": "2025-01-27T07:25:00.000Z"}]})


def deribit_trades(trades: Sequence[tuple[str, str, str, float, float, str | None]], ts: int,
                   channel: str = "trades.future.any.100ms") -> str:
    """A trades notification; each trade is (trade_id, instrument, taker direction, amount,
    price, liquidation M|T|MT|None); amount is USD (inverse) or base (USDC linear)."""
    data = []
    for trade_id, symbol, direction, amount, price, liquidation in trades:
        t = {"trade_seq": 1, "trade_id": trade_id, "timestamp": ts, "tick_direction": 0,
             "price": price, "mark_price": price, "index_price": price,
             "instrument_name": symbol, "direction": direction, "amount": amount}
        if liquidation:
            t["liquidation"] = liquidation
        data.append(t)
    return _dumps({"jsonrpc": "2.0", "method": "subscription",
                   "params": {"channel": channel, "data": data}})
