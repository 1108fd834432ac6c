"""`liqwatch run` with news: two RSS feeds, a JSON API and a tailed news.jsonl file, all
local. Every story lands once in the news table with the lexicon's verdict; a story
published while the run is going waits out the news delay and is not late; a bad item
reaches the dlq with its reason."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path

import aiohttp
import orjson
import pytest

from connectors.live.session import now_ms
from connectors.testing.protocols import protocols_for
from connectors.testing.server import ExchangeServer
from connectors.testing.waiting import until
from storage import open_store
from tests.connectors.news.conftest import NewsServer, rss, utc
from tests.integration.test_live_run import VENUES, metric, read_until

FRESH = """<?xml version="1.0"?><rss version="2.0"><channel><title>Markets Wire</title>
<item><title>Crypto Liquidations Top $1 Billion as DeepSeek Shakes Markets</title>
<link>https://marketswire.example/live/liquidations</link><pubDate>{at}</pubDate>
<description>Leveraged traders were liquidated as bitcoin fell below $98,000.</description>
</item></channel></rss>"""


def config(tmp_path: Path, exchange: ExchangeServer, news: NewsServer, jsonl: Path) -> Path:
    lines = ["[stream]", "session_timeout_s = 3.0",
             "[live]", "trade_assets = []", 'metrics_addr = "127.0.0.1:0"', "[board]", "port = 0",
             "[news]", "poll_interval_s = 0.3", "watermark_delay_s = 3",
             f'files = ["{jsonl}"]',
             "[[news.feeds]]", 'name = "Block Ledger"', f'url = "{news.url("/ledger")}"',
             "[[news.feeds]]", 'name = "Markets Wire"', f'url = "{news.url("/wire")}"',
             "[[news.json_sources]]", 'name = "Wire API"', f'url = "{news.url("/api")}"',
             'items_path = "data"', 'fields = { title = "headline", published_at = "ts" }']
    for name in VENUES:
        lines.append(f"[exchanges.{name}]")
        if name == "binanceusdm":
            lines += [f'ws_url = "{exchange.url("")}"', 'rest_url = "http://127.0.0.1:1"']
        else:
            lines.append("enabled = false")
    path = tmp_path / "liqwatch.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


async def session(tmp_path: Path) -> str:
    exchange = ExchangeServer(protocols_for("binanceusdm"))
    await exchange.start()
    news = NewsServer()
    await news.start()
    news.publish("/ledger", rss("app_store", "liquidations", "no_title"), "application/rss+xml",
                 utc("2025-01-27 15:30"))
    news.publish("/api", orjson.dumps({"data": [
        {"id": "api-1", "headline": "OpenAI says it found signs DeepSeek used its models",
         "ts": 1738138200}]}), "application/json", utc("2025-01-29 08:10"))
    jsonl = tmp_path / "news.jsonl"
    jsonl.write_text(orjson.dumps({
        "id": "file-1", "published_at": "2025-01-20T13:40:00+00:00", "source": "Tech Brief",
        "title": "DeepSeek releases R1 reasoning model, says it rivals OpenAI's o1"}).decode()
        + "\n")
    env = {**os.environ, "LIQWATCH_DATA_DIR": str(tmp_path / "data")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "liqwatch.cli", "--config",
        str(config(tmp_path, exchange, news, jsonl)), "run",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=env)
    seen: list[str] = []
    try:
        metrics_url = (await read_until(proc.stdout, "metrics: ", seen)).split(" ", 1)[1]
        started = await read_until(proc.stdout, "liqwatch run: ", seen)
        assert "news from 4 sources" in started
        await until(lambda: len(news.headers_of("/wire")) >= 2, 60, "the news poller polling")
        at = datetime.fromtimestamp(now_ms() / 1000 - 1, timezone.utc)
        news.publish("/wire", FRESH.format(at=format_datetime(at, usegmt=True)),
                     "application/rss+xml", at)
        text = ""
        deadline = asyncio.get_running_loop().time() + 120
        async with aiohttp.ClientSession() as http:
            while metric(text, "liqwatch_worker_sink_rows_total", table="news") < 5 or metric(
                    text, "liqwatch_worker_sink_rows_total", table="dlq") < 1:
                assert asyncio.get_running_loop().time() < deadline, f"news not sunk:\n{text}"
                await asyncio.sleep(0.2)
                async with http.get(metrics_url) as r:
                    text = await r.text()
        proc.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(proc.wait(), 60) in (0, 130, 143)
        return "".join(seen)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await news.stop()
        await exchange.stop()


@pytest.mark.integration
def test_liqwatch_run_publishes_news_from_every_kind_of_source(tmp_path: Path):
    asyncio.run(session(tmp_path))
    with open_store(f"chdb://{tmp_path / 'data' / 'chdb'}") as store:
        rows = store.query("SELECT source, title, kind, ai_score >= 0.5 FROM liqwatch.news "
                           "FINAL ORDER BY published_at").rows
        dlq = store.query("SELECT source, reason FROM liqwatch.dlq FINAL").rows
    assert [(r[0], r[2], r[3]) for r in rows] == [
        ("Tech Brief", "event", True),                 # file
        ("Block Ledger", "event", True),               # RSS: the App Store story
        ("Block Ledger", "coverage", True),            # RSS: the liquidations story
        ("Wire API", "event", True),                   # JSON API
        ("Markets Wire", "coverage", True)]            # published during the run
    assert ("news:Block Ledger", "missing_field") in dlq
    assert not [d for d in dlq if d[1] == "late"]
