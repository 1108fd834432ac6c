"""OKX v5: instrument ids (BTC-USDT-SWAP linear, BTC-USD-SWAP inverse, futures) and the
live public feeds.

Liquidations come from `liquidation-orders` per instType (SWAP, FUTURES). OKX samples
them, and the first data message of each instType after subscribing is a backlog of
recent liquidations, not new ones: it is dropped. Each data entry is one instrument whose
`details[]` are all liquidations. `side` is the liquidation ORDER's side (buy closes a
short), `posSide` the position's side (long/short, or net in one-way mode); `sz` is in
contracts of ctVal (base for linear, USD for inverse), price `bkPx`.
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson

from connectors import fields
from connectors.fields import dumps as _dumps
from connectors.fields import text as _text
from connectors.instrument import Instrument, UnsupportedInstrument, from_markets, usd_kind
from connectors.venue import (LIQUIDATIONS, TRADES, BadMessage, Decoded, Decoder,
                              Subscription, Venue)
from streams.records import RecordError

CCXT_IDS = ("okx",)
TARDIS_NAMES = {"okex-swap": "okx", "okex-futures": "okx"}
INST_TYPES = ("SWAP", "FUTURES")
_LIQUIDATED = {"sell": "long", "buy": "short"}  # order side → liquidated position
_ENTRY_ERRORS = (BadMessage, RecordError, UnsupportedInstrument)


def parse_symbol(exchange: str, symbol: str) -> Instrument:
    """BASE-QUOTE-SWAP or BASE-QUOTE-YYMMDD; USD-quoted ones are inverse."""
    parts = symbol.upper().split("-")
    if len(parts) < 3:
        raise UnsupportedInstrument(f"okx instrument {symbol!r} is not BASE-QUOTE-TYPE")
    base, quote = parts[0], parts[1]
    return Instrument(exchange, symbol, base, quote, linear=quote != "USD")


def instruments_from_markets(ccxt_id: str, markets: list[dict]) -> dict[str, Instrument]:
    """SWAP/FUTURES instruments by instId with contract_size = ctVal (base per contract
    for linear, USD for inverse); markets whose ctVal is in another currency, non-USD
    quotes, options and spot are left out."""
    return from_markets(ccxt_id, markets, _terms)


def _terms(m: dict) -> tuple[str, float] | None:
    kind = usd_kind(m)
    unit = m.get("base") if kind == "linear" else "USD"
    if kind is None or (m.get("info") or {}).get("ctValCcy", unit) != unit:
        return None
    return kind, float(m["contractSize"])


class OkxVenue(Venue):
    """OKX public websocket: liquidation-orders (SWAP and FUTURES) and trades per instId."""

    name = "okx"
    default_ws_url = "wss://ws.okx.com:8443"
    ws_path = "/ws/v5/public"
    ping_interval_s = 20.0  # OKX drops a connection silent for 30 s
    sampled = True

    def subscriptions(self, trade_symbols: Sequence[str]) -> list[Subscription]:
        """All liquidations on one connection, the trades channel of each symbol on another."""
        liq = _subscribe([{"channel": "liquidation-orders", "instType": t} for t in INST_TYPES])
        subs = [Subscription(LIQUIDATIONS, self.endpoint(), (liq,))]
        if trade_symbols:
            trades = _subscribe([{"channel": "trades", "instId": s} for s in trade_symbols])
            subs.append(Subscription(TRADES, self.endpoint(), (trades,)))
        return subs

    def decoder(self) -> Decoder:
        """A decoder that has seen no backlog yet."""
        return OkxDecoder(self)

    def ping_frame(self) -> str | None:
        """OKX has no websocket-level ping: text "ping", answered "pong"."""
        return "ping"


VENUES = (OkxVenue,)


class OkxDecoder(Decoder):
    """Push messages → records, one reject per bad detail or trade; drops the first
    liquidation-orders message of each instType on this connection (the backlog)."""

    def __init__(self, venue: Venue) -> None:
        self.venue = venue
        self.backlog_seen: set[str] = set()

    def feed(self, text: str, received_ts: int) -> Decoded:
        """Decode one frame; never raises."""
        out = Decoded()
        if text == "pong":
            return out
        try:
            msg = orjson.loads(text)
            if not isinstance(msg, dict):
                raise BadMessage("bad_field", "message is not an object")
            if "event" in msg:
                if msg["event"] == "error":
                    raise BadMessage("subscribe_failed", f"{msg.get('code')}: {msg.get('msg')}")
                return out  # subscribe/unsubscribe acks, connection notices
            arg, data = msg.get("arg"), msg.get("data")
            if not isinstance(arg, dict) or not isinstance(data, list):
                raise BadMessage("missing_field", "arg/data")
            channel = arg.get("channel")
            if channel == "liquidation-orders":
                inst_type = str(arg.get("instType"))
                if inst_type not in self.backlog_seen:
                    self.backlog_seen.add(inst_type)
                    return out
                for entry in data:
                    self._liquidations(entry, received_ts, out)
            elif channel == "trades":
                for t in data:
                    try:
                        out.trades.append(self._trade(t, received_ts))
                    except _ENTRY_ERRORS as exc:
                        out.reject(exc, _dumps(t))
            else:
                raise BadMessage("unknown_message", f"channel {channel!r}")
        except orjson.JSONDecodeError as exc:
            out.reject(BadMessage("bad_json", str(exc)), text)
        except BadMessage as exc:
            out.reject(exc, text)
        return out

    def _liquidations(self, entry: object, received_ts: int, out: Decoded) -> None:
        if not isinstance(entry, dict) or not isinstance(entry.get("details"), list):
            out.reject(BadMessage("missing_field", "details"), _dumps(entry))
            return
        for d in entry["details"]:
            one = {**entry, "details": [d]}  # a bad detail is rejected with its instrument
            try:
                out.liquidations.append(self._liquidation(one, received_ts))
            except _ENTRY_ERRORS as exc:
                out.reject(exc, _dumps(one))

    def _liquidation(self, one: dict, received_ts: int) -> dict:
        inst_id, d = _text(one, "instId"), one["details"][0]
        if not isinstance(d, dict):
            raise BadMessage("bad_field", "detail is not an object")
        pos_side = d.get("posSide")
        side = pos_side if pos_side in ("long", "short") else _LIQUIDATED.get(str(d.get("side")))
        if side is None:
            raise BadMessage("bad_field", f"side={d.get('side')!r} posSide={pos_side!r}")
        ts, px, sz = _millis(d, "ts"), _number(d, "bkPx"), _number(d, "sz")
        return self.venue.liquidation(inst_id, side, px, sz, ts, received_ts,
                                      f"{ts}:{d.get('side')}:{pos_side}:{d['bkPx']}:{d['sz']}")

    def _trade(self, t: object, received_ts: int) -> dict:
        if not isinstance(t, dict):
            raise BadMessage("bad_field", "trade is not an object")
        side = t.get("side")
        if side not in ("buy", "sell"):
            raise BadMessage("bad_field" if "side" in t else "missing_field", "side")
        return self.venue.trade(_text(t, "instId"), side, _number(t, "px"), _number(t, "sz"),
                                _millis(t, "ts"), received_ts, _text(t, "tradeId"))


def _subscribe(args: list[dict]) -> str:
    return orjson.dumps({"op": "subscribe", "args": args}).decode()


def _number(o: dict, key: str) -> float:
    return fields.number(o, key, wire="string")


def _millis(o: dict, key: str) -> int:
    return fields.millis(o, key, wire="string")
