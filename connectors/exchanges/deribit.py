"""Deribit: symbol mapping, instruments and the live JSON-RPC feed.

Deribit has no liquidation channel: a liquidation is a trade carrying `liquidation`:
"T" (the taker was liquidated), "M" (the maker was) or "MT" (both, one record each).
`direction` is the taker's side, so a liquidated taker's order side is `direction` and a
liquidated maker's is the opposite; a sell order closes a long. `amount` is USD for
inverse contracts (BTC-PERPETUAL, BTC-27JUN25) and base coin for linear USDC ones
(SOL_USDC-PERPETUAL), so the contract size in the feed's unit is always 1. Every futures
trade comes on `trades.future.any.100ms` (`raw` needs an authorised connection); the
trades of configured symbols are taken from the same channel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import orjson

from connectors import fields
from connectors.fields import dumps as _dumps
from connectors.fields import text as _text
from connectors.instrument import (Instrument, USD_QUOTES, UnsupportedInstrument,
                                   from_markets, usd_kind)
from connectors.venue import LIQUIDATIONS, BadMessage, Decoded, Decoder, Subscription, Venue
from streams.records import RecordError

CCXT_IDS = ("deribit",)
TARDIS_NAMES = {"deribit": "deribit"}
CHANNEL = "trades.future.any.100ms"
HEARTBEAT_S = 30  # public/set_heartbeat interval; each test_request is answered by public/test
_OPPOSITE = {"buy": "sell", "sell": "buy"}
_ENTRY_ERRORS = (BadMessage, RecordError, UnsupportedInstrument)


def parse_symbol(exchange: str, symbol: str) -> Instrument:
    """BTC-PERPETUAL, BTC-27JUN25: inverse, amount in USD; SOL_USDC-PERPETUAL: linear,
    amount in base. Options, combos and spot are not supported."""
    parts = symbol.upper().split("-")
    if len(parts) != 2 or not parts[0]:
        raise UnsupportedInstrument(f"deribit instrument {symbol!r} is not a future")
    base, _, quote = parts[0].partition("_")
    if not quote:
        return Instrument(exchange, symbol, base, "USD", kind="inverse", settle=base)
    if quote not in USD_QUOTES:
        raise UnsupportedInstrument(f"deribit instrument {symbol!r}: quote {quote} is not USD")
    return Instrument(exchange, symbol, base, quote, kind="linear", settle=quote)


def instruments_from_markets(ccxt_id: str, markets: list[dict]) -> dict[str, Instrument]:
    """Futures and perpetuals by instrument name, contract size 1 in the feed's unit (USD
    for inverse, base for linear: ccxt's contractSize is the order granularity, which
    `amount` already includes); options, combos, spot and non-USD quotes are left out."""
    return from_markets(ccxt_id, markets, lambda m: (k, 1.0) if (k := usd_kind(m)) else None)


class DeribitVenue(Venue):
    """One connection on the all-futures trades channel gives every liquidation and the
    trades of the configured symbols."""

    name = "deribit"
    default_ws_url = "wss://www.deribit.com"
    ws_path = "/ws/api/v2"

    def __init__(self, instruments: Mapping[str, Instrument], ws_url: str | None = None) -> None:
        super().__init__(instruments, ws_url)
        self.trade_symbols: frozenset[str] = frozenset()

    def subscriptions(self, trade_symbols: Sequence[str]) -> list[Subscription]:
        """Heartbeat and the trades channel on one connection; remembers `trade_symbols`
        for the decoders, which publish those symbols' trades from the same channel."""
        self.trade_symbols = frozenset(trade_symbols)
        frames = (_request(1, "public/set_heartbeat", {"interval": HEARTBEAT_S}),
                  _request(2, "public/subscribe", {"channels": [CHANNEL]}))
        return [Subscription(LIQUIDATIONS, self.endpoint(), frames)]

    def decoder(self) -> Decoder:
        """Stateless apart from the trade symbols."""
        return DeribitDecoder(self, self.trade_symbols)


VENUES = (DeribitVenue,)


class DeribitDecoder(Decoder):
    """Trade notifications → liquidations (and trades of `trade_symbols`), one reject per
    bad trade; trades of other instruments that are not liquidations are skipped."""

    def __init__(self, venue: Venue, trade_symbols: frozenset[str]) -> None:
        self.venue = venue
        self.trade_symbols = trade_symbols

    def feed(self, text: str, received_ts: int) -> Decoded:
        """Decode one frame; never raises. RPC results and heartbeats are control frames."""
        out = Decoded()
        try:
            msg = orjson.loads(text)
            if not isinstance(msg, dict):
                raise BadMessage("bad_field", "message is not an object")
            if "error" in msg:
                raise BadMessage("subscribe_failed", str(msg["error"])[:200])
            if msg.get("method") == "heartbeat":
                if (msg.get("params") or {}).get("type") == "test_request":
                    out.replies.append(_request(3, "public/test", {}))
                return out
            if msg.get("method") != "subscription":
                return out
            params = msg.get("params")
            data = params.get("data") if isinstance(params, dict) else None
            if not isinstance(data, list):
                raise BadMessage("missing_field", "params.data")
            if not str(params.get("channel")).startswith("trades."):
                raise BadMessage("unknown_message", f"channel {params.get('channel')!r}")
            for t in data:
                try:
                    self._trade(t, received_ts, out)
                except _ENTRY_ERRORS as exc:
                    out.reject(exc, _dumps(t))
        except orjson.JSONDecodeError as exc:
            out.reject(BadMessage("bad_json", str(exc)), text)
        except BadMessage as exc:
            out.reject(exc, text)
        return out

    def _trade(self, t: object, received_ts: int, out: Decoded) -> None:
        if not isinstance(t, dict):
            raise BadMessage("bad_field", "trade is not an object")
        symbol, liquidated = _text(t, "instrument_name"), t.get("liquidation")
        traded = symbol in self.trade_symbols
        if liquidated is None and not traded:
            return
        if liquidated not in (None, "M", "T", "MT"):
            raise BadMessage("bad_field", f"liquidation={liquidated!r}")
        direction = t.get("direction")
        if direction not in ("buy", "sell"):
            raise BadMessage("bad_field" if "direction" in t else "missing_field", "direction")
        price, amount, ts = _number(t, "price"), _number(t, "amount"), _millis(t, "timestamp")
        trade_id = _trade_id(t)
        liquidations = []
        for who in liquidated or "":
            order_side = direction if who == "T" else _OPPOSITE[direction]
            side = "long" if order_side == "sell" else "short"
            liquidations.append(self.venue.liquidation(symbol, side, price, amount, ts,
                                                       received_ts, f"{trade_id}:{side}"))
        if traded:
            out.trades.append(self.venue.trade(symbol, direction, price, amount, ts,
                                               received_ts, trade_id))
        out.liquidations.extend(liquidations)


def _request(req_id: int, method: str, params: dict) -> str:
    return orjson.dumps({"jsonrpc": "2.0", "id": req_id, "method": method,
                         "params": params}).decode()










def _trade_id(obj: dict) -> str:
    """Deribit sends trade_id as a string; an integer is accepted as its digits."""
    value = obj.get("trade_id")
    if value is None:
        raise BadMessage("missing_field", "trade_id")
    if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
        raise BadMessage("bad_field", f"trade_id={value!r}")
    return str(value)


def _number(o: dict, key: str) -> float:
    return fields.number(o, key, wire="json")


def _millis(o: dict, key: str) -> int:
    return fields.millis(o, key, wire="json")
