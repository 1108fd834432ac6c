"""The replay report on a real chDB store: the chart is a deterministic PNG of sane size,
the Markdown carries the period, events, notional by side, spikes (latest versions),
alerts with their trigger stories and dead letters."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from liqwatch.report import (MARKDOWN, PNG, ReportData, bin_minutes, load_report,
                             spike_labels, write_report)
from storage import Store, migrate, open_store
from tests.sample_alerts import fill


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReportData]:
    store: Store = open_store(f"chdb://{tmp_path_factory.mktemp('chdb')}")
    try:
        migrate(store)
        fill(store)
        yield load_report(store, {"liqwatch.liquidations": 800, "liqwatch.news": 3})
    finally:
        store.close()


def png_size(path: Path) -> tuple[int, int]:
    raw = path.read_bytes()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n" and raw[12:16] == b"IHDR"
    return struct.unpack(">II", raw[16:24])


def test_load_keeps_the_latest_versions(data: ReportData):
    assert data.period == (1_737_928_800_000, 1_737_928_800_000 + 60 * 60_000)
    btc = next(s for s in data.spikes if s["spike_id"] == "s-btc")
    assert (btc["status"], btc["severity"], btc["notional_usd"]) == ("resolved", "high", 6_500_000)
    assert len(data.spikes) == 2 and len(data.alerts) == 3
    assert data.by_side() == {"long": (735, 8_400_000.0), "short": (60, 300_000.0)}
    assert data.dlq == {"bad_side": 1, "late": 2}


def test_report_files(data: ReportData, tmp_path: Path):
    md = write_report(data, tmp_path / "a")
    width, height = png_size(tmp_path / "a" / PNG)
    assert 800 <= width <= 2000 and 400 <= height <= 1200
    assert 10_000 < (tmp_path / "a" / PNG).stat().st_size < 1_000_000
    write_report(data, tmp_path / "b")                     # deterministic: same bytes
    assert (tmp_path / "b" / PNG).read_bytes() == (tmp_path / "a" / PNG).read_bytes()
    assert (tmp_path / "b" / MARKDOWN).read_text() == md.read_text()

    text = md.read_text()
    for section in ("# liqwatch replay report", "## Events", "## Notional by side",
                    "## Spikes (2)", "## Alerts (3)", "## Dead letters"):
        assert section in text
    assert "Period: 2025-01-26 22:00 – 2025-01-26 23:00 UTC (1.0 h)" in text
    assert f"![liquidations per side]({PNG})" in text
    assert "| input lines, liquidations | 800 |" in text
    assert "| long | 735 | $8.4M | 97% |" in text
    assert ("| 2025-01-26 22:30 | asset | BTC | long | 5m | $6.5M | 65.0x | high | resolved "
            "| 3 min |") in text
    assert "| trigger | DeepSeek tops the US App Store (Tech Brief, 2025-01-26 22:10) |" in text
    assert "| late | 2 |" in text


def test_empty_store_still_writes_a_report(tmp_path: Path):
    md = write_report(ReportData([], [], [], []), tmp_path)
    assert png_size(tmp_path / PNG)[0] > 0 and "No liquidations in the store." in md.read_text()


def test_bins_and_labels():
    assert bin_minutes(60 * 60_000) == 1
    assert bin_minutes(24 * 3_600_000) == 5
    assert bin_minutes(10 * 86_400_000) == 60
    spikes = [{"spike_id": i, "scope": "asset", "key": k, "onset_ts": t, "notional_usd": u}
              for i, (k, t, u) in enumerate((("BTC", 0, 1.0), ("ETH", 1_000, 5.0),
                                             ("SOL", 3_600_000, 1.0)))]
    assert spike_labels(spikes, 3_600_000) == [(0, "asset:ETH\nasset:BTC"),
                                               (3_600_000, "asset:SOL")]
