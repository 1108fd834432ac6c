"""Event-time bookkeeping per input partition: watermark, lateness, duplicates.

A partition's watermark is the largest event time seen (or promised by a watermark
marker) minus the allowed lateness. Events older than it are late; events seen before
(same event_id, still within the watermark) are duplicates. Both depend only on the
partition's own message order, so results do not depend on how partitions interleave.
"""

from __future__ import annotations

from collections import deque


class PartitionClock:
    """Watermark and recent-id memory of one input partition."""

    def __init__(self, lateness_ms: int) -> None:
        self.lateness_ms = lateness_ms
        self.max_ts: int | None = None
        self.final = False
        self._seen: set[str] = set()
        self._order: deque[tuple[int, str]] = deque()

    @property
    def watermark(self) -> int | None:
        """Event time below which this partition's windows are complete."""
        if self.final:
            return None
        return None if self.max_ts is None else self.max_ts - self.lateness_ms

    def is_late(self, ts: int) -> bool:
        """True if an event at `ts` arrives after its windows were closed."""
        wm = self.watermark
        return wm is not None and ts < wm

    def admit(self, event_id: str, ts: int) -> bool:
        """Record an on-time event; False if it is a duplicate of one already admitted."""
        if event_id in self._seen:
            return False
        self._seen.add(event_id)
        self._order.append((ts, event_id))
        if self.max_ts is None or ts > self.max_ts:
            self.max_ts = ts
        return True

    def advance(self, ts: int) -> None:
        """Apply a producer's watermark marker, then forget ids older than the watermark."""
        if self.max_ts is None or ts > self.max_ts:
            self.max_ts = ts
        self.prune()

    def prune(self) -> None:
        """Drop remembered ids older than the watermark: a repeat of them is late anyway."""
        wm = self.watermark
        if wm is None:
            return
        order, seen = self._order, self._seen
        while order and order[0][0] < wm:
            seen.discard(order.popleft()[1])


class GlobalClock:
    """Merges per-source watermarks: the minimum over every expected source partition.

    A source that has said nothing yet holds the clock back (its data may still come);
    a source that sent its final marker no longer does.
    """

    def __init__(self, sources: set[str]) -> None:
        self._wm: dict[str, int | None] = {s: None for s in sources}
        self._final: set[str] = set()

    def update(self, source: str, watermark: int | None, final: bool = False) -> None:
        """Record a source's watermark (monotonic) or its end of input."""
        if final:
            self._final.add(source)
            self._wm.pop(source, None)
            return
        if source in self._final or watermark is None:
            return
        old = self._wm.get(source)
        if old is None or watermark > old:
            self._wm[source] = watermark

    @property
    def all_final(self) -> bool:
        """True once every expected source has ended."""
        return not self._wm

    @property
    def watermark(self) -> int | None:
        """The merged watermark, None while some source has not spoken."""
        if not self._wm:
            return None
        values = self._wm.values()
        if any(v is None for v in values):
            return None
        return min(values)  # type: ignore[type-var]
