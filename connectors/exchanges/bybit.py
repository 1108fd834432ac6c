"""Bybit v5: symbol mapping and live feeds, linear (…USDT/…USDC/…PERP) and inverse (…USD).

Liquidations come from `allLiquidation.{symbol}` (every liquidation, pushed every
500 ms as a list); Bybit has no all-symbols topic, so every instrument of a category
is subscribed on that category's connection. `S` is the liquidated POSITION's side
(Buy = long). `v` is base units on linear contracts and USD on inverse ones.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import orjson

from connectors.fields import millis as _millis
from connectors.fields import number as _number
from connectors.fields import obj as _entry
from connectors.fields import text as _text
from connectors.instrument import Instrument, UnsupportedInstrument, from_markets, usd_kind
from connectors.venue import (LIQUIDATIONS, TRADES, BadMessage, Decoded, Decoder,
                              Subscription, Venue)
from streams.records import RecordError

CCXT_IDS = ("bybit",)
TARDIS_NAMES = {"bybit": "bybit"}
PATHS = {"linear": "/v5/public/linear", "inverse": "/v5/public/inverse"}
ARGS_PER_FRAME = 10  # Bybit's limit of topics in one subscribe request
_LIQUIDATED = {"Buy": "long", "Sell": "short"}  # position side → liquidated side
_TAKER = {"Buy": "buy", "Sell": "sell"}


def parse_symbol(exchange: str, symbol: str) -> Instrument:
    """BTCUSDT → BTC/USDT linear; BTCPERP → BTC/USDC linear; BTCUSD → inverse."""
    s = symbol.upper()
    if s.endswith("USDT"):
        return Instrument(exchange, symbol, s[:-4], "USDT")
    if s.endswith("PERP"):
        return Instrument(exchange, symbol, s[:-4], "USDC")
    if s.endswith("USDC"):
        return Instrument(exchange, symbol, s[:-4], "USDC")
    if s.endswith("USD"):
        return Instrument(exchange, symbol, s[:-3], "USD", linear=False)
    raise UnsupportedInstrument(f"bybit symbol {symbol!r} has no known quote currency")


def instruments_from_markets(ccxt_id: str, markets: list[dict]) -> dict[str, Instrument]:
    """Instruments by exchange id from ccxt markets; contract size is 1 because the feed's
    `v` is already base (linear) or USD (inverse) — ccxt's inverse contractSize is the
    minimum order quantity, not a multiplier. Spot, options and non-USD quotes are left
    out (spot ids like BTCUSDT would collide with the perpetuals)."""
    return from_markets(ccxt_id, markets, lambda m: (k, 1.0) if (k := usd_kind(m)) else None)


class Bybit(Venue):
    """Bybit v5 public streams, one connection per category and channel."""

    name = "bybit"
    default_ws_url = "wss://stream.bybit.com"
    ping_interval_s = 20.0

    def subscriptions(self, trade_symbols: Sequence[str]) -> list[Subscription]:
        """Per category: `allLiquidation.<sym>` for every instrument of the category and
        `publicTrade.<sym>` for its trade symbols. Unknown trade symbols raise
        UnsupportedInstrument."""
        trade_kinds = {s: self.instrument(s).kind for s in trade_symbols}
        subs: list[Subscription] = []
        for kind, path in PATHS.items():
            url = self.endpoint(path)
            liq = [f"allLiquidation.{s}" for s, i in self.instruments.items() if i.kind == kind]
            trades = [f"publicTrade.{s}" for s, k in trade_kinds.items() if k == kind]
            for channel, topics in ((LIQUIDATIONS, liq), (TRADES, trades)):
                if topics:
                    subs.append(Subscription(channel, url, _subscribe(topics), name=kind))
        return subs

    def decoder(self) -> Decoder:
        """Stateless: every Bybit message stands alone."""
        return BybitDecoder(self)

    def ping_frame(self) -> str | None:
        """Bybit wants an application-level ping (every 20 s) or drops the connection."""
        return '{"op":"ping"}'


VENUES = (Bybit,)


class BybitDecoder(Decoder):
    """`{"topic", "data": [...]}` pushes → records, entry by entry; acks and pongs are
    control frames, failed subscriptions are rejected so they show."""

    def __init__(self, venue: Venue) -> None:
        self.venue = venue

    def feed(self, text: str, received_ts: int) -> Decoded:
        """Decode one frame; a bad entry is rejected alone, never raises."""
        out = Decoded()
        try:
            msg = orjson.loads(text)
            if not isinstance(msg, dict):
                raise BadMessage("bad_field", "message is not an object")
            topic = msg.get("topic")
            if topic is None:
                if msg.get("success") is False:
                    raise BadMessage("subscribe_failed", str(msg.get("ret_msg"))[:200])
                return out  # subscribe ack or pong
            kind = str(topic).split(".", 1)[0]
            if kind not in ("allLiquidation", "publicTrade"):
                raise BadMessage("unknown_message", f"topic {topic!r}")
            data = msg.get("data")
            if not isinstance(data, list):
                raise BadMessage("missing_field" if data is None else "bad_field", "data")
        except orjson.JSONDecodeError as exc:
            out.reject(BadMessage("bad_json", str(exc)), text)
            return out
        except BadMessage as exc:
            out.reject(exc, text)
            return out
        repeats: Counter[tuple] = Counter()
        for entry in data:
            try:
                if kind == "allLiquidation":
                    out.liquidations.append(self._liquidation(entry, received_ts, repeats))
                else:
                    out.trades.append(self._trade(entry, received_ts))
            except (BadMessage, RecordError, UnsupportedInstrument) as exc:
                out.reject(exc, orjson.dumps(entry).decode())
        return out

    def _liquidation(self, entry: object, received_ts: int, repeats: Counter) -> dict:
        e = _entry(entry)
        symbol, position, ts = _text(e, "s"), _text(e, "S"), _millis(e, "T")
        side = _LIQUIDATED.get(position)
        if side is None:
            raise BadMessage("bad_field", f"S={position!r}")
        price, size = _number(e, "p"), _number(e, "v")
        # no id on the wire: the fields identify it, plus an occurrence number so two
        # identical liquidations in one push stay two events
        key = (ts, position, price, size)
        repeats[key] += 1
        return self.venue.liquidation(symbol, side, price, size, ts, received_ts,
                                      f"{ts}:{position}:{price!r}:{size!r}:{repeats[key]}")

    def _trade(self, entry: object, received_ts: int) -> dict:
        e = _entry(entry)
        side = _TAKER.get(_text(e, "S"))
        if side is None:
            raise BadMessage("bad_field", f"S={e['S']!r}")
        return self.venue.trade(_text(e, "s"), side, _number(e, "p"), _number(e, "v"),
                                _millis(e, "T"), received_ts, _text(e, "i"))


def _subscribe(topics: list[str]) -> tuple[str, ...]:
    chunks = [topics[i:i + ARGS_PER_FRAME] for i in range(0, len(topics), ARGS_PER_FRAME)]
    return tuple(orjson.dumps({"op": "subscribe", "req_id": str(n), "args": chunk}).decode()
                 for n, chunk in enumerate(chunks))








