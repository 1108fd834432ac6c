"""One fetched story → the raw news dict of the news topic, or a `BadLine` saying why not.

The id is a hash of the story's identity at its source: its URL when it has one (so the
same article reached through two feeds is one story), else the source's own guid, else
its headline. Re-fetching a story therefore always gives the same news_id.
"""

from __future__ import annotations

import orjson

from connectors.files.tardis import BadLine
from connectors.news.urls import canonical_url
from streams.ids import stable_id
from streams.records import RecordError, validate_raw_news

# Bodies feed the lexicon and the news table; a full article adds noise, not signal.
MAX_BODY_CHARS = 20_000


def news_id(source: str, url: str, guid: str, title: str) -> str:
    """Deterministic id: canonical URL (of the guid if it is one, else of the link), else
    the guid within its source, else the headline within its source (not its time: an
    undated story is stamped with each fetch's time)."""
    for candidate in (guid, url):
        canonical = canonical_url(candidate) if candidate else ""
        if canonical:
            return stable_id("news-url", canonical)
    if guid:
        return stable_id("news-guid", source, guid)
    return stable_id("news-title", source, title)


def raw_json(obj: object) -> str:
    """The raw input of a dead letter, as JSON text (feed entries hold non-JSON types)."""
    return orjson.dumps(obj, default=str, option=orjson.OPT_NON_STR_KEYS).decode()


def news_item(source: str, title: str, body: str, url: str, guid: str, published_at: int,
              where: str, raw: object) -> dict | BadLine:
    """The validated raw news dict, or a BadLine (at `where`) with the reason it is not one."""
    rec = {"news_id": news_id(source, url, guid, title), "source": source,
           "published_at": published_at, "title": title, "body": body[:MAX_BODY_CHARS],
           "url": url}
    try:
        return validate_raw_news(rec)
    except RecordError as exc:
        return BadLine(where, exc.reason, exc.detail, raw_json(raw))
