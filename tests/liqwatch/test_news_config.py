"""The [news] section: public feeds by default, tables of sources, and mistakes that end
in one line saying what to write."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from connectors.news.feed import FeedSource
from connectors.news.files import FileSource
from connectors.news.json_api import JsonSource
from liqwatch.config import DEFAULT_NEWS_FEEDS, ConfigError, NewsConfig, load
from liqwatch.live import news_sources


def config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "liqwatch.toml"
    path.write_text(text)
    return path


def test_defaults_poll_the_public_feeds():
    news = NewsConfig()
    assert news.enabled and [(f.name, f.url) for f in news.feeds] == list(DEFAULT_NEWS_FEEDS)
    names = {f.name for f in news.feeds}
    assert {"CoinDesk", "Cointelegraph", "Decrypt", "The Block", "TechCrunch AI",
            "The Verge AI", "VentureBeat AI", "Ars Technica AI"} <= names
    assert all(f.url.startswith("https://") for f in news.feeds)
    sources = news_sources(news)
    assert [s.name for s in sources] == [f.name for f in news.feeds]
    assert all(isinstance(s, FeedSource) for s in sources)


def test_tables_of_sources(tmp_path: Path):
    cfg = load(config(tmp_path, """
[news]
poll_interval_s = 30
dedupe_window_s = 3600
files = ["news/today.jsonl"]

[[news.feeds]]
name = "CoinDesk"
url = "https://www.coindesk.com/arc/outboundfeeds/rss/"

[[news.json_sources]]
name = "Wire API"
url = "https://api.example.com/v1/news?limit=50"
items_path = "data.results"
fields = { title = "headline", published_at = "meta.time" }
"""), env={})
    news = cfg.news
    assert news.poll_interval_s == 30 and news.dedupe_window_s == 3600
    assert [f.name for f in news.feeds] == ["CoinDesk"]             # replaces the defaults
    api = news.json_sources[0]
    assert (api.items_path, api.fields) == ("data.results",
                                            {"title": "headline", "published_at": "meta.time"})
    assert news.files == [Path("news/today.jsonl")]
    kinds = [type(s) for s in news_sources(news)]
    assert kinds == [FeedSource, JsonSource, FileSource]


def test_disabled_news_has_no_sources(tmp_path: Path):
    assert news_sources(load(config(tmp_path, "[news]\nenabled = false\n"), env={}).news) == []


@pytest.mark.parametrize("text, says", [
    ('[[news.feeds]]\nname = "CoinDesk"\nurl = "coindesk.com/rss"\n',
     "news.feeds[0].url = 'coindesk.com/rss': give the full http(s) URL, e.g. url = \"https://"),
    ('[[news.json_sources]]\nname = "Api"\nurl = "ftp://x.example/news"\n',
     "news.json_sources[0].url = 'ftp://x.example/news': give the full http(s) URL"),
    ('[[news.feeds]]\nname = ""\nurl = "https://a.example/rss"\n',
     "news.feeds[0].name = '': give each source its own non-empty name"),
    ('[news]\nfeeds = ["https://a.example/rss"]\n',
     'news.feeds[0]: expected a table such as { name = "…", url = "…" }'),
    ('[news]\npoll_interval_s = 0\n',
     "news.poll_interval_s = 0: give a number of seconds, above 0"),
    ('[news]\nwatermark_delay_s = "2m"\n', "news.watermark_delay_s = '2m': give a number of"),
    ('[news]\nfiles = [3]\n', "news.files[0] = 3: give it in quotes"),
    ('[news]\ndedupe_threshold = 1.5\n', "news.dedupe_threshold = 1.5: give a number in (0, 1]"),
    ('[news]\nfiles = "news.jsonl"\n', "news.files = 'news.jsonl': give a list"),
    ('[news]\npoll_every = 5\n', "news: unknown setting 'poll_every'"),
])
def test_mistakes_say_what_to_write(tmp_path: Path, text: str, says: str):
    with pytest.raises(ConfigError) as err:
        load(config(tmp_path, text), env={})
    assert says in str(err.value) and "\n" not in str(err.value)


def test_unknown_json_field_is_a_config_error(tmp_path: Path):
    cfg = load(config(tmp_path, '[[news.json_sources]]\nname = "Api"\n'
                      'url = "https://api.example.com/news"\nfields = { headline = "h" }\n'),
               env={})
    with pytest.raises(ConfigError, match=r"json_sources\[0\].fields: unknown story fields"):
        news_sources(cfg.news)


def test_liqwatch_run_with_a_bad_feed_url_exits_with_one_line(tmp_path: Path):
    path = config(tmp_path, '[[news.feeds]]\nname = "CoinDesk"\nurl = "www.coindesk.com/rss"\n')
    r = subprocess.run([sys.executable, "-m", "liqwatch.cli", "--config", str(path),
                        "--data-dir", str(tmp_path / "data"), "run"],
                       capture_output=True, text=True, timeout=120)
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert r.returncode == 1 and len(lines) == 1, r.stderr
    assert "give the full http(s) URL" in lines[0]
