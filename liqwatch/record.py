"""`liqwatch record`: connect to the enabled venues and write every raw frame with its
receive time (connectors.live.recording), without a broker or worker."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from pathlib import Path

from connectors.live.recording import RecordingWriter
from connectors.live.session import Session
from connectors.venue import Decoded, Subscription, Venue
from liqwatch.config import Config
from liqwatch.live import build_venues, start_recording

log = logging.getLogger("liqwatch.record")


class Recorder:
    """The sessions of every enabled venue writing into one recording."""

    def __init__(self, cfg: Config, out: Path) -> None:
        self.cfg, self.out = cfg, out
        self.started = asyncio.Event()
        self.sessions: list[Session] = []
        self.records: Counter = Counter()  # (venue, kind) decoded, shown as progress
        self.writer: RecordingWriter | None = None

    async def run(self, report_every_s: float = 10.0) -> None:
        """Record until cancelled; the current file is closed on the way out."""
        venues = await build_venues(self.cfg)
        writer = self.writer = start_recording(self.out, venues)
        self.sessions = [Session(v.venue, sub, self._on_decoded, self._on_gap, writer)
                         for v in venues for sub in v.venue.subscriptions(v.trade_symbols)]
        tasks = [asyncio.create_task(s.run(), name=f"record:{s.venue.name}:{s.sub.key}")
                 for s in self.sessions]
        print(f"liqwatch record: {', '.join(v.venue.name for v in venues)} -> {self.out}; "
              "Ctrl-C to stop", flush=True)
        self.started.set()
        try:
            while True:
                await asyncio.sleep(report_every_s)
                print(self.progress(), flush=True)
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            writer.close()
            print(self.progress(), flush=True)

    def progress(self) -> str:
        """One line: frames written, files, and records decoded per venue."""
        writer = self.writer
        per_venue = ", ".join(f"{v} {k} {n:,}" for (v, k), n in sorted(self.records.items()))
        return (f"recorded {writer.events if writer else 0:,} frames in "
                f"{len(writer.files) if writer else 0} file(s); {per_venue or 'no records yet'}")

    async def _on_decoded(self, venue: Venue, sub: Subscription, decoded: Decoded) -> None:
        self.records[(venue.name, "liquidations")] += len(decoded.liquidations)
        self.records[(venue.name, "trades")] += len(decoded.trades)
        self.records[(venue.name, "rejects")] += len(decoded.rejects)

    async def _on_gap(self, gap: dict) -> None:
        log.warning("gap exchange=%s channel=%s from=%d to=%d (the recording's reconnect "
                    "marker reproduces it on replay)", gap["exchange"], gap["channel"],
                    gap["from_ts"], gap["to_ts"])
