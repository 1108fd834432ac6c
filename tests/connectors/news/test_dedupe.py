"""The same story from several outlets is published once: same URL, same id, or a
headline that says the same thing within the window; different stories on the same
subject are all kept; decisions are deterministic."""

from __future__ import annotations

from connectors.news.dedupe import StoryDeduper, dice, title_words
from tests.connectors.news.conftest import ms

HOUR = 3_600_000


def story(news_id: str, source: str, title: str, at: str, url: str = "") -> dict:
    host = source.lower().replace(" ", "")
    return {"news_id": news_id, "source": source, "published_at": ms(at), "title": title,
            "body": "", "url": url or f"https://{host}.example/{news_id}"}


DAY = [
    story("cd-1", "CoinDesk", "OpenAI says it has evidence China's DeepSeek used its model to "
          "train competitor", "2025-01-29 08:10"),
    story("dc-1", "Decrypt", "OpenAI Says It Found Evidence DeepSeek Used Its Models to Train "
          "a Competitor", "2025-01-29 08:55"),
    story("tb-1", "The Block", "Crypto liquidations top $1B as DeepSeek rattles markets",
          "2025-01-27 15:30"),
    story("ct-1", "Cointelegraph", "Crypto liquidations top $1 billion as DeepSeek shakes markets "
          "| Cointelegraph", "2025-01-27 16:05"),
    story("ct-2", "Cointelegraph", "Bitcoin climbs back above $100,000 as DeepSeek fears ease",
          "2025-01-28 09:00"),
    story("cd-2", "CoinDesk", "Bitcoin falls below $100,000 as DeepSeek rattles markets",
          "2025-01-27 05:00"),
    story("vb-1", "VentureBeat AI", "Nvidia sheds a record $589B in market value as DeepSeek "
          "spooks investors", "2025-01-27 21:00"),
]


def run(deduper: StoryDeduper, items: list[dict]) -> dict[str, object]:
    return {i["news_id"]: deduper.offer(i) for i in items}


def test_two_outlets_with_the_same_story_publish_it_once():
    verdicts = run(StoryDeduper(6 * HOUR, 0.6), DAY)
    assert {k for k, v in verdicts.items() if v is None} == {"cd-1", "tb-1", "ct-2", "cd-2",
                                                              "vb-1"}
    decrypt, telegraph = verdicts["dc-1"], verdicts["ct-1"]
    assert (decrypt.reason, decrypt.first_id, decrypt.first_source) == (
        "similar_title", "cd-1", "CoinDesk")
    assert (telegraph.reason, telegraph.first_id) == ("similar_title", "tb-1")
    assert decrypt.similarity >= 0.6


def test_same_url_or_id_is_the_same_story():
    d = StoryDeduper(6 * HOUR, 0.6)
    first = story("x-1", "CoinDesk", "Nvidia loses $589 billion", "2025-01-27 21:00",
                  "https://www.coindesk.example/markets/nvidia/?utm_source=rss")
    assert d.offer(first) is None
    syndicated = story("y-9", "Yahoo", "A different headline entirely", "2025-01-27 23:00",
                       "http://coindesk.example/markets/nvidia")
    assert d.offer(syndicated).reason == "same_url"
    again = d.offer(dict(first))
    assert (again.reason, again.first_source) == ("same_id", "CoinDesk")


def test_similar_headlines_outside_the_window_are_different_stories():
    d = StoryDeduper(6 * HOUR, 0.6)
    assert d.offer(story("a", "CoinDesk", "Crypto liquidations top $1B as DeepSeek rattles "
                         "markets", "2025-01-27 15:30")) is None
    assert d.offer(story("b", "Decrypt", "Crypto liquidations top $1B as DeepSeek rattles "
                         "markets", "2025-01-28 15:30")) is None


def test_decisions_depend_only_on_the_order_of_offers():
    first = run(StoryDeduper(6 * HOUR, 0.6), DAY)
    again = run(StoryDeduper(6 * HOUR, 0.6), DAY)
    assert first == again


def test_headline_normalization():
    assert title_words("Crypto liquidations top $1B | Cointelegraph", "Cointelegraph") == \
        title_words("crypto liquidations TOP $1 billion")
    assert "100000" in title_words("Bitcoin falls below $100K")
    assert dice(frozenset("ab"), frozenset("ab")) == 1.0 and dice(frozenset(), frozenset()) == 0
