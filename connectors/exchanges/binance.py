"""Binance USD-M (binanceusdm) and COIN-M (binancecoinm) symbol mapping."""

from __future__ import annotations

from connectors.exchanges.instrument import Instrument, UnsupportedInstrument

CCXT_IDS = ("binanceusdm", "binancecoinm")
TARDIS_NAMES = {"binance-futures": "binanceusdm", "binance-delivery": "binancecoinm"}
_QUOTES = ("USDT", "USDC", "FDUSD", "BUSD")


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
