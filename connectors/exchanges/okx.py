"""OKX v5 instrument ids: BTC-USDT-SWAP (linear), BTC-USD-SWAP (inverse), futures."""

from __future__ import annotations

from connectors.exchanges.instrument import Instrument, UnsupportedInstrument

CCXT_IDS = ("okx",)
TARDIS_NAMES = {"okex-swap": "okx", "okex-futures": "okx"}


def parse_symbol(exchange: str, symbol: str) -> Instrument:
    """BASE-QUOTE-SWAP or BASE-QUOTE-YYMMDD; USD-quoted ones are inverse."""
    parts = symbol.upper().split("-")
    if len(parts) < 3:
        raise UnsupportedInstrument(f"okx instrument {symbol!r} is not BASE-QUOTE-TYPE")
    base, quote = parts[0], parts[1]
    return Instrument(exchange, symbol, base, quote, linear=quote != "USD")
