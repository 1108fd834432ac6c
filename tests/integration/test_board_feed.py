"""The web board as a replay's alert surface, on the real embedded broker and chDB: a
browser-like SSE client connected before the replay ends up with exactly the spikes and
alerts the workers raised, each at its latest version, in the order the board took them."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp
import orjson
import pytest

from delivery.board import WebBoard
from liqwatch.config import Config
from liqwatch.replay import ReplaySummary, replay
from storage import migrate, open_store
from tests.integration.conftest import scenario_inputs

pytestmark = pytest.mark.integration


async def follow(url: str, seen: list[tuple[int, str, dict]]) -> None:
    """Read /events like an EventSource: (id, event, data) of every message."""
    async with aiohttp.ClientSession() as http, http.get(url + "events") as resp:
        while True:
            raw = (await resp.content.readuntil(b"\n\n")).decode()
            fields = dict(line.split(": ", 1) for line in raw.strip().split("\n")
                          if line and not line.startswith(":") and ": " in line)
            if "event" in fields:
                seen.append((int(fields["id"]), fields["event"], orjson.loads(fields["data"])))


def test_board_follows_a_replay_to_the_latest_versions(small, tmp_path: Path) -> None:
    cfg = Config()
    cfg.data_dir = tmp_path
    cfg.stream.partitions = 2
    cfg.stream.session_timeout_s = 3.0
    cfg.replay.timeout_s = 300

    async def main(store) -> tuple[ReplaySummary, WebBoard, list]:  # noqa: ANN001
        board = WebBoard("127.0.0.1", 0, store, sectors=cfg.stream.sectors, heartbeat_s=1.0)
        url = await board.serve()
        seen: list[tuple[int, str, dict]] = []
        client = asyncio.create_task(follow(url, seen))
        try:
            summary = await replay(cfg, store, scenario_inputs(small), surfaces=[board])
            deadline = time.monotonic() + 30
            while not seen or seen[-1][0] < board.state.seq:
                assert time.monotonic() < deadline, "the SSE client did not get every update"
                await asyncio.sleep(0.05)
        finally:
            client.cancel()
            await board.close()
        return summary, board, seen

    with open_store(cfg.clickhouse_url) as store:
        migrate(store)
        summary, board, seen = asyncio.run(main(store))

    assert summary.alerts, "the small scenario raises alerts"
    # The board holds what the workers raised, each at its final version.
    assert board.state.records["spike"] == {s["spike_id"]: s for s in summary.spikes}
    assert board.state.records["alert"] == {a["alert_id"]: a for a in summary.alerts}
    # The browser got a snapshot, then every accepted version once, in order, never older.
    ids = [seq for seq, _, _ in seen]
    assert seen[0][1] == "snapshot" and ids == sorted(set(ids))
    assert ids == list(range(ids[0], ids[0] + len(ids)))
    latest: dict[str, dict] = {}
    snapshot = seen[0][2]
    for kind, records in (("spike", snapshot["spikes"]), ("alert", snapshot["alerts"])):
        for rec in records:
            latest[rec[f"{kind}_id"]] = rec
    for _, kind, rec in seen[1:]:
        key = rec[f"{kind}_id"]
        assert key not in latest or rec["version"] > latest[key]["version"]
        latest[key] = rec
    assert latest == {**board.state.records["spike"], **board.state.records["alert"]}
