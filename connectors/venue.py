"""The interface every live exchange connector implements (concrete ones live in
`connectors/exchanges/`, one module per exchange).

A venue says which websocket connections to open and what to send on them, how to keep
them alive, and how to decode what comes back into canonical Liquidation and Trade
dicts (streams.records). The generic session (`connectors.live.session`) owns sockets,
reconnects and gap records; venues own only the exchange's facts.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from connectors.instrument import Instrument, UnsupportedInstrument
from streams.ids import stable_id
from streams.records import RecordError, validate_liquidation, validate_trade

LIQUIDATIONS = "liquidations"
TRADES = "trades"


@dataclass(frozen=True, slots=True)
class Subscription:
    """One websocket connection: where to connect and the frames to send once connected."""

    channel: str  # LIQUIDATIONS or TRADES
    url: str
    frames: tuple[str, ...] = ()
    name: str = ""  # distinguishes several connections of one venue and channel

    @property
    def key(self) -> str:
        """Stable name of this connection, for gaps, logs and metrics."""
        return f"{self.channel}:{self.name}" if self.name else self.channel


class BadMessage(ValueError):
    """A message (or one entry of it) that cannot be decoded; `reason` is a dlq code."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(slots=True)
class Rejected:
    """What goes to the dlq: reason code, detail and the raw text."""

    reason: str
    detail: str
    raw: str


@dataclass(slots=True)
class Decoded:
    """The records and rejects one websocket message produced."""

    liquidations: list[dict] = field(default_factory=list)
    trades: list[dict] = field(default_factory=list)
    rejects: list[Rejected] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)  # frames the exchange wants answered

    def reject(self, exc: BadMessage | RecordError | UnsupportedInstrument, raw: str) -> None:
        """Record a rejected message or entry with its reason."""
        reason = getattr(exc, "reason", "unsupported_instrument")
        detail = getattr(exc, "detail", str(exc))
        self.rejects.append(Rejected(reason, detail, raw))


class Decoder(ABC):
    """Decodes one connection's messages; a fresh one per connection (some feeds send a
    backlog first, some number their messages)."""

    @abstractmethod
    def feed(self, text: str, received_ts: int) -> Decoded:
        """Decode one text frame. Control frames (acks, pongs) give an empty result."""


class Venue(ABC):
    """An exchange's live feeds: connections, keep-alive and decoding."""

    name: ClassVar[str]  # ccxt id, written to the records' `exchange`
    default_ws_url: ClassVar[str]  # scheme and host only; the venue adds its paths
    ws_path: ClassVar[str] = ""  # the documented endpoint path on that host
    ping_interval_s: ClassVar[float] = 20.0
    sampled: ClassVar[bool] = False  # the feed publishes a sample of liquidations

    def __init__(self, instruments: Mapping[str, Instrument], ws_url: str | None = None) -> None:
        self.instruments = instruments
        self.ws_url = (ws_url or self.default_ws_url).rstrip("/")

    def endpoint(self, path: str | None = None) -> str:
        """The websocket URL of `path` (default: the venue's endpoint) on `ws_url`."""
        return self.ws_url + (self.ws_path if path is None else path)

    @abstractmethod
    def subscriptions(self, trade_symbols: Sequence[str]) -> list[Subscription]:
        """Connections to open: all liquidations, and trades of `trade_symbols`
        (exchange ids, e.g. BTCUSDT)."""

    @abstractmethod
    def decoder(self) -> Decoder:
        """A decoder for one new connection."""

    def ping_frame(self) -> str | None:
        """Application-level ping text, or None to use websocket ping frames."""
        return None

    def instrument(self, symbol: str) -> Instrument:
        """The instrument of an exchange symbol, or raise UnsupportedInstrument."""
        inst = self.instruments.get(symbol)
        if inst is None:
            raise UnsupportedInstrument(f"{self.name} symbol {symbol!r} is not in the "
                                        "instrument metadata")
        return inst

    def liquidation(self, symbol: str, liquidated_side: str, price: float, size: float,
                    ts: int, received_ts: int, source_id: object,
                    settle_usd: float | None = None) -> dict:
        """A validated Liquidation from exchange units (`size` in the feed's unit)."""
        inst = self.instrument(symbol)
        qty, usd = inst.value(_finite(price, "price"), _finite(size, "size"), settle_usd)
        rec = {"event_id": stable_id(self.name, "liq", symbol, source_id),
               "exchange": self.name, "symbol": symbol, "asset": inst.base,
               "liquidated_side": liquidated_side, "price": float(price), "qty_base": qty,
               "notional_usd": usd, "ts": int(ts), "received_ts": int(received_ts),
               "is_sampled": self.sampled}
        return validate_liquidation(rec)

    def trade(self, symbol: str, taker_side: str, price: float, size: float, ts: int,
              received_ts: int, source_id: object, settle_usd: float | None = None) -> dict:
        """A validated Trade from exchange units."""
        inst = self.instrument(symbol)
        qty, usd = inst.value(_finite(price, "price"), _finite(size, "size"), settle_usd)
        rec = {"event_id": stable_id(self.name, "trade", symbol, source_id),
               "exchange": self.name, "symbol": symbol, "asset": inst.base,
               "taker_side": taker_side, "price": float(price), "qty_base": qty,
               "notional_usd": usd, "ts": int(ts), "received_ts": int(received_ts)}
        return validate_trade(rec)


def _finite(value: float, name: str) -> float:
    if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise BadMessage("bad_field", f"{name}={value!r} is not a positive number")
    return float(value)
