"""Conditional HTTP GET of a polled document (feed or JSON API).

Each poll sends the validators of the last full answer (If-None-Match from its ETag,
If-Modified-Since from its Last-Modified). A 304, or a 200 with exactly the bytes of the
last answer (servers that ignore validators), means nothing changed: the caller parses
nothing and publishes nothing.
"""

from __future__ import annotations

import hashlib

import aiohttp

from connectors.news.source import FetchError

# Feeds are tens of kB; anything this large is not a feed.
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


class ConditionalGet:
    """Fetches one URL, remembering the validators and digest of the last full answer."""

    def __init__(self, url: str, accept: str) -> None:
        self.url = url
        self.accept = accept
        self.etag: str | None = None
        self.last_modified: str | None = None
        self._digest: bytes | None = None

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": self.accept}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers

    async def fetch(self, http: aiohttp.ClientSession) -> tuple[bytes, str] | None:
        """(body, content type) of a changed document; None if unchanged since last time."""
        try:
            async with http.get(self.url, headers=self._headers()) as resp:
                if resp.status == 304:
                    return None
                if resp.status != 200:
                    raise FetchError(f"HTTP {resp.status} from {self.url}")
                chunks, size = [], 0
                async for chunk in resp.content.iter_chunked(1 << 16):
                    size += len(chunk)
                    if size > MAX_DOCUMENT_BYTES:
                        raise FetchError(f"{self.url} is larger than {MAX_DOCUMENT_BYTES} bytes")
                    chunks.append(chunk)
                body = b"".join(chunks)
                self.etag = resp.headers.get("ETag")
                self.last_modified = resp.headers.get("Last-Modified")
                content_type = resp.headers.get("Content-Type", "")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise FetchError(f"{type(exc).__name__} fetching {self.url}: {exc}") from None
        digest = hashlib.blake2b(body, digest_size=16).digest()
        if digest == self._digest:
            return None
        self._digest = digest
        return body, content_type
