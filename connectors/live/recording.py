"""Raw feed recordings: every websocket frame as received, with its receive time.

A recording is a directory: `recording.json` (format, and per venue the trade symbols
the connector subscribed to), `markets/<venue>.json` (the instrument metadata in use,
so a replay values contracts as the recording did) and hourly files
`raw-YYYYMMDDTHH-<writer start ms>.jsonl.gz` (UTC hour of receive time; a restarted
recorder starts new files rather than appending). Each line is one event:

    {"t": ms, "venue": "okx", "conn": "liquidations", "kind": "msg", "text": "<frame>"}
    {"t": ms, "venue": "okx", "conn": "liquidations", "kind": "connect"}

`conn` is the subscription key (connectors.venue.Subscription.key); a `connect` marks a
(re)connection, which a replay reproduces so backlogs and gaps follow the live path.
Files are gzip members flushed every second, so a crash loses at most that second and
a truncated file is read up to its last complete line.
"""

from __future__ import annotations

import gzip
import json
import logging
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import orjson

log = logging.getLogger("liqwatch.connectors")

FORMAT = 1
META = "recording.json"
MSG, CONNECT = "msg", "connect"
HOUR_MS = 3_600_000


class RecordingError(ValueError):
    """A directory that is not a readable recording; the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class RawEvent:
    """One recorded frame or connection event."""

    t: int
    venue: str
    conn: str
    kind: str
    text: str = ""


def hour_file(directory: Path, t_ms: int, writer_id: int) -> Path:
    """The file of one writer holding events received in `t_ms`'s UTC hour; names sort
    in time order."""
    hour = datetime.fromtimestamp(t_ms / 1000, timezone.utc).strftime("%Y%m%dT%H")
    return directory / f"raw-{hour}-{writer_id:013d}.jsonl.gz"


class RecordingWriter:
    """Appends events to the current hour's file; implements session.RawSink."""

    def __init__(self, directory: Path, flush_every_s: float = 1.0) -> None:
        self.directory = directory
        self.flush_every_s = flush_every_s
        self.events = 0
        self.files: list[Path] = []
        self._hour: int | None = None
        self._fh: gzip.GzipFile | None = None
        self._flushed_at = time.monotonic()
        directory.mkdir(parents=True, exist_ok=True)
        self._writer_id = time.time_ns() // 1_000_000
        while any(directory.glob(f"raw-*-{self._writer_id:013d}.jsonl.gz")):
            self._writer_id += 1  # never append to an earlier writer's (maybe truncated) file

    def write_meta(self, venues: dict[str, list[str]], markets: dict[str, list[dict]]) -> None:
        """Record which venues run with which trade symbols, and their markets."""
        meta = {"format": FORMAT, "venues": {v: {"trade_symbols": list(s)}
                                             for v, s in venues.items()}}
        (self.directory / META).write_text(json.dumps(meta, indent=1))
        mdir = self.directory / "markets"
        mdir.mkdir(exist_ok=True)
        for venue, rows in markets.items():
            (mdir / f"{venue}.json").write_text(json.dumps(rows, default=str))

    def message(self, venue: str, conn: str, text: str, received_ts: int) -> None:
        """One received frame."""
        self._write({"t": received_ts, "venue": venue, "conn": conn, "kind": MSG,
                     "text": text})

    def connected(self, venue: str, conn: str, ts: int) -> None:
        """A connection came up and subscribed."""
        self._write({"t": ts, "venue": venue, "conn": conn, "kind": CONNECT})

    def _write(self, event: dict) -> None:
        hour = event["t"] // HOUR_MS
        if hour != self._hour or self._fh is None:
            self.close()
            path = hour_file(self.directory, event["t"], self._writer_id)
            self._fh = gzip.open(path, "ab")
            self._hour = hour
            self.files.append(path)
        self._fh.write(orjson.dumps(event) + b"\n")
        self.events += 1
        if time.monotonic() - self._flushed_at >= self.flush_every_s:
            self._fh.flush()
            self._flushed_at = time.monotonic()

    def close(self) -> None:
        """Finish the current file."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None


@dataclass(frozen=True)
class Recording:
    """A recording directory opened for reading."""

    directory: Path
    venues: dict[str, list[str]]  # venue → trade symbols

    @classmethod
    def open(cls, directory: Path) -> Recording:
        """Read the metadata; raise RecordingError if `directory` is not a recording."""
        meta_path = directory / META
        if not meta_path.is_file():
            raise RecordingError(f"{directory} is not a recording (no {META}); make one "
                                 "with 'liqwatch record --out DIR'")
        try:
            meta = json.loads(meta_path.read_text())
            venues = {v: list(d["trade_symbols"]) for v, d in meta["venues"].items()}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise RecordingError(f"{meta_path} is damaged ({exc})") from None
        if meta.get("format") != FORMAT:
            raise RecordingError(f"{meta_path}: format {meta.get('format')!r}, this "
                                 f"liqwatch reads format {FORMAT}")
        return cls(directory, venues)

    def markets(self, venue: str) -> list[dict] | None:
        """The instrument metadata recorded for `venue`, if any."""
        path = self.directory / "markets" / f"{venue}.json"
        return json.loads(path.read_text()) if path.is_file() else None

    def files(self) -> list[Path]:
        """The hourly files in time order."""
        return sorted(self.directory.glob("raw-*.jsonl.gz"))

    def events(self, damaged: list[str] | None = None) -> Iterator[RawEvent]:
        """Every event in receive order; unreadable lines and truncated tails are
        skipped and described in `damaged`."""
        for path in self.files():
            yield from _read_file(path, damaged if damaged is not None else [])


def _read_file(path: Path, damaged: list[str]) -> Iterator[RawEvent]:
    with gzip.open(path, "rb") as fh:
        n = 0
        try:
            for n, line in enumerate(fh, start=1):
                try:
                    e = orjson.loads(line)
                    yield RawEvent(int(e["t"]), str(e["venue"]), str(e["conn"]),
                                   str(e["kind"]), str(e.get("text", "")))
                except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                    damaged.append(f"{path.name}:{n}: {exc}")
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            damaged.append(f"{path.name}: truncated after line {n} ({exc})")
