"""What every news source offers the poller: a name and a `poll` that returns new items."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import aiohttp

from connectors.files.tardis import BadLine

# A dead letter keeps this much of a document that could not be parsed at all.
MAX_RAW_BYTES = 1 << 20


class FetchError(RuntimeError):
    """A source could not be read this round (network, HTTP status, size, missing file);
    the poller counts it and tries again next round."""


@dataclass(slots=True)
class Poll:
    """One poll's outcome: stories and bad items in source order, or "not modified"."""

    items: list[dict | BadLine] = field(default_factory=list)
    not_modified: bool = False


class NewsSource(Protocol):
    """A feed, API or file that can be asked for what it holds now."""

    name: str

    async def poll(self, http: aiohttp.ClientSession, now_ms: int) -> Poll:
        """Items of the source as of `now_ms` (the fetch time, used for undated items);
        raises FetchError when the source could not be read."""
        ...


def bad_document(source: str, reason: str, detail: str, document: bytes) -> BadLine:
    """A whole document that yielded nothing (not a feed, not JSON), for the dlq."""
    return BadLine(f"news:{source}", reason, detail,
                   document[:MAX_RAW_BYTES].decode("utf-8", "replace"))
