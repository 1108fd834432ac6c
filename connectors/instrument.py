"""What it takes to turn an exchange's size and price into base quantity and USD.

Three contract kinds (ARCHITECTURE.md, exchange facts):
- linear: size × contract_size is base quantity (contract_size in base; 1 when the
  exchange reports base directly); USD = base × price for a USD-like quote.
- inverse: size × contract_size is USD (contract_size in USD per contract);
  base = USD / price.
- quanto: contract value in the settle currency is price × contract_size × size
  (BitMEX's multiplier, already scaled to settle units); USD needs the settle
  currency's USD price, which the caller passes as `settle_usd`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

USD_QUOTES = frozenset({"USDT", "USDC", "USD", "FDUSD", "BUSD"})
KINDS = ("linear", "inverse", "quanto")


class UnsupportedInstrument(ValueError):
    """A symbol liqwatch cannot value correctly; its events go to the dlq."""


@dataclass(frozen=True, slots=True)
class Instrument:
    """A derivatives instrument: base/quote as ccxt writes them, and contract terms."""

    exchange: str
    symbol: str
    base: str
    quote: str
    linear: bool = True
    kind: str = ""
    contract_size: float = 1.0
    settle: str = ""

    def __post_init__(self) -> None:
        if not self.kind:
            object.__setattr__(self, "kind", "linear" if self.linear else "inverse")
        if self.kind not in KINDS:
            raise UnsupportedInstrument(f"{self.exchange} {self.symbol}: unknown kind {self.kind!r}")
        object.__setattr__(self, "linear", self.kind == "linear")
        if not self.contract_size > 0:
            raise UnsupportedInstrument(f"{self.exchange} {self.symbol}: contract size "
                                        f"{self.contract_size} is not positive")

    def notional_usd(self, price: float, qty_base: float) -> float:
        """USD value of a base quantity at a price (USD-quoted linear instruments; inverse
        and quanto sizes are contracts, valued by `value`)."""
        if self.kind != "linear":
            raise UnsupportedInstrument(f"{self.exchange} {self.symbol}: {self.kind} contract "
                                        "sizes are contracts, not base quantity")
        if self.quote not in USD_QUOTES:
            raise UnsupportedInstrument(f"{self.exchange} {self.symbol}: quote {self.quote} "
                                        "is not a USD currency")
        return price * qty_base

    def value(self, price: float, size: float,
              settle_usd: float | None = None) -> tuple[float, float]:
        """(qty_base, notional_usd) of `size` contracts (or base units) at `price`."""
        if self.kind == "linear":
            qty = size * self.contract_size
            return qty, self.notional_usd(price, qty)
        if self.kind == "inverse":
            usd = size * self.contract_size
            return usd / price, usd
        if settle_usd is None or not settle_usd > 0:
            raise UnsupportedInstrument(f"{self.exchange} {self.symbol}: quanto contract "
                                        f"needs the {self.settle or 'settle'} USD price")
        usd = price * self.contract_size * size * settle_usd
        return usd / price, usd


Terms = Callable[[dict], "tuple[str, float] | None"]


def usd_kind(market: dict) -> str | None:
    """'linear' for a USD-like quoted linear ccxt market, 'inverse' for a USD inverse one,
    else None (liqwatch cannot value it in USD)."""
    if market.get("linear") and market.get("quote") in USD_QUOTES:
        return "linear"
    if market.get("inverse") and market.get("quote") == "USD":
        return "inverse"
    return None


def from_markets(ccxt_id: str, markets: Iterable[dict], terms: Terms) -> dict[str, Instrument]:
    """Instruments by exchange id from ccxt swap and future markets. `terms(market)` is the
    venue's (kind, contract size in the feed's unit), or None to leave the market out;
    rows missing a field or with unusable values are left out too."""
    out: dict[str, Instrument] = {}
    for m in markets:
        if m.get("type") not in ("swap", "future"):
            continue
        try:
            found = terms(m)
            if found is None:
                continue
            kind, size = found
            inst = Instrument(ccxt_id, m["id"], m["base"], m["quote"], kind=kind,
                              contract_size=size, settle=m.get("settle") or "")
        except (KeyError, TypeError, ValueError, ZeroDivisionError):
            continue  # UnsupportedInstrument is a ValueError
        out[inst.symbol] = inst
    return out
