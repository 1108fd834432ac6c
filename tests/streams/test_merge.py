"""The merge gives identical outputs whatever the order partitions' messages arrive in."""

import itertools
import random

from streams.correlator import Correlator, CorrelatorConfig
from streams.detector import Detector, DetectorConfig
from streams.merge import StatsMerger

STEP = 10_000


def messages(rng):
    """Two partitions of partials with watermarks, a burst on BTC longs after 8 h."""
    per_source = {"liq/0": [], "liq/1": []}
    for block in range(0, 10 * 360, 30):
        for src, asset in (("liq/0", "BTC"), ("liq/1", "ETH")):
            parts = []
            for s in range(block, block + 30):
                burst = asset == "BTC" and 8 * 360 <= s < 8 * 360 + 60
                n = 6 if burst else (1 if rng.random() < 0.3 else 0)
                if n:
                    cents = (6_000_000 if burst else rng.randint(10_000, 500_000)) * n
                    parts.append([s, asset, "binanceusdm", "long", n, cents, cents // n])
            per_source[src].append({"src": src, "wm": (block + 30) * STEP, "partials": parts})
    for src in per_source:
        per_source[src].append({"src": src, "wm": None, "final": True, "partials": []})
    return per_source


def run(order):
    merger = StatsMerger(Detector(DetectorConfig(), {}), Correlator(CorrelatorConfig()),
                         {"liq/0", "liq/1"})
    spikes, rollups = [], []
    for msg in order:
        out = merger.ingest(msg)
        spikes += [s.to_dict() for s in out.spikes]
        rollups += out.rollups
    return spikes, sorted(rollups, key=lambda r: (r["minute"], r["asset"]))


def test_interleaving_does_not_change_results():
    per_source = messages(random.Random(11))
    a, b = per_source["liq/0"], per_source["liq/1"]
    in_turn = [m for pair in itertools.zip_longest(a, b) for m in pair if m]
    one_then_other = a + b
    spikes1, rollups1 = run(in_turn)
    spikes2, rollups2 = run(one_then_other)
    assert spikes1 and spikes1 == spikes2
    assert rollups1 == rollups2
    assert {s["key"] for s in spikes1} == {"BTC"}
    assert spikes1[-1]["status"] == "resolved"
