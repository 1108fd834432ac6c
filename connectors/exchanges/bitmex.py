"""BitMEX: symbol mapping, instruments and the live realtime feed.

Liquidations are the `liquidation` table: only `insert` rows are new liquidation orders
(`partial` is the snapshot of open ones sent on subscribe; `update`/`delete` follow an
order as it fills). `side` is the liquidation ORDER's side (Buy closes a short), size
`leavesQty` in contracts. The payload has no timestamp, so a liquidation's `ts` is the
time liqwatch received it. Contract terms (BitMEX's documented formulas, from /instrument):
inverse (XBTUSD) multiplier/underlyingToSettleMultiplier USD per contract, linear
1/underlyingToPositionMultiplier base per contract, quanto (ETHUSD) |multiplier| in the
settle currency per contract and per 1 of price — its USD value needs the XBT price,
kept from `instrument:XBTUSD` on the same connection.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import orjson

from connectors import fields
from connectors.fields import dumps as _dumps
from connectors.fields import obj as _object
from connectors.fields import text as _text
from connectors.instrument import Instrument, USD_QUOTES, UnsupportedInstrument, from_markets
from connectors.venue import (LIQUIDATIONS, TRADES, BadMessage, Decoded, Decoder,
                              Subscription, Venue)
from streams.records import RecordError

CCXT_IDS = ("bitmex",)
TARDIS_NAMES = {"bitmex": "bitmex"}
SETTLE_PRICE_SYMBOL = "XBTUSD"  # USD per XBT, for quanto contracts settled in XBT
SATOSHI_PER_XBT = 1e8  # quanto multipliers are in XBt (satoshi)
_LIQUIDATED = {"Sell": "long", "Buy": "short"}  # order side → liquidated position
_XBT_INVERSE = re.compile(r"XBT(USD|[FGHJKMNQUVXZ]\d\d)")  # perpetual and quarterly futures
_ENTRY_ERRORS = (BadMessage, RecordError, UnsupportedInstrument)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_symbol(exchange: str, symbol: str) -> Instrument:
    """XBTUSD and XBT quarterly futures (XBTH25): inverse, 1 USD per contract. Linear and
    quanto multipliers differ per contract, so any other symbol needs market metadata."""
    if _XBT_INVERSE.fullmatch(symbol.upper()):
        return Instrument(exchange, symbol, "BTC", "USD", kind="inverse", contract_size=1.0,
                          settle="BTC")
    raise UnsupportedInstrument(f"bitmex symbol {symbol!r}: contract terms unknown without "
                                "market metadata")


def instruments_from_markets(ccxt_id: str, markets: list[dict]) -> dict[str, Instrument]:
    """Instruments by BitMEX symbol, contract size from the raw instrument fields in
    `info` (ccxt's contractSize is the raw multiplier for inverse and quanto): USD per
    contract (inverse), base per contract (linear), XBT per contract and 1 of price
    (quanto). Non-USD quotes and quantos not settled in XBT are left out."""
    return from_markets(ccxt_id, markets, _terms)


def _terms(m: dict) -> tuple[str, float] | None:
    info = m.get("info") or {}
    if m.get("quote") not in USD_QUOTES:
        return None
    if info.get("isQuanto"):
        if info.get("settlCurrency") != "XBt":
            return None
        return "quanto", abs(float(info["multiplier"])) / SATOSHI_PER_XBT
    if info.get("isInverse"):
        if m["quote"] != "USD":
            return None
        return "inverse", float(info["multiplier"]) / float(info["underlyingToSettleMultiplier"])
    return "linear", 1.0 / float(info["underlyingToPositionMultiplier"])


class BitmexVenue(Venue):
    """BitMEX realtime: the liquidation table and trade:<symbol>, each connection also
    following instrument:XBTUSD for the XBT price quanto contracts are valued with."""

    name = "bitmex"
    default_ws_url = "wss://ws.bitmex.com"
    ws_path = "/realtime"
    ping_interval_s = 5.0  # BitMEX: ping when nothing was received for 5 s

    def subscriptions(self, trade_symbols: Sequence[str]) -> list[Subscription]:
        """The liquidation table on one connection, trades of each symbol on another."""
        settle = f"instrument:{SETTLE_PRICE_SYMBOL}"
        subs = [Subscription(LIQUIDATIONS, self.endpoint(), (_subscribe(["liquidation", settle]),))]
        if trade_symbols:
            args = [f"trade:{s}" for s in trade_symbols] + [settle]
            subs.append(Subscription(TRADES, self.endpoint(), (_subscribe(args),)))
        return subs

    def decoder(self) -> Decoder:
        """A decoder that does not know the XBT price yet."""
        return BitmexDecoder(self)

    def ping_frame(self) -> str | None:
        """Text "ping", answered "pong"."""
        return "ping"


VENUES = (BitmexVenue,)


class BitmexDecoder(Decoder):
    """Table messages → records, one reject per bad row; keeps the last XBTUSD mark (or
    last) price; a quanto row before that price is known is rejected `no_settle_price`."""

    def __init__(self, venue: Venue) -> None:
        self.venue = venue
        self.xbt_usd: float | None = None

    def feed(self, text: str, received_ts: int) -> Decoded:
        """Decode one frame; never raises."""
        out = Decoded()
        if text == "pong":
            return out
        try:
            msg = orjson.loads(text)
            if not isinstance(msg, dict):
                raise BadMessage("bad_field", "message is not an object")
            if "error" in msg:
                raise BadMessage("subscribe_failed", str(msg["error"])[:200])
            table, action, rows = msg.get("table"), msg.get("action"), msg.get("data")
            if table is None:
                return out  # welcome message, subscribe success
            if not isinstance(rows, list):
                raise BadMessage("missing_field", "data")
            if table == "instrument":
                self._settle_price(rows)
            elif table in ("liquidation", "trade"):
                if action == "insert":  # partial: snapshot; update/delete: not new
                    self._rows(table, rows, received_ts, out)
            else:
                raise BadMessage("unknown_message", f"table {table!r}")
        except orjson.JSONDecodeError as exc:
            out.reject(BadMessage("bad_json", str(exc)), text)
        except BadMessage as exc:
            out.reject(exc, text)
        return out

    def _settle_price(self, rows: list) -> None:
        for row in rows:
            if isinstance(row, dict) and row.get("symbol") == SETTLE_PRICE_SYMBOL:
                price = row.get("markPrice", row.get("lastPrice"))
                if isinstance(price, (int, float)) and not isinstance(price, bool) and price > 0:
                    self.xbt_usd = float(price)

    def _rows(self, table: str, rows: list, received_ts: int, out: Decoded) -> None:
        for row in rows:
            try:
                if table == "liquidation":
                    out.liquidations.append(self._liquidation(row, received_ts))
                else:
                    out.trades.append(self._trade(row, received_ts))
            except _ENTRY_ERRORS as exc:
                out.reject(exc, _dumps({"table": table, "action": "insert", "data": [row]}))

    def _liquidation(self, row: object, received_ts: int) -> dict:
        row = _object(row)
        symbol = _text(row, "symbol")
        side = _LIQUIDATED.get(str(row.get("side")))
        if side is None:
            raise BadMessage("bad_field" if "side" in row else "missing_field", "side")
        return self.venue.liquidation(symbol, side, _number(row, "price"),
                                      _number(row, "leavesQty"), received_ts, received_ts,
                                      _text(row, "orderID"), self._settle_usd(symbol))

    def _trade(self, row: object, received_ts: int) -> dict:
        row = _object(row)
        symbol, side = _text(row, "symbol"), row.get("side")
        if side not in ("Buy", "Sell"):
            raise BadMessage("bad_field" if "side" in row else "missing_field", "side")
        return self.venue.trade(symbol, side.lower(), _number(row, "price"),
                                _number(row, "size"), _iso_millis(row, "timestamp"),
                                received_ts, _text(row, "trdMatchID"), self._settle_usd(symbol))

    def _settle_usd(self, symbol: str) -> float | None:
        """The XBT price for quanto contracts; None for the others."""
        if self.venue.instrument(symbol).kind != "quanto":
            return None
        if self.xbt_usd is None:
            raise BadMessage("no_settle_price", f"{symbol} is quanto and the "
                             f"{SETTLE_PRICE_SYMBOL} price is not known yet")
        return self.xbt_usd


def _subscribe(args: list[str]) -> str:
    return orjson.dumps({"op": "subscribe", "args": args}).decode()










def _iso_millis(obj: dict, key: str) -> int:
    """BitMEX timestamps are ISO 8601 UTC, e.g. 2025-01-27T07:25:00.123Z."""
    value = _text(obj, key)
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise BadMessage("bad_field", f"{key}={value!r} is not an ISO time with zone")
    return (when - _EPOCH) // timedelta(milliseconds=1)


def _number(o: dict, key: str) -> float:
    return fields.number(o, key, wire="json")
