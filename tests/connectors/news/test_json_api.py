"""A JSON news API, configured by path and field names, against a local server: nested
lists and fields, ISO 8601 / epoch s / epoch ms times, the fetch time for undated
stories, and dead letters (with reasons) for bad stories and bad documents."""

from __future__ import annotations

import asyncio

import aiohttp
import orjson
import pytest

from connectors.files.tardis import BadLine
from connectors.news.json_api import JsonSource, dig, parse_json_items
from tests.connectors.news.conftest import NewsServer, ms, utc

NOW = ms("2025-01-29 09:00")
FIELDS = {"id": "uuid", "title": "headline", "body": "summary.text", "url": "links.0",
          "published_at": "meta.time"}
API = {"status": "ok", "data": {"results": [
    {"uuid": "a1", "headline": "OpenAI says it found signs DeepSeek used its models",
     "summary": {"text": "<p>OpenAI told the <i>Financial Times</i> it had seen evidence of "
                         "distillation.</p>"},
     "links": ["https://techbrief.example/2025/1/29/openai-deepseek"],
     "meta": {"time": "2025-01-29T08:10:00+00:00"}},
    {"uuid": "a2",
     "headline": "Microsoft probes whether DeepSeek-linked group obtained OpenAI data",
     "summary": {"text": "Security researchers flagged large data pulls through the API."},
     "links": ["https://techbrief.example/2025/1/29/microsoft-probe"],
     "meta": {"time": 1738099200}},                       # epoch seconds
    {"uuid": "a3", "headline": "Italy's privacy watchdog asks DeepSeek about user data",
     "links": [], "meta": {"time": "1738111500000"}},     # epoch ms, as text
    {"uuid": "a4", "headline": "Nvidia rebounds 9% after record loss", "links": []},
    {"uuid": "a5", "headline": "Undated-but-broken", "meta": {"time": "Wednesday"}},
    {"uuid": "a6", "summary": {"text": "no headline"}, "meta": {"time": 1738099200}},
    "not a story",
]}}


def test_fields_paths_and_times():
    items = parse_json_items("Wire API", orjson.dumps(API), "data.results", FIELDS, NOW)
    a1, a2, a3, a4, bad_time, no_title, not_obj = items
    assert a1["title"] == "OpenAI says it found signs DeepSeek used its models"
    assert a1["body"] == "OpenAI told the Financial Times it had seen evidence of distillation."
    assert a1["url"] == "https://techbrief.example/2025/1/29/openai-deepseek"
    assert a1["published_at"] == ms("2025-01-29 08:10")
    assert a2["published_at"] == 1738099200_000
    assert a3["published_at"] == 1738111500000 and a3["url"] == ""
    assert a4["published_at"] == NOW                       # no time: fetched now
    assert (bad_time.reason, no_title.reason, not_obj.reason) == (
        "bad_timestamp", "missing_field", "not_an_object")
    assert all(isinstance(b, BadLine) and b.source == "news:Wire API"
               for b in (bad_time, no_title, not_obj))
    assert orjson.loads(bad_time.raw)["uuid"] == "a5"
    assert {a1["source"], a4["source"]} == {"Wire API"}
    assert len({i["news_id"] for i in (a1, a2, a3, a4)}) == 4


def test_ids_without_urls_are_scoped_to_the_source():
    doc = orjson.dumps([{"id": 7, "title": "A", "published_at": "2025-01-29T08:00:00Z"}])
    one = parse_json_items("One", doc, "", {}, NOW)[0]["news_id"]
    assert one == parse_json_items("One", doc, "", {}, NOW + 1)[0]["news_id"]
    assert one != parse_json_items("Two", doc, "", {}, NOW)[0]["news_id"]


def test_bad_documents_are_one_dead_letter_each():
    (not_json,) = parse_json_items("Wire API", b"<html>rate limited</html>", "data", {}, NOW)
    assert not_json.reason == "bad_json" and not_json.raw == "<html>rate limited</html>"
    (no_list,) = parse_json_items("Wire API", orjson.dumps(API), "data.items", {}, NOW)
    assert no_list.reason == "bad_feed" and "'data.items'" in no_list.detail


def test_dig():
    assert dig(API, "data.results.0.meta.time") == "2025-01-29T08:10:00+00:00"
    assert dig(API, "data.results.9") is None and dig(API, "status.x") is None
    assert dig([1, 2], "") == [1, 2]


def test_unknown_field_names_are_refused():
    with pytest.raises(ValueError, match="unknown story fields"):
        JsonSource("Wire API", "http://127.0.0.1/x", fields={"headline": "title"})


def test_json_source_polls_with_conditional_get():
    async def run() -> None:
        server = NewsServer()
        await server.start()
        try:
            server.publish("/v1/news", orjson.dumps(API), "application/json",
                           utc("2025-01-29 08:10"))
            source = JsonSource("Wire API", server.url("/v1/news"), "data.results", FIELDS)
            async with aiohttp.ClientSession() as http:
                first = await source.poll(http, NOW)
                second = await source.poll(http, NOW)
            assert len(first.items) == 7 and second.not_modified
            assert server.headers_of("/v1/news")[1]["If-None-Match"] == server.etag("/v1/news")
        finally:
            await server.stop()

    asyncio.run(run())
