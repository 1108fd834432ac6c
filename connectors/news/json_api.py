"""A JSON news API → raw news items, by configuration: where the list of stories is and
which field holds each part of a story.

Paths are dotted (`data.items`, `meta.published`); an empty items path means the
document itself is the list. Times may be ISO 8601, RFC 2822 or epoch s/ms; a story
without one gets the fetch time.
"""

from __future__ import annotations

from collections.abc import Mapping

import aiohttp
import orjson

from connectors.files.tardis import BadLine
from connectors.news.http import ConditionalGet
from connectors.news.items import news_item, raw_json
from connectors.news.source import Poll, bad_document
from connectors.news.text import html_to_text
from connectors.news.timestamps import timestamp_ms

# Story part → the field that holds it, unless configured otherwise.
DEFAULT_FIELDS: dict[str, str] = {"id": "id", "title": "title", "body": "body", "url": "url",
                                  "published_at": "published_at"}


def dig(obj: object, path: str) -> object:
    """The value at a dotted path (list elements by index), None where it does not exist."""
    for part in path.split(".") if path else ():
        if isinstance(obj, dict):
            obj = obj.get(part)
        elif isinstance(obj, list) and part.isdigit() and int(part) < len(obj):
            obj = obj[int(part)]
        else:
            return None
    return obj


def _plain(value: object) -> str:
    return "" if value is None else str(value).strip()


def _text(value: object) -> str:
    return html_to_text(_plain(value))


def parse_json_items(source: str, document: bytes, items_path: str,
                     fields: Mapping[str, str], fetched_at: int) -> list[dict | BadLine]:
    """Every element of the configured list as a raw news dict or a BadLine."""
    try:
        doc = orjson.loads(document)
    except orjson.JSONDecodeError as exc:
        return [bad_document(source, "bad_json", str(exc), document)]
    items = dig(doc, items_path)
    if not isinstance(items, list):
        return [bad_document(source, "bad_feed",
                             f"no list at items path {items_path or '(document root)'!r}",
                             document)]
    names = {**DEFAULT_FIELDS, **fields}
    where = f"news:{source}"
    out: list[dict | BadLine] = []
    for obj in items:
        if not isinstance(obj, dict):
            out.append(BadLine(where, "not_an_object", type(obj).__name__, raw_json(obj)))
            continue
        when = dig(obj, names["published_at"])
        try:
            published = fetched_at if when in (None, "") else timestamp_ms(when)
        except ValueError as exc:
            out.append(BadLine(where, "bad_timestamp", str(exc), raw_json(obj)))
            continue
        out.append(news_item(source, _text(dig(obj, names["title"])),
                             _text(dig(obj, names["body"])), _plain(dig(obj, names["url"])),
                             _plain(dig(obj, names["id"])), published, where, obj))
    return out


class JsonSource:
    """A JSON API polled with conditional GET."""

    def __init__(self, name: str, url: str, items_path: str = "",
                 fields: Mapping[str, str] | None = None) -> None:
        unknown = set(fields or {}) - set(DEFAULT_FIELDS)
        if unknown:
            raise ValueError(f"unknown story fields {sorted(unknown)}; known: "
                             f"{', '.join(DEFAULT_FIELDS)}")
        self.name = name
        self.url = url
        self.items_path = items_path
        self.fields = dict(fields or {})
        self._get = ConditionalGet(url, "application/json")

    async def poll(self, http: aiohttp.ClientSession, now_ms: int) -> Poll:
        """The API's stories if its answer changed since the last poll."""
        got = await self._get.fetch(http)
        if got is None:
            return Poll(not_modified=True)
        return Poll(parse_json_items(self.name, got[0], self.items_path, self.fields, now_ms))
