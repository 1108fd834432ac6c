"""Exchange mappings, one module per exchange: names, symbols, instruments."""

from __future__ import annotations

from connectors.exchanges import binance, bybit, okx
from connectors.exchanges.instrument import Instrument, UnsupportedInstrument

MODULES = (binance, bybit, okx)
TARDIS_TO_CCXT: dict[str, str] = {name: ccxt_id for m in MODULES
                                  for name, ccxt_id in m.TARDIS_NAMES.items()}


def instrument(exchange: str, symbol: str) -> Instrument:
    """Instrument of a symbol on an exchange (ccxt id), or raise UnsupportedInstrument."""
    for m in MODULES:
        if exchange in m.CCXT_IDS:
            return m.parse_symbol(exchange, symbol)
    raise UnsupportedInstrument(f"unknown exchange {exchange!r}")


__all__ = ["Instrument", "UnsupportedInstrument", "TARDIS_TO_CCXT", "instrument"]
