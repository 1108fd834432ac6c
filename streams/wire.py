"""Wire format of market and news topics: JSON batches and watermark markers.

A message is either `{"events": [...]}` (1..N events of one key, in event-time order) or
`{"watermark": ts_ms}` / `{"watermark": null, "final": true}`: a producer's promise that
it sends nothing older on that partition (final: nothing more at all). Raw bytes and
orjson keep Faust's per-message cost the only cost.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson


@dataclass(slots=True, frozen=True)
class Watermark:
    """A producer's event-time progress on one partition."""

    ts: int | None
    final: bool = False


class WireError(ValueError):
    """A message that is not a batch or a watermark."""


def encode_batch(events: list[dict]) -> bytes:
    """Serialize a batch of events."""
    return orjson.dumps({"events": events})


def encode_watermark(ts: int | None, final: bool = False) -> bytes:
    """Serialize a watermark marker (final: end of this producer's input)."""
    return orjson.dumps({"watermark": ts, "final": final})


def decode(raw: bytes) -> list | Watermark:
    """Return the batch's event list, or a Watermark; raise WireError otherwise."""
    try:
        msg = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise WireError(f"not JSON: {exc}") from None
    if isinstance(msg, dict):
        events = msg.get("events")
        if isinstance(events, list):
            return events
        if "watermark" in msg:
            ts = msg["watermark"]
            if ts is None or (isinstance(ts, int) and not isinstance(ts, bool)):
                return Watermark(ts, bool(msg.get("final", False)))
    raise WireError("neither an event batch nor a watermark")
