"""RSS 2.0 and Atom documents → raw news items: markup and entities stripped, times in
UTC whatever zone the feed wrote, undated entries at the fetch time, bad entries and
documents dead-lettered with their reason."""

from __future__ import annotations

from connectors.files.tardis import BadLine
from connectors.news.feed import parse_feed
from streams.records import validate_raw_news
from tests.connectors.news.conftest import atom, ms, rss

FETCHED = ms("2025-01-27 18:00")
FEED_URL = "https://www.blockledger.example/rss/"


def test_rss_items_become_validated_raw_news():
    items = parse_feed("Block Ledger", FEED_URL, rss("app_store", "futures", "liquidations")
                       .encode(), "application/rss+xml; charset=utf-8", FETCHED)
    assert [validate_raw_news(i) for i in items] == items
    app, futures, liq = items
    assert app["title"] == ("DeepSeek’s AI assistant overtakes ChatGPT as top free app on US "
                            "App Store")
    assert app["body"] == ("The chatbot, built on the R1 reasoning model, climbed to number "
                           "one among free apps on Sunday — ahead of OpenAI's ChatGPT.")
    assert app["published_at"] == ms("2025-01-26 19:30")          # -0500 → UTC
    assert liq["published_at"] == ms("2025-01-27 15:30")          # +0100 → UTC
    assert futures["body"].endswith("open lower & chipmakers were seen under pressure.")
    assert liq["body"] == ("More than $1 billion of leveraged positions were liquidated in 24 "
                           "hours, CoinGlass data show.")
    assert {i["source"] for i in items} == {"Block Ledger"}
    assert app["url"].startswith("https://www.blockledger.example/tech/2025/01/26/")


def test_news_id_is_the_articles_identity_not_the_fetch():
    once = parse_feed("Block Ledger", FEED_URL, rss("futures").encode(), "", FETCHED)[0]
    again = parse_feed("Block Ledger", FEED_URL, rss("futures").encode(), "", FETCHED + 60_000)[0]
    other_feed = parse_feed("Markets Wire", "https://marketswire.example/feed",
                            rss("futures").encode(), "", FETCHED)[0]
    assert once["news_id"] == again["news_id"] == other_feed["news_id"]   # same article URL
    first, = parse_feed("Block Ledger", FEED_URL, rss("app_store").encode(), "", FETCHED)
    tracked = rss("app_store").replace("?utm_source=rss&amp;utm_medium=feed", "")
    assert parse_feed("Block Ledger", FEED_URL, tracked.encode(), "", FETCHED)[0][
        "news_id"] == first["news_id"]                                 # tracking params ignored


def test_undated_entries_take_the_fetch_time_and_bad_ones_are_dead_letters():
    undated, bad_date, no_title = parse_feed(
        "Block Ledger", FEED_URL, rss("undated", "bad_date", "no_title").encode(), "", FETCHED)
    assert undated["published_at"] == FETCHED
    assert isinstance(bad_date, BadLine) and bad_date.reason == "bad_timestamp"
    assert "Monday morning, Eastern" in bad_date.detail and "Stargate" in bad_date.raw
    assert isinstance(no_title, BadLine) and (no_title.reason, no_title.detail) == (
        "missing_field", "title")
    assert bad_date.source == no_title.source == "news:Block Ledger"


def test_atom_entries_with_html_titles_zones_and_xhtml_content():
    sacks, openai = parse_feed("Tech Brief", "https://techbrief.example/rss/index.xml",
                               atom("sacks", "openai_ft").encode(), "application/atom+xml",
                               FETCHED)
    assert sacks["title"] == ("White House AI czar David Sacks says there’s \"substantial "
                              "evidence\" DeepSeek distilled OpenAI models")
    assert sacks["published_at"] == ms("2025-01-28 19:40")         # published, not updated
    assert sacks["body"].startswith("David Sacks told Fox News there was “substantial")
    assert openai["published_at"] == ms("2025-01-29 08:10")        # only <updated>
    assert openai["body"] == "OpenAI told the Financial Times it had seen evidence of distillation."
    assert openai["url"] == "https://techbrief.example/2025/1/29/openai-deepseek-evidence"


def test_a_document_that_is_not_a_feed_is_one_dead_letter():
    for body, content_type in ((b"<html><body><h1>Access denied</h1></body></html>", "text/html"),
                               (b"/etc/passwd", "text/plain")):
        (bad,) = parse_feed("Block Ledger", FEED_URL, body, content_type, FETCHED)
        assert isinstance(bad, BadLine) and bad.reason == "bad_feed"
        assert bad.raw == body.decode() and bad.source == "news:Block Ledger"


def test_an_empty_feed_has_no_items():
    assert parse_feed("Block Ledger", FEED_URL, rss().encode(), "", FETCHED) == []
