"""Binance USD-M (binanceusdm) and COIN-M (binancecoinm): symbol mapping and live feeds.

Liquidations come from `!forceOrder@arr` (every symbol; Binance pushes at most the
latest liquidation per symbol per second, so records are flagged sampled). `o.S` is
the liquidation ORDER's side: SELL closes a long. Sizes are base units on USD-M and
contracts of `contractSize` USD on COIN-M (BTCUSD_* 100 USD, others 10 USD).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import orjson

from connectors.fields import millis as _millis
from connectors.fields import number as _number
from connectors.fields import text as _text
from connectors.instrument import Instrument, UnsupportedInstrument, from_markets, usd_kind
from connectors.venue import (LIQUIDATIONS, TRADES, BadMessage, Decoded, Decoder,
                              Subscription, Venue)
from streams.records import RecordError

CCXT_IDS = ("binanceusdm", "binancecoinm")
TARDIS_NAMES = {"binance-futures": "binanceusdm", "binance-delivery": "binancecoinm"}
_QUOTES = ("USDT", "USDC", "FDUSD", "BUSD")
_LIQUIDATED = {"SELL": "long", "BUY": "short"}  # order side → liquidated position
MAX_STREAMS = 200  # streams per connection (COIN-M's documented limit; USD-M allows more)


def parse_symbol(exchange: str, symbol: str) -> Instrument:
    """BTCUSDT → BTC/USDT linear; BTCUSD_PERP (COIN-M) is inverse."""
    s = symbol.upper()
    if exchange == "binancecoinm" or "_" in s:
        base = s.split("USD_")[0] if "USD_" in s else s
        return Instrument(exchange, symbol, base, "USD", linear=False)
    for quote in _QUOTES:
        if s.endswith(quote) and len(s) > len(quote):
            return Instrument(exchange, symbol, s[: -len(quote)], quote)
    raise UnsupportedInstrument(f"binance symbol {symbol!r} has no known quote currency")


def instruments_from_markets(ccxt_id: str, markets: list[dict]) -> dict[str, Instrument]:
    """Instruments by exchange id from ccxt markets, contract size in the feed's unit
    (USD-M: 1 base unit; COIN-M: contractSize USD); spot, options, non-USD quotes and
    markets without a usable contract size are left out."""
    return from_markets(ccxt_id, markets, _terms)


def _terms(m: dict) -> tuple[str, float] | None:
    kind = usd_kind(m)
    if kind is None:
        return None
    return kind, 1.0 if kind == "linear" else float(m["contractSize"])


class _BinanceFutures(Venue):
    """Shared by USD-M and COIN-M: same streams and payloads, different hosts and units."""

    sampled = True
    ws_path: ClassVar[str] = "/stream"

    def subscriptions(self, trade_symbols: Sequence[str]) -> list[Subscription]:
        """`!forceOrder@arr` on one connection; `<sym>@aggTrade` on as many as the
        per-connection stream limit needs. Unknown trade symbols raise
        UnsupportedInstrument."""
        url = self.endpoint()
        subs = [Subscription(LIQUIDATIONS, url, (_subscribe(["!forceOrder@arr"]),))]
        streams = [f"{self.instrument(s).symbol.lower()}@aggTrade" for s in trade_symbols]
        for n, start in enumerate(range(0, len(streams), MAX_STREAMS)):
            frame = _subscribe(streams[start:start + MAX_STREAMS])
            subs.append(Subscription(TRADES, url, (frame,), name=str(n) if n else ""))
        return subs

    def decoder(self) -> Decoder:
        """Stateless: every Binance message stands alone."""
        return BinanceDecoder(self)


class BinanceUsdm(_BinanceFutures):
    """USD-M futures; market streams are served under /market since Binance's 2025 URL
    split (forceOrder and aggTrade no longer arrive on the bare host)."""

    name = "binanceusdm"
    default_ws_url = "wss://fstream.binance.com"
    ws_path = "/market/stream"


class BinanceCoinm(_BinanceFutures):
    """COIN-M futures (inverse, sizes in USD contracts)."""

    name = "binancecoinm"
    default_ws_url = "wss://dstream.binance.com"


VENUES = (BinanceUsdm, BinanceCoinm)


class BinanceDecoder(Decoder):
    """Combined-stream (`{"stream", "data"}`) or raw frames → records; SUBSCRIBE acks
    are control frames, error answers are rejected so a failed subscription shows."""

    def __init__(self, venue: Venue) -> None:
        self.venue = venue

    def feed(self, text: str, received_ts: int) -> Decoded:
        """Decode one frame; never raises."""
        out = Decoded()
        try:
            msg = orjson.loads(text)
            data = msg.get("data") if isinstance(msg, dict) and "stream" in msg else msg
            if not isinstance(data, dict):
                raise BadMessage("bad_field", "message is not an object")
            event = data.get("e")
            if event == "forceOrder":
                out.liquidations.append(self._liquidation(data, received_ts))
            elif event == "aggTrade":
                out.trades.append(self._trade(data, received_ts))
            elif "result" in data and "id" in data:
                pass  # SUBSCRIBE ack
            elif "id" in data:
                raise BadMessage("subscribe_failed", str(data.get("error", data))[:200])
            else:
                raise BadMessage("unknown_message", f"event {event!r}")
        except orjson.JSONDecodeError as exc:
            out.reject(BadMessage("bad_json", str(exc)), text)
        except (BadMessage, RecordError, UnsupportedInstrument) as exc:
            out.reject(exc, text)
        return out

    def _liquidation(self, data: dict, received_ts: int) -> dict:
        o = data.get("o")
        if not isinstance(o, dict):
            raise BadMessage("missing_field", "o")
        symbol, ts = _text(o, "s"), _millis(o, "T")
        side = _LIQUIDATED.get(_text(o, "S"))
        if side is None:
            raise BadMessage("bad_field", f"S={o['S']!r}")
        price = _positive_or(o, "ap", "p")  # average fill price; limit price if unfilled
        size = _positive_or(o, "z", "q")  # filled quantity; order quantity if unfilled
        return self.venue.liquidation(symbol, side, price, size, ts, received_ts,
                                      f"{ts}:{o['S']}:{price!r}:{size!r}")

    def _trade(self, data: dict, received_ts: int) -> dict:
        maker = data.get("m")
        if not isinstance(maker, bool):
            raise BadMessage("bad_field" if "m" in data else "missing_field", "m")
        if "a" not in data:
            raise BadMessage("missing_field", "a")
        return self.venue.trade(_text(data, "s"), "sell" if maker else "buy",
                                _number(data, "p"), _number(data, "q"), _millis(data, "T"),
                                received_ts, data["a"])


def _subscribe(streams: list[str]) -> str:
    return orjson.dumps({"method": "SUBSCRIBE", "params": streams, "id": 1}).decode()






def _positive_or(obj: dict, key: str, fallback: str) -> float:
    value = _number(obj, key) if key in obj else 0.0
    return value if value > 0 else _number(obj, fallback)


