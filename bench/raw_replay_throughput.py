"""Raw-replay throughput: frames/s through local exchange servers, the real connectors,
Kafka, Faust and chDB (`liqwatch replay --raw` at full speed).

    .venv/bin/python bench/raw_replay_throughput.py [--frames N] [--entries K]

Writes a synthetic recording of N frames (Bybit linear allLiquidation pushes of K
entries each, OKX liquidation-orders pushes, alternating, 10 ms apart in receive time)
into a temp dir, replays it into a fresh embedded broker and chDB, and prints frames/s
and liquidations/s (first push to last ClickHouse flush; broker start and Faust's group
join are excluded by `ReplaySummary.wall_s`).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from pathlib import Path

from connectors.live.recording import Recording, RecordingWriter
from connectors.testing import messages as msg
from liqwatch.config import Config
from liqwatch.raw_replay import replay_raw
from storage import migrate, open_store

T0 = 1_737_961_200_000


def write_recording(directory: Path, frames: int, entries: int) -> int:
    """The synthetic recording; returns the liquidations it holds."""
    w = RecordingWriter(directory)
    w.write_meta({"bybit": [], "okx": []}, {})
    w.connected("bybit", "liquidations:linear", T0)
    w.connected("okx", "liquidations", T0)
    liqs = 0
    for n in range(frames):
        t = T0 + 10 * (n + 1)
        if n % 2:
            w.message("okx", "liquidations", msg.okx_liquidation_orders(
                "SWAP", "BTC-USDT-SWAP", [("sell", "long", 3 + n % 7, 100_000 + n % 50)], t), t)
            liqs += n > 1  # the first OKX push is the backlog
        else:
            w.message("bybit", "liquidations:linear", msg.bybit_all_liquidation(
                "ETHUSDT", [("Buy", 0.1 + k, 3_000 + n % 40) for k in range(entries)], t), t)
            liqs += entries
    w.close()
    return liqs


def main() -> None:
    """Run the benchmark and print one line of figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=20_000)
    ap.add_argument("--entries", type=int, default=3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        rec_dir = Path(tmp) / "rec"
        expected = write_recording(rec_dir, args.frames, args.entries)
        cfg = Config(data_dir=Path(tmp) / "data")
        cfg.stream.session_timeout_s = 3.0
        with open_store(cfg.clickhouse_url) as store:
            migrate(store)
            t0 = time.perf_counter()
            summary = asyncio.run(replay_raw(cfg, store, Recording.open(rec_dir)))
            total = time.perf_counter() - t0
        rows = summary.rows["liquidations"]
        print(f"frames {args.frames:,} liquidations {rows:,} (expected {expected:,}); "
              f"replay {summary.wall_s:.1f} s = {args.frames / summary.wall_s:,.0f} frames/s, "
              f"{rows / summary.wall_s:,.0f} liquidations/s; whole command {total:.1f} s")


if __name__ == "__main__":
    main()
