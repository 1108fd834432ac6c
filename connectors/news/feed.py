"""RSS 2.0 / RSS 1.0 / Atom feeds → raw news items (feedparser does the format work).

Titles and descriptions lose their markup and entities; an entry's time is its
published (else updated) date in UTC whatever zone the feed wrote, the fetch time when it
has none, and a dead letter when it has one that cannot be read.
"""

from __future__ import annotations

import calendar
import io

import aiohttp
import feedparser

from connectors.files.tardis import BadLine
from connectors.news.http import ConditionalGet
from connectors.news.items import news_item, raw_json
from connectors.news.source import Poll, bad_document
from connectors.news.text import html_to_text

ACCEPT = ("application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
          "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1")


def _text(value: str | None, detail: dict | None) -> str:
    if not value:
        return ""
    if detail is not None and detail.get("type") == "text/plain":
        return " ".join(value.split())
    return html_to_text(value)


def _body(entry: dict) -> str:
    summary = _text(entry.get("summary"), entry.get("summary_detail"))
    if summary:
        return summary
    for content in entry.get("content") or ():
        text = _text(content.get("value"), content)
        if text:
            return text
    return ""


def _published_ms(entry: dict, fetched_at: int) -> int:
    # dict.get: FeedParserDict.get maps missing keys to others (with a warning).
    for key in ("published", "updated", "created"):
        parsed = dict.get(entry, f"{key}_parsed")
        if parsed is not None:
            return calendar.timegm(parsed) * 1000
    for key in ("published", "updated", "created"):
        if dict.get(entry, key):
            raise ValueError(f"{key} {entry[key]!r} is not a date")
    return fetched_at


def parse_feed(source: str, url: str, document: bytes, content_type: str,
               fetched_at: int) -> list[dict | BadLine]:
    """Every entry of a feed document as a raw news dict or a BadLine, in feed order."""
    # A file-like object: given bytes, feedparser would treat text such as a path or a
    # URL as something to open or fetch.
    parsed = feedparser.parse(io.BytesIO(document), response_headers={
        "content-location": url, "content-type": content_type or "application/xml"})
    where = f"news:{source}"
    if not parsed.entries and (parsed.bozo or not parsed.version):
        detail = str(parsed.get("bozo_exception") or "no RSS or Atom entries")
        return [bad_document(source, "bad_feed", detail, document)]
    out: list[dict | BadLine] = []
    for entry in parsed.entries:
        try:
            published = _published_ms(entry, fetched_at)
        except ValueError as exc:
            out.append(BadLine(where, "bad_timestamp", str(exc), raw_json(entry)))
            continue
        out.append(news_item(source, _text(entry.get("title"), entry.get("title_detail")),
                             _body(entry), entry.get("link") or "", entry.get("id") or "",
                             published, where, entry))
    return out


class FeedSource:
    """An RSS or Atom feed polled with conditional GET."""

    def __init__(self, name: str, url: str) -> None:
        self.name = name
        self.url = url
        self._get = ConditionalGet(url, ACCEPT)

    async def poll(self, http: aiohttp.ClientSession, now_ms: int) -> Poll:
        """The feed's entries if it changed since the last poll."""
        got = await self._get.fetch(http)
        if got is None:
            return Poll(not_modified=True)
        document, content_type = got
        return Poll(parse_feed(self.name, self.url, document, content_type, now_ms))
