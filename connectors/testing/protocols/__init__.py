"""Server-side exchange websocket protocols for connectors.testing.server, and which
protocol serves which venue's paths."""

from __future__ import annotations

from connectors import exchanges as ex
from connectors.testing.protocols.binance import BinanceProtocol
from connectors.testing.protocols.bitmex import BitmexProtocol
from connectors.testing.protocols.bybit import BybitProtocol
from connectors.testing.protocols.deribit import DeribitProtocol
from connectors.testing.protocols.okx import OkxProtocol
from connectors.testing.server import ExchangeProtocol


def protocols_for(venue: str) -> dict[str, ExchangeProtocol]:
    """Fresh protocols for every path the venue's connector uses (ccxt id)."""
    if venue == "binanceusdm":
        return {ex.binance.BinanceUsdm.ws_path: BinanceProtocol()}
    if venue == "binancecoinm":
        return {ex.binance.BinanceCoinm.ws_path: BinanceProtocol()}
    if venue == "bybit":
        return {path: BybitProtocol() for path in ex.bybit.PATHS.values()}
    if venue == "okx":
        return {ex.okx.OkxVenue.ws_path: OkxProtocol()}
    if venue == "bitmex":
        return {ex.bitmex.BitmexVenue.ws_path: BitmexProtocol()}
    if venue == "deribit":
        return {ex.deribit.DeribitVenue.ws_path: DeribitProtocol()}
    raise KeyError(f"no local protocol for venue {venue!r}")
