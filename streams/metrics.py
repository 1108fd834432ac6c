"""Counters an operator watches: events in and out, dlq by reason, spikes and alerts
raised, feed gaps, sink batches, and histograms of sink batch sizes and insert latency."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field

ROW_BUCKETS = (1, 10, 100, 1_000, 10_000, 50_000, 100_000)
SECOND_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@dataclass
class Histogram:
    """Observations counted per upper bound (non-cumulative; +Inf last), with sum and max,
    so an operator sees the distribution of sink batch sizes and insert latencies."""

    bounds: tuple[float, ...]
    counts: list[int] = field(default_factory=list)
    sum: float = 0.0
    count: int = 0
    max: float = 0.0

    def __post_init__(self) -> None:
        if not self.counts:
            self.counts = [0] * (len(self.bounds) + 1)

    def observe(self, value: float) -> None:
        """Count one observation."""
        self.counts[bisect_left(self.bounds, value)] += 1
        self.sum += value
        self.count += 1
        self.max = max(self.max, value)

    def merge(self, other: Histogram) -> None:
        """Add another worker's observations (same bounds)."""
        self.counts = [a + b for a, b in zip(self.counts, other.counts)]
        self.sum += other.sum
        self.count += other.count
        self.max = max(self.max, other.max)

    def cumulative(self) -> list[tuple[str, int]]:
        """(le label, cumulative count) pairs, ending with +Inf, for the exposition."""
        out, total = [], 0
        for bound, n in zip((*(f"{b:g}" for b in self.bounds), "+Inf"), self.counts):
            total += n
            out.append((bound, total))
        return out


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
    dlq_archived: Counter = field(default_factory=Counter)  # by reason, every source
    gaps: Counter = field(default_factory=Counter)  # archived feed gaps by exchange
    spikes_raised: Counter = field(default_factory=Counter)  # (scope, severity), first version
    alerts_raised: Counter = field(default_factory=Counter)  # (relation, severity), first version
    sink_batch_rows: dict[str, Histogram] = field(default_factory=dict)
    sink_insert_seconds: dict[str, Histogram] = field(default_factory=dict)

    def sink_flush(self, table: str, rows: int, seconds: float) -> None:
        """Record one sink insert."""
        self.sink_rows[table] += rows
        self.sink_batches[table] += 1
        self.sink_seconds[table] += seconds
        self.sink_batch_rows.setdefault(table, Histogram(ROW_BUCKETS)).observe(rows)
        self.sink_insert_seconds.setdefault(table, Histogram(SECOND_BUCKETS)).observe(seconds)

    def counters(self) -> dict[str, Counter]:
        """Every Counter field by name."""
        return {name: value for name in self.__dataclass_fields__
                if isinstance(value := getattr(self, name), Counter)}

    def merge(self, other: Metrics) -> None:
        """Add another worker's counts (replay sums its in-process workers)."""
        for name, counter in other.counters().items():
            getattr(self, name).update(counter)
        for mine, theirs in ((self.sink_batch_rows, other.sink_batch_rows),
                             (self.sink_insert_seconds, other.sink_insert_seconds)):
            for table, hist in theirs.items():
                mine.setdefault(table, Histogram(hist.bounds)).merge(hist)

    def snapshot(self) -> dict:
        """Plain-dict view of the counters for logs and summaries (JSON-safe keys: a
        (scope, severity) key becomes "scope/severity")."""
        return {name: {"/".join(k) if isinstance(k, tuple) else k: v for k, v in c.items()}
                for name, c in self.counters().items()}
