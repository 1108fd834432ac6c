"""Bybit v5 symbol mapping: linear (…USDT/…USDC/…PERP) and inverse (…USD)."""

from __future__ import annotations

from connectors.exchanges.instrument import Instrument, UnsupportedInstrument

CCXT_IDS = ("bybit",)
TARDIS_NAMES = {"bybit": "bybit"}


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
