"""Raw recordings: hourly files, receive order, metadata, and damaged input reported
rather than fatal."""

from __future__ import annotations

import gzip

import pytest

from connectors.live.recording import (CONNECT, MSG, HOUR_MS, RawEvent, Recording,
                                       RecordingError, RecordingWriter)

T0 = 1_737_961_200_000  # 2025-01-27 07:00:00 UTC


def write(directory, events):
    w = RecordingWriter(directory)
    w.write_meta({"okx": ["BTC-USDT-SWAP"]}, {"okx": [{"id": "BTC-USDT-SWAP"}]})
    for e in events:
        if e.kind == CONNECT:
            w.connected(e.venue, e.conn, e.t)
        else:
            w.message(e.venue, e.conn, e.text, e.t)
    w.close()
    return w


def test_round_trip_in_receive_order_across_hourly_files(tmp_path):
    events = [RawEvent(T0 + 5, "okx", "liquidations", CONNECT),
              RawEvent(T0 + 6, "okx", "liquidations", MSG, '{"event":"subscribe"}'),
              RawEvent(T0 + HOUR_MS - 1, "okx", "trades", MSG, "pong"),
              RawEvent(T0 + HOUR_MS, "okx", "liquidations", MSG, '{"arg":{},"data":[]}\n'),
              RawEvent(T0 + 3 * HOUR_MS, "okx", "liquidations", CONNECT)]
    w = write(tmp_path, events)
    rec = Recording.open(tmp_path)
    assert [p.name[:15] for p in rec.files()] == ["raw-20250127T07", "raw-20250127T08",
                                                  "raw-20250127T10"]
    assert w.events == 5 and w.files == rec.files()
    assert list(rec.events()) == events
    assert rec.venues == {"okx": ["BTC-USDT-SWAP"]}
    assert rec.markets("okx") == [{"id": "BTC-USDT-SWAP"}] and rec.markets("bybit") is None


def test_a_restarted_writer_starts_new_files_after_the_old_ones(tmp_path):
    write(tmp_path, [RawEvent(T0, "okx", "liquidations", MSG, "a")])
    write(tmp_path, [RawEvent(T0 + 1, "okx", "liquidations", MSG, "b")])
    rec = Recording.open(tmp_path)
    assert len(rec.files()) == 2
    assert [e.text for e in rec.events()] == ["a", "b"]


def test_truncated_file_and_bad_lines_are_reported_and_skipped(tmp_path):
    write(tmp_path, [RawEvent(T0 + n, "okx", "liquidations", MSG, f"m{n}") for n in range(50)])
    [path] = Recording.open(tmp_path).files()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 30])             # a crash mid-write
    extra = tmp_path / "raw-20250127T09-0000000000000.jsonl.gz"
    with gzip.open(extra, "wb") as fh:
        fh.write(b'{"t": 1, "venue": "okx"}\nnot json\n'
                 b'{"t": 2, "venue": "okx", "conn": "liquidations", "kind": "msg", "text": "ok"}\n')
    damaged: list[str] = []
    events = list(Recording.open(tmp_path).events(damaged))
    assert events[-1].text == "ok" and events[0].text == "m0"
    assert 0 < len(events) - 1 < 50                       # what was complete is kept
    assert len(damaged) == 3 and "truncated" in damaged[0]


@pytest.mark.parametrize("meta,error", [
    (None, "is not a recording"), ("{", "is damaged"),
    ('{"format": 99, "venues": {}}', "format 99")])
def test_not_a_recording(tmp_path, meta, error):
    if meta is not None:
        (tmp_path / "recording.json").write_text(meta)
    with pytest.raises(RecordingError, match=error):
        Recording.open(tmp_path)
