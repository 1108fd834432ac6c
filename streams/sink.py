"""Batched, idempotent ClickHouse sink.

Rows are buffered per table and written as one columnar insert when a table reaches
`batch_rows` or every `flush_interval_s`, in a worker thread so the event loop keeps
consuming. Tables are ReplacingMergeTree keyed by each record's deterministic identity,
so a redelivered row replaces itself.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from typing import Protocol

from streams.metrics import Metrics

log = logging.getLogger("liqwatch.sink")

TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "liquidations": ("event_id", "exchange", "symbol", "asset", "liquidated_side", "price",
                     "qty_base", "notional_usd", "ts", "received_ts", "is_sampled"),
    "trade_bars_1m": ("exchange", "symbol", "asset", "minute", "open", "high", "low",
                      "close", "volume_base", "notional_usd", "buy_notional_usd",
                      "sell_notional_usd", "trades"),
    "news": ("news_id", "source", "published_at", "title", "body", "url", "ai_score",
             "entities", "assets", "kind"),
    "spikes": ("spike_id", "scope", "key", "assets", "liquidated_side", "horizon",
               "onset_ts", "detected_at", "peak_ts", "end_ts", "notional_usd",
               "baseline_usd", "ratio", "zscore", "event_count", "severity", "status",
               "version"),
    "alerts": ("alert_id", "created_at", "spike_id", "news_id", "relation",
               "correlation_score", "severity", "title", "body", "version"),
    "liquidations_1m": ("minute", "asset", "exchange", "liquidated_side", "events",
                        "notional_usd", "max_event_usd"),
    "dlq": ("dlq_id", "source", "reason", "detail", "raw", "ts"),
    "gaps": ("gap_id", "exchange", "channel", "from_ts", "to_ts", "reason"),
}


class ColumnStore(Protocol):
    """What the sink needs of a store (see storage.store.Store)."""

    def insert(self, table: str, columns: dict[str, list]) -> None: ...


class ClickHouseSink:
    """Buffers rows per table and flushes them in columnar batches off the event loop."""

    def __init__(self, store: ColumnStore, metrics: Metrics, batch_rows: int = 50_000,
                 flush_interval_s: float = 1.0) -> None:
        self.store = store
        self.metrics = metrics
        self.batch_rows = batch_rows
        self.flush_interval_s = flush_interval_s
        self._buffers: dict[str, list[dict]] = {t: [] for t in TABLE_COLUMNS}
        self._lock = asyncio.Lock()
        self._task: asyncio.Task | None = None
        self._pending: set[asyncio.Task] = set()

    def add(self, table: str, rows: Iterable[dict]) -> None:
        """Queue rows for `table`; a full buffer schedules a flush."""
        buf = self._buffers[table]
        buf.extend(rows)
        if len(buf) >= self.batch_rows:
            task = asyncio.ensure_future(self.flush())
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    @property
    def buffered(self) -> int:
        """Rows waiting to be written."""
        return sum(len(b) for b in self._buffers.values())

    async def flush(self) -> None:
        """Write every non-empty buffer now (one insert per table)."""
        async with self._lock:
            for table, rows in self._buffers.items():
                if not rows:
                    continue
                self._buffers[table] = []
                cols = TABLE_COLUMNS[table]
                columns = {c: [r[c] for r in rows] for c in cols}
                start = time.perf_counter()
                await asyncio.to_thread(self.store.insert, table, columns)
                elapsed = time.perf_counter() - start
                self.metrics.sink_flush(table, len(rows), elapsed)
                log.debug("flushed table=%s rows=%d seconds=%.3f", table, len(rows), elapsed)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.flush_interval_s)
            try:
                await self.flush()
            except Exception:
                log.exception("flush failed; rows stay buffered=%d", self.buffered)

    def start(self) -> None:
        """Start the periodic flusher."""
        if self._task is None:
            self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        """Stop the flusher and write what is left."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
        await self.flush()
