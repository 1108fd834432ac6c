"""News JSON lines → raw news dicts for the news topic.

Each line: {"id", "published_at" (ISO 8601 with zone), "source", "title", "body"?, "url"?};
the input id is kept as news_id.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import orjson

from connectors.files.tardis import BadLine, open_text


def _published_ms(value: object) -> int:
    if not isinstance(value, str):
        raise ValueError("published_at is not a string")
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        raise ValueError(f"published_at {value!r} has no time zone")
    return int(dt.timestamp() * 1000)


def read_news(path: Path) -> Iterator[dict | BadLine]:
    """Yield raw news dicts (news_id, source, published_at ms, title, body, url) or BadLines."""
    with open_text(path) as fh:
        for lineno, line in enumerate(fh, start=1):
            text = line.strip()
            if not text:
                continue
            where = f"{path.name}:{lineno}"
            try:
                obj = orjson.loads(text)
            except orjson.JSONDecodeError as exc:
                yield BadLine(where, "bad_json", str(exc), text)
                continue
            if not isinstance(obj, dict):
                yield BadLine(where, "not_an_object", type(obj).__name__, text)
                continue
            try:
                published = _published_ms(obj.get("published_at"))
            except ValueError as exc:
                yield BadLine(where, "bad_timestamp", str(exc), text)
                continue
            missing = [k for k in ("id", "source", "title") if not obj.get(k)]
            if missing:
                yield BadLine(where, "missing_field", ", ".join(missing), text)
                continue
            yield {"news_id": str(obj["id"]), "source": str(obj["source"]),
                   "published_at": published, "title": str(obj["title"]),
                   "body": str(obj.get("body") or ""), "url": str(obj.get("url") or "")}
