"""News JSON-lines files (the format of connectors.files.news_jsonl) as a live source:
each poll yields the lines appended since the previous one.

The file is re-read with the shared reader when its size changes and the items already
yielded are skipped, so this source and `liqwatch replay --news` read lines the same way.
Only lines complete (newline-terminated) when the size was taken count: a line still
being written waits for the next poll. A file that shrank or was replaced is read again
from its start; a gzip file is read whole.
"""

from __future__ import annotations

import os
from itertools import islice
from pathlib import Path

import aiohttp

from connectors.files.news_jsonl import read_news
from connectors.news.source import FetchError, Poll


def complete_lines(path: Path, size: int) -> int:
    """Non-blank, newline-terminated lines in the first `size` bytes of a text file."""
    with path.open("rb") as fh:
        data = fh.read(size)
    done = data[: data.rfind(b"\n") + 1]
    return sum(1 for line in done.split(b"\n") if line.decode("utf-8", "replace").strip())


class FileSource:
    """Tails one news JSON-lines file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.name
        self._identity: tuple[int, int] | None = None
        self._size = -1
        self._consumed = 0

    async def poll(self, http: aiohttp.ClientSession, now_ms: int) -> Poll:
        """Items of the lines completed since the last poll."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            raise FetchError(f"news file {self.path} does not exist (yet)") from None
        identity = (st.st_dev, st.st_ino)
        if identity != self._identity or st.st_size < self._size:
            self._identity, self._size, self._consumed = identity, -1, 0
        if st.st_size == self._size:
            return Poll(not_modified=True)
        limit = None if self.path.suffix == ".gz" else complete_lines(self.path, st.st_size)
        items = list(islice(read_news(self.path), limit))
        new = items[self._consumed:]
        self._consumed, self._size = len(items), st.st_size
        return Poll(new)
