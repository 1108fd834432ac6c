"""Counters an operator watches: events in and out, dlq by reason, spikes, sink batches."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Metrics:
    """In-process counters of one worker (logged periodically, summarized by replay)."""

    events_in: Counter = field(default_factory=Counter)
    accepted: Counter = field(default_factory=Counter)
    duplicates: Counter = field(default_factory=Counter)
    dlq: Counter = field(default_factory=Counter)
    produced: Counter = field(default_factory=Counter)
    sink_rows: Counter = field(default_factory=Counter)
    sink_batches: Counter = field(default_factory=Counter)
    sink_seconds: Counter = field(default_factory=Counter)

    def sink_flush(self, table: str, rows: int, seconds: float) -> None:
        """Record one sink insert."""
        self.sink_rows[table] += rows
        self.sink_batches[table] += 1
        self.sink_seconds[table] += seconds

    def snapshot(self) -> dict:
        """Plain-dict view for logs and summaries."""
        return {name: dict(getattr(self, name)) for name in self.__dataclass_fields__}
