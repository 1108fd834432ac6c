"""Kafka topic names: the contract other tools rely on (ARCHITECTURE.md, Topics)."""

from __future__ import annotations

TRADES = "liqwatch.trades"
LIQUIDATIONS = "liqwatch.liquidations"
NEWS = "liqwatch.news"
SPIKES = "liqwatch.spikes"
ALERTS = "liqwatch.alerts"
DLQ = "liqwatch.dlq"
GAPS = "liqwatch.gaps"  # periods a live feed was down: (exchange, channel, from, to)
# Internal: per-partition partial aggregates and watermarks, merged in one place.
STATS = "liqwatch.internal.stats"

INPUT_TOPICS = (LIQUIDATIONS, TRADES, NEWS)
OUTPUT_TOPICS = (SPIKES, ALERTS, DLQ)


def market_key(exchange: str, symbol: str) -> str:
    """Message key of market topics: one exchange and symbol per key."""
    return f"{exchange}:{symbol}"
