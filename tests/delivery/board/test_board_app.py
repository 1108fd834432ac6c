"""The web board's HTTP app on a real chDB store: the SSE stream (snapshot first, then only
newer versions, in order, with heartbeats), the chart and asset endpoints, and serving
on port 0. No Kafka: records go into the board's state the way its topic feed puts them."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer

from delivery.board import BoardError, WebBoard
from delivery.board.app import make_app
from delivery.board.state import BoardState
from liqwatch.config import ConfigError
from liqwatch.config import load as load_config
from storage import Store, migrate, open_store

MIN = 60_000
T0 = 1_737_932_400_000  # 2025-01-26 23:00 UTC
SECTORS = {"ai": ["FET", "RENDER", "TAO", "WLD"]}


def spike(spike_id: str, version: int, **extra: object) -> dict:
    return {"spike_id": spike_id, "scope": "sector", "key": "ai", "assets": ["FET", "TAO"],
            "liquidated_side": "long", "horizon": "5m", "onset_ts": T0, "detected_at": T0 + MIN,
            "peak_ts": T0 + 2 * MIN, "end_ts": None, "notional_usd": 1e6 * version,
            "baseline_usd": 1e4, "ratio": 100.0 * version, "zscore": 9.0, "event_count": 10,
            "severity": "critical", "status": "open", "version": version, **extra}


def alert(alert_id: str, version: int, spike_id: str = "s1") -> dict:
    return {"alert_id": alert_id, "created_at": T0 + MIN, "spike_id": spike_id,
            "news_id": "n1", "relation": "trigger", "correlation_score": 0.8,
            "severity": "critical", "version": version, "assets": ["FET", "TAO"],
            "title": f"AI tokens longs liquidated; likely trigger: 'DeepSeek tops the App Store' "
                     f"39 min earlier, relevance 1.00 (v{version})", "body": "why"}


async def read_event(resp: aiohttp.ClientResponse) -> dict:
    """The next SSE message as {field: value}; comments come back as {"comment": text}."""
    raw = (await asyncio.wait_for(resp.content.readuntil(b"\n\n"), 5)).decode()
    msg: dict = {}
    for line in raw.strip("\n").split("\n"):
        name, _, value = line.partition(": ")
        msg["comment" if name == "" else name] = value
    return msg


async def next_data_event(resp: aiohttp.ClientResponse) -> dict:
    while True:
        msg = await read_event(resp)
        if "event" in msg:
            return msg


def with_client(app, body):  # noqa: ANN001, ANN201 - runs one test against the app
    async def main():  # noqa: ANN202
        async with TestClient(TestServer(app)) as client:
            return await body(client)

    return asyncio.run(main())


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A migrated chDB store holding one AI-token cascade with its news."""
    s = open_store(f"chdb://{tmp_path_factory.mktemp('board-chdb')}")
    migrate(s)
    minutes = [T0 + i * MIN for i in range(-30, 30)]
    rows = [(m, "FET", "binanceusdm", "long", 5 if m < T0 else 50, 1_000.0 if m < T0 else 90_000.0)
            for m in minutes]
    rows += [(m, "FET", "bybit", "short", 1, 200.0) for m in minutes]
    rows += [(m, "BTC", "binanceusdm", "long", 3, 5_000_000.0) for m in minutes[:5]]
    rows += [(T0 - 20 * 60 * MIN, "ETH", "okx", "short", 2, 4_000.0)]   # 20 h earlier, alone
    s.insert("liquidations_1m", {
        "minute": [r[0] for r in rows], "asset": [r[1] for r in rows],
        "exchange": [r[2] for r in rows], "liquidated_side": [r[3] for r in rows],
        "events": [r[4] for r in rows], "notional_usd": [r[5] for r in rows],
        "max_event_usd": [r[5] for r in rows]})
    news = [("n1", T0 - 39 * MIN, "DeepSeek tops the App Store", 1.0, "event", ["FET"]),
            ("n2", T0 + 10 * MIN, "Celebrity sneakers sell out", 0.0, "other", []),
            ("n3", T0 + 20 * MIN, "FET listing on a new venue", 0.1, "other", ["FET"]),
            ("n4", T0 - 5 * 60 * MIN, "Older AI story", 0.9, "event", [])]
    s.insert("news", {
        "news_id": [n[0] for n in news], "source": ["wire"] * len(news),
        "published_at": [n[1] for n in news], "title": [n[2] for n in news],
        "body": [""] * len(news), "url": [""] * len(news), "ai_score": [n[3] for n in news],
        "entities": [[] for _ in news], "assets": [n[5] for n in news],
        "kind": [n[4] for n in news]})
    for version, status, end in ((1, "open", None), (2, "resolved", T0 + 20 * MIN)):
        sp = spike("s1", version, status=status, end_ts=end)
        s.insert("spikes", {k: [sp[k]] for k in (
            "spike_id", "scope", "key", "assets", "liquidated_side", "horizon", "onset_ts",
            "detected_at", "peak_ts", "end_ts", "notional_usd", "baseline_usd", "ratio",
            "zscore", "event_count", "severity", "status", "version")})
    yield s
    s.close()


def test_state_keeps_the_latest_version_only() -> None:
    state = BoardState()
    assert state.apply("spike", spike("s1", 2)).seq == 1
    assert state.apply("spike", spike("s1", 1)) is None       # older: ignored
    assert state.apply("spike", spike("s1", 2)) is None       # redelivered: ignored
    assert state.apply("spike", spike("s1", 3)).seq == 2
    assert state.apply("alert", alert("a1", 1)).seq == 3
    assert state.apply("alert", {"no_id": True}) is None
    snap = state.snapshot()
    assert snap["seq"] == 3
    assert [s["version"] for s in snap["spikes"]] == [3]
    assert [a["alert_id"] for a in snap["alerts"]] == ["a1"]


def test_events_send_the_snapshot_then_newer_versions_in_order(store: Store) -> None:
    state = BoardState()
    state.apply("spike", spike("s1", 1))
    state.apply("alert", alert("a1", 1))
    app = make_app(state, store, SECTORS, heartbeat_s=0.2)

    async def body(client: TestClient) -> None:
        resp = await client.get("/events")
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/event-stream")
        snap = await next_data_event(resp)
        assert snap["event"] == "snapshot" and snap["id"] == "2"
        data = orjson.loads(snap["data"])
        assert data["sectors"] == SECTORS
        assert [(s["spike_id"], s["version"]) for s in data["spikes"]] == [("s1", 1)]
        assert [(a["alert_id"], a["version"]) for a in data["alerts"]] == [("a1", 1)]

        state.apply("spike", spike("s1", 2))
        state.apply("alert", alert("a1", 1))          # a redelivered version: not sent
        state.apply("alert", alert("a1", 2))
        state.apply("spike", spike("s1", 1))          # stale: not sent
        state.apply("alert", alert("a2", 1, "s2"))
        got = [await next_data_event(resp) for _ in range(3)]
        assert [(m["event"], m["id"]) for m in got] == [("spike", "3"), ("alert", "4"),
                                                        ("alert", "5")]
        records = [orjson.loads(m["data"]) for m in got]
        assert [r["version"] for r in records] == [2, 2, 1]
        assert records[2]["alert_id"] == "a2"

        beat = await read_event(resp)                  # nothing new: a heartbeat comment
        assert beat == {"comment": "heartbeat"}
        resp.close()

    with_client(app, body)


def test_a_second_browser_gets_the_latest_versions_in_its_snapshot(store: Store) -> None:
    state = BoardState()
    app = make_app(state, store, SECTORS)

    async def body(client: TestClient) -> dict:
        for v in (1, 2, 3):
            state.apply("spike", spike("s1", v))
        state.apply("alert", alert("a1", 2))
        state.apply("alert", alert("a1", 1))
        resp = await client.get("/events")
        data = orjson.loads((await next_data_event(resp))["data"])
        resp.close()
        return data

    data = with_client(app, body)
    assert [s["version"] for s in data["spikes"]] == [3]
    assert [a["version"] for a in data["alerts"]] == [2]


def test_chart_gives_per_minute_sides_spikes_and_news(store: Store) -> None:
    app = make_app(BoardState(), store, SECTORS)

    async def body(client: TestClient) -> tuple[dict, dict]:
        resp = await client.get("/api/chart", params={"assets": "FET", "hours": "1",
                                                      "end": str(T0 + 30 * MIN)})
        assert resp.status == 200
        fet = await resp.json()
        resp = await client.get("/api/chart", params={"hours": "2"})
        latest = await resp.json()
        return fet, latest

    fet, latest = with_client(app, body)
    assert fet["start"] == T0 - 30 * MIN and fet["end"] == T0 + 30 * MIN
    assert fet["bucket_minutes"] == 1 and len(fet["long_usd"]) == 60
    assert fet["long_usd"][0] == 1_000.0 and fet["long_usd"][30] == 90_000.0
    assert fet["long_events"][30] == 50 and fet["short_usd"] == [200.0] * 60
    assert [(s["spike_id"], s["status"], s["end_ts"]) for s in fet["spikes"]] == [
        ("s1", "resolved", T0 + 20 * MIN)]                 # the latest version only
    assert [n["news_id"] for n in fet["news"]] == ["n3"]  # n1 is before the window
    # No end: the window ends after the newest stored minute of any asset (BTC included).
    assert latest["end"] == T0 + 30 * MIN and latest["bucket_minutes"] == 1
    assert latest["start"] == T0 - 90 * MIN
    assert latest["long_usd"][60] == 1_000.0 + 5_000_000.0  # BTC and FET summed
    assert [n["news_id"] for n in latest["news"]] == ["n1"]  # AI stories only


def test_chart_buckets_long_windows_and_rejects_bad_parameters(store: Store) -> None:
    app = make_app(BoardState(), store, SECTORS)

    async def body(client: TestClient) -> tuple[dict, dict, list[int], dict]:
        resp = await client.get("/api/chart", params={"hours": "24"})
        day = await resp.json()
        resp = await client.get("/api/chart", params={"assets": "FET", "hours": "168"})
        young = await resp.json()
        statuses = [(await client.get("/api/chart", params=p)).status for p in (
            {"assets": "FET'; DROP TABLE x"}, {"hours": "-1"}, {"hours": "x"},
            {"end": "yesterday"})]
        assets = await (await client.get("/api/assets")).json()
        return day, young, statuses, assets

    day, young, statuses, assets = with_client(app, body)
    # 24 h asked, 20.5 h of data (from the lone ETH minute): 2-minute bars from the data's start.
    assert day["start"] == T0 - 20 * 60 * MIN and day["end"] == T0 + 30 * MIN
    assert day["bucket_minutes"] == 2 and len(day["long_usd"]) == 615
    assert day["short_usd"][0] == 2_000.0                  # 4k in one of 2 minutes: 2k/min
    i = (T0 - 20 * MIN - day["start"]) // (2 * MIN)
    assert day["long_usd"][i] == 1_000.0                   # 2 minutes of 1k: 1k per minute
    # FET's data starts 30 min before T0: a week's window shows just that, minute by minute.
    assert young["start"] == T0 - 30 * MIN and young["bucket_minutes"] == 1
    assert statuses == [400, 400, 400, 400]
    assert [a["asset"] for a in assets["assets"]] == ["BTC", "FET", "ETH"]


def test_chart_of_an_asset_without_data_says_so(store: Store) -> None:
    app = make_app(BoardState(), store, SECTORS)

    async def body(client: TestClient) -> dict:
        return await (await client.get("/api/chart", params={"assets": "NOPE"})).json()

    assert with_client(app, body) == {"assets": ["NOPE"], "empty": True}


def test_board_serves_page_and_assets_on_port_zero(store: Store) -> None:
    async def main() -> tuple[str, list[int], str, str]:
        board = WebBoard("127.0.0.1", 0, store, sectors=SECTORS)
        url = await board.serve()
        try:
            async with aiohttp.ClientSession() as http:
                statuses, texts = [], []
                for path in ("", "static/board.js", "static/board.css", "static/nope.js"):
                    async with http.get(url + path) as resp:
                        statuses.append(resp.status)
                        texts.append(await resp.text())
        finally:
            await board.close()
            await board.close()                       # safe twice
        return url, statuses, texts[0], texts[1]

    url, statuses, html, js = asyncio.run(main())
    assert url.startswith("http://127.0.0.1:") and not url.endswith(":0/")
    assert statuses == [200, 200, 200, 404]
    assert '<script src="/static/board.js">' in html and "http" not in html.split("<body>")[1]
    assert 'new EventSource("/events")' in js


def test_board_serves_again_on_the_same_url_and_reports_a_busy_port(store: Store) -> None:
    """--keep-serving re-serves the final state in a new event loop on the same URL."""
    board = WebBoard("127.0.0.1", 0, store)
    board.state.apply("alert", alert("a1", 1))

    async def serve_and_read() -> tuple[str, dict]:
        url = await board.serve()
        try:
            async with aiohttp.ClientSession() as http, http.get(url + "events") as resp:
                snap = orjson.loads((await next_data_event(resp))["data"])
        finally:
            await board.close()
        return url, snap

    first_url, _ = asyncio.run(serve_and_read())
    second_url, snap = asyncio.run(serve_and_read())
    assert second_url == first_url
    assert [a["alert_id"] for a in snap["alerts"]] == ["a1"]

    async def busy() -> str:
        holder = WebBoard("127.0.0.1", 0, store)
        port = int((await holder.serve()).rsplit(":", 1)[1].rstrip("/"))
        try:
            with pytest.raises(BoardError) as err:
                await WebBoard("127.0.0.1", port, store).serve()
        finally:
            await holder.close()
        return str(err.value)

    assert "cannot listen on 127.0.0.1:" in asyncio.run(busy())


def test_board_config_section() -> None:
    cfg = load_config(env={})
    assert (cfg.board.enabled, cfg.board.host, cfg.board.port) == (True, "127.0.0.1", 8765)


@pytest.mark.parametrize(("text", "message"), [
    ("[board]\nport = \"web\"\n", "give a TCP port"),
    ("[board]\nport = 70000\n", "give a TCP port"),
    ("[board]\nhost = \"\"\n", "give an address"),
    ("[board]\nenabled = \"yes\"\n", "give true or false"),
    ("[board]\nbind = \"x\"\n", "unknown setting 'bind'"),
])
def test_board_config_mistakes_say_what_to_write(tmp_path, text: str, message: str) -> None:
    path = tmp_path / "liqwatch.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(path, env={})


def test_keep_serving_without_the_board_is_refused(tmp_path) -> None:
    news = tmp_path / "news.jsonl"
    news.write_text("")
    run = subprocess.run(
        [sys.executable, "-m", "liqwatch.cli", "--data-dir", str(tmp_path / "data"), "replay",
         "--news", str(news), "--no-board", "--keep-serving"],
        capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parents[3])
    assert run.returncode == 1
    assert "--keep-serving keeps the web board up: drop --no-board" in run.stderr
