"""Exchange mappings, one module per exchange: names, symbols, instruments, live feeds."""

from __future__ import annotations

from types import ModuleType

from connectors.exchanges import binance, bitmex, bybit, deribit, okx
from connectors.instrument import Instrument, UnsupportedInstrument

MODULES = (binance, bybit, okx, bitmex, deribit)
TARDIS_TO_CCXT: dict[str, str] = {name: ccxt_id for m in MODULES
                                  for name, ccxt_id in m.TARDIS_NAMES.items()}


def instrument(exchange: str, symbol: str) -> Instrument:
    """Instrument of a symbol on an exchange (ccxt id), or raise UnsupportedInstrument."""
    for m in MODULES:
        if exchange in m.CCXT_IDS:
            return m.parse_symbol(exchange, symbol)
    raise UnsupportedInstrument(f"unknown exchange {exchange!r}")


def venue_module(ccxt_id: str) -> tuple[ModuleType, type]:
    """The mapping module and live Venue class of an exchange (ccxt id)."""
    for m in MODULES:
        for cls in m.VENUES:
            if cls.name == ccxt_id:
                return m, cls
    raise UnsupportedInstrument(f"no live connector for exchange {ccxt_id!r}")


__all__ = ["Instrument", "UnsupportedInstrument", "TARDIS_TO_CCXT", "instrument", "venue_module"]
