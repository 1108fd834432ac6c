"""What it takes to turn an exchange's size and price into base quantity and USD."""

from __future__ import annotations

from dataclasses import dataclass

USD_QUOTES = frozenset({"USDT", "USDC", "USD", "FDUSD", "BUSD"})


class UnsupportedInstrument(ValueError):
    """A symbol liqwatch cannot value correctly yet; its events go to the dlq."""


@dataclass(frozen=True, slots=True)
class Instrument:
    """A derivatives instrument: base/quote as ccxt writes them, and contract terms."""

    exchange: str
    symbol: str
    base: str
    quote: str
    linear: bool = True

    def notional_usd(self, price: float, qty_base: float) -> float:
        """USD value of a base quantity at a price (linear, USD-like quote only)."""
        if not self.linear or self.quote not in USD_QUOTES:
            raise UnsupportedInstrument(f"{self.exchange} {self.symbol}: only USD-quoted linear contracts are valued")
        return price * qty_base
