"""Spike detection on synthetic steps: a cascade is one spike; a whale or noise is none."""

import random

from streams.detector import Detector, DetectorConfig, StepTotal

STEP = 10_000
HOUR_STEPS = 360


def background(rng, hours, assets=("BTC", "ETH"), start=0):
    """Quiet market: Poisson-ish arrivals, lognormal sizes, both sides."""
    steps = {}
    for s in range(start, start + hours * HOUR_STEPS):
        for a in assets:
            for side in ("long", "short"):
                n = sum(1 for _ in range(4) if rng.random() < 0.08)
                if n:
                    steps.setdefault(s, {})[(a, side)] = StepTotal(
                        usd=sum(rng.lognormvariate(7.5, 1.5) for _ in range(n)), count=n)
    return steps


def run(det, steps, last):
    changes = []
    for s in range(0, last):
        if s in steps or det.has_open:
            changes += det.step(s, steps.get(s, {}))
    return changes


def add(steps, s, asset, side, usd, count):
    t = steps.setdefault(s, {}).setdefault((asset, side), StepTotal())
    t.usd += usd
    t.count += count


def test_cascade_is_detected_once_with_lifecycle():
    rng = random.Random(3)
    steps = background(rng, hours=12)
    onset = 10 * HOUR_STEPS
    for s in range(onset, onset + 90):            # 15 min of forced selling
        add(steps, s, "BTC", "long", 60_000, 6)
    det = Detector(DetectorConfig(), {"ai": ["FET"]})
    changes = run(det, steps, 12 * HOUR_STEPS)
    opened = [c for c in changes if c.kind == "open" and c.spike.scope == "asset"]
    assert [(c.spike.key, c.spike.liquidated_side) for c in opened] == [("BTC", "long")]
    sp = opened[0].spike
    assert sp.status == "resolved" and sp.end_ts is not None
    assert onset * STEP - 60_000 <= sp.onset_ts <= onset * STEP + 60_000
    assert sp.detected_at - onset * STEP <= 120_000          # within two minutes
    assert sp.notional_usd > 90 * 60_000 * 0.9
    assert sp.ratio > 5 and sp.zscore > 3


def test_single_whale_order_is_not_a_cascade():
    rng = random.Random(4)
    steps = background(rng, hours=12)
    add(steps, 10 * HOUR_STEPS, "ETH", "long", 5_000_000, 1)
    det = Detector(DetectorConfig(), {})
    assert run(det, steps, 12 * HOUR_STEPS) == []


def test_no_alert_during_warm_up():
    rng = random.Random(5)
    steps = background(rng, hours=4)
    for s in range(HOUR_STEPS, HOUR_STEPS + 60):
        add(steps, s, "BTC", "short", 80_000, 8)
    det = Detector(DetectorConfig(), {})
    assert run(det, steps, 4 * HOUR_STEPS) == []


def test_second_burst_within_cooldown_reopens_the_same_spike():
    rng = random.Random(6)
    steps = background(rng, hours=14)
    first = 10 * HOUR_STEPS
    second = first + 60 + 40 * 6                  # 40 min after the first burst ended
    for s in list(range(first, first + 60)) + list(range(second, second + 60)):
        add(steps, s, "BTC", "long", 60_000, 6)
    cfg = DetectorConfig(horizons={"1m": 60_000, "5m": 300_000, "15m": 900_000})
    det = Detector(cfg, {})
    changes = run(det, steps, 14 * HOUR_STEPS)
    ids = {c.spike.spike_id for c in changes if c.spike.scope == "asset"}
    kinds = [c.kind for c in changes if c.spike.scope == "asset"]
    assert len(ids) == 1
    assert kinds.count("open") == 1 and "reopen" in kinds


def test_market_spike_needs_unrelated_assets_together():
    rng = random.Random(7)
    assets = ("BTC", "ETH", "FET")
    steps = background(rng, hours=12, assets=assets)
    onset = 10 * HOUR_STEPS
    for s in range(onset, onset + 90):
        for a in assets:
            add(steps, s, a, "long", 50_000, 6)
    det = Detector(DetectorConfig(), {"ai": ["FET"]})
    changes = run(det, steps, 12 * HOUR_STEPS)
    market = [c.spike for c in changes if c.spike.scope == "market" and c.kind == "open"]
    assert len(market) == 1
    assert market[0].assets == ["BTC", "ETH", "FET"]
    assert market[0].liquidated_side == "long"


def test_market_onset_is_when_the_move_became_broad():
    """A sector cascade two hours earlier joins the market spike but does not date it."""
    rng = random.Random(8)
    assets = ("BTC", "ETH", "FET", "WLD")
    steps = background(rng, hours=14, assets=assets)
    sector_onset, market_onset = 10 * HOUR_STEPS, 12 * HOUR_STEPS
    for s in range(sector_onset, market_onset + 90):
        for a in ("FET", "WLD"):
            add(steps, s, a, "long", 50_000, 6)
    for s in range(market_onset, market_onset + 90):
        for a in ("BTC", "ETH"):
            add(steps, s, a, "long", 50_000, 6)
    det = Detector(DetectorConfig(), {"ai": ["FET", "WLD"]})
    changes = run(det, steps, 14 * HOUR_STEPS)
    market = [c.spike for c in changes if c.spike.scope == "market" and c.kind == "open"]
    assert len(market) == 1
    assert abs(market[0].onset_ts - market_onset * STEP) <= 60_000
    assert market[0].assets == ["BTC", "ETH", "FET", "WLD"]
