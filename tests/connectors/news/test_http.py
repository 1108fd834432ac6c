"""Conditional GET against a local server that answers like a news site: the second poll
sends the validators of the first answer and a 304 yields nothing; a changed document is
fetched again; a server that ignores validators but sends the same bytes is "not
modified" too; failures raise FetchError."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from connectors.news.feed import FeedSource
from connectors.news.http import ConditionalGet
from connectors.news.source import FetchError
from tests.connectors.news.conftest import NewsServer, atom, ms, rss, utc

NOW = ms("2025-01-27 18:00")


async def _with_server(test) -> None:  # noqa: ANN001 - async test body taking (server, http)
    server = NewsServer()
    await server.start()
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
            await test(server, http)
    finally:
        await server.stop()


def test_second_poll_is_conditional_and_a_304_yields_nothing():
    async def body(server: NewsServer, http: aiohttp.ClientSession) -> None:
        server.publish("/rss/", rss("app_store", "futures"), "application/rss+xml",
                       utc("2025-01-26 22:20"))
        feed = FeedSource("Block Ledger", server.url("/rss/"))
        first = await feed.poll(http, NOW)
        assert [i["title"][:22] for i in first.items] == ["DeepSeek’s AI assistan",
                                                           "Nasdaq futures set for"]
        second = await feed.poll(http, NOW)
        assert second.not_modified and second.items == []
        sent = server.headers_of("/rss/")
        assert "If-None-Match" not in sent[0] and "If-Modified-Since" not in sent[0]
        assert sent[1]["If-None-Match"] == server.etag("/rss/")
        assert sent[1]["If-Modified-Since"] == "Sun, 26 Jan 2025 22:20:00 GMT"
        assert "application/rss+xml" in sent[0]["Accept"]

        old_etag = server.etag("/rss/")
        server.publish("/rss/", rss("liquidations", "app_store", "futures"),
                       "application/rss+xml", utc("2025-01-27 15:30"))
        third = await feed.poll(http, NOW)
        assert not third.not_modified and len(third.items) == 3   # the whole new document
        assert server.headers_of("/rss/")[2]["If-None-Match"] == old_etag
        assert (await feed.poll(http, NOW)).not_modified

    asyncio.run(_with_server(body))


def test_atom_feed_over_http():
    async def body(server: NewsServer, http: aiohttp.ClientSession) -> None:
        server.publish("/rss/index.xml", atom("sacks"), "application/atom+xml",
                       utc("2025-01-28 20:05"))
        feed = FeedSource("Tech Brief", server.url("/rss/index.xml"))
        (sacks,) = (await feed.poll(http, NOW)).items
        assert sacks["published_at"] == ms("2025-01-28 19:40")
        assert (await feed.poll(http, NOW)).not_modified

    asyncio.run(_with_server(body))


def test_same_bytes_from_a_server_without_validators_is_not_modified():
    async def body(server: NewsServer, http: aiohttp.ClientSession) -> None:
        server.publish("/feed", rss("futures"), "text/xml", utc("2025-01-26 22:20"),
                       validators=False)
        get = ConditionalGet(server.url("/feed"), "application/rss+xml")
        assert (await get.fetch(http))[0].startswith(b"<?xml")
        assert await get.fetch(http) is None
        assert "If-None-Match" not in server.headers_of("/feed")[1]
        server.publish("/feed", rss("futures", "undated"), "text/xml", utc("2025-01-27 09:00"),
                       validators=False)
        assert await get.fetch(http) is not None

    asyncio.run(_with_server(body))


def test_http_errors_and_unreachable_hosts_raise_fetch_error():
    async def body(server: NewsServer, http: aiohttp.ClientSession) -> None:
        server.publish("/down", "", "text/plain", utc("2025-01-27 09:00"), status=503)
        with pytest.raises(FetchError, match="HTTP 503"):
            await ConditionalGet(server.url("/down"), "*/*").fetch(http)
        with pytest.raises(FetchError, match="HTTP 404"):
            await ConditionalGet(server.url("/missing"), "*/*").fetch(http)
        with pytest.raises(FetchError, match="ClientConnectorError"):
            await ConditionalGet("http://127.0.0.1:1/rss", "*/*").fetch(http)

    asyncio.run(_with_server(body))
