"""The board's view of the spikes and alerts: the latest version of each, and the
browsers following it (Server-Sent Events subscribers)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

log = logging.getLogger("liqwatch.board")

ID_FIELD = {"spike": "spike_id", "alert": "alert_id"}


@dataclass(frozen=True, slots=True)
class Update:
    """One accepted version, numbered in the order the board accepted it."""

    seq: int
    kind: str  # "spike" or "alert"
    record: dict


class Subscriber:
    """One browser's queue of updates; overflowing it closes the stream (the browser's
    EventSource reconnects and gets a fresh snapshot instead of a gap)."""

    def __init__(self, limit: int) -> None:
        self.queue: asyncio.Queue[Update | None] = asyncio.Queue(limit)

    def offer(self, update: Update) -> bool:
        """Queue `update`; False when the browser fell behind."""
        try:
            self.queue.put_nowait(update)
        except asyncio.QueueFull:
            return False
        return True

    def close(self) -> None:
        """End the stream: drop what is queued and wake the reader with None."""
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(None)


class BoardState:
    """Latest spike and alert versions by id; fans every newer version out to subscribers.

    Versions can arrive more than once or out of order (a feed re-read from the start),
    so a record replaces the held one only when its version is higher.
    """

    def __init__(self, queue_limit: int = 1_000) -> None:
        self.records: dict[str, dict[str, dict]] = {"spike": {}, "alert": {}}
        self.seq = 0
        self.queue_limit = queue_limit
        self._subscribers: set[Subscriber] = set()

    def apply(self, kind: str, record: dict) -> Update | None:
        """Keep `record` if it is new or a newer version, and publish it; else None."""
        held = self.records.get(kind)
        if held is None:
            return None
        key = record.get(ID_FIELD[kind])
        if not isinstance(key, str):
            log.warning("board skipped a %s without %s", kind, ID_FIELD[kind])
            return None
        old = held.get(key)
        if old is not None and old.get("version", 1) >= record.get("version", 1):
            return None
        held[key] = record
        self.seq += 1
        update = Update(self.seq, kind, record)
        for sub in list(self._subscribers):
            if not sub.offer(update):
                log.warning("board subscriber fell behind; closing its stream")
                self._subscribers.discard(sub)
                sub.close()
        return update

    def snapshot(self) -> dict:
        """Every held spike and alert (latest versions) and the sequence number they reach."""
        return {"seq": self.seq,
                "spikes": list(self.records["spike"].values()),
                "alerts": list(self.records["alert"].values())}

    def subscribe(self) -> tuple[dict, Subscriber]:
        """A snapshot and a subscriber that gets every version after it, with no gap."""
        sub = Subscriber(self.queue_limit)
        self._subscribers.add(sub)
        return self.snapshot(), sub

    def unsubscribe(self, sub: Subscriber) -> None:
        """Stop sending to `sub`."""
        self._subscribers.discard(sub)

    def close_all(self) -> None:
        """End every subscriber's stream (the server is shutting down)."""
        for sub in self._subscribers:
            sub.close()
        self._subscribers.clear()

    @property
    def subscribers(self) -> int:
        """How many browsers follow the board."""
        return len(self._subscribers)
