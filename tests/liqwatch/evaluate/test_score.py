"""The scorer's matching rules on hand-made truth, spikes and alerts: what counts as found,
as a false positive and why, as a storm, and as a right or wrong attribution."""

from liqwatch.evaluate.score import aggregate, headline, misses, ms, score

M = 60_000
T0 = "2025-02-03T12:00:00+00:00"
ONSET = ms(T0)


def truth(**over):
    base = {
        "scenario": "t", "seed": 1,
        "assets": {"BTC": {"sector": "major"}, "ETH": {"sector": "major"},
                   "FET": {"sector": "ai"}, "WLD": {"sector": "ai"}},
        "sectors": {"ai": ["FET", "WLD"]},
        "cascades": [
            {"id": "c-ai", "scope": "sector", "key": "ai", "assets": ["FET", "WLD"],
             "liquidated_side": "long", "onset": T0, "end": "2025-02-03T13:00:00+00:00",
             "trigger_news_id": "n-trigger"},
            {"id": "c-btc", "scope": "asset", "key": "BTC", "assets": ["BTC"],
             "liquidated_side": "short", "onset": "2025-02-04T12:00:00+00:00",
             "end": "2025-02-04T12:30:00+00:00", "trigger_news_id": None},
        ],
        "whales": [{"asset": "ETH", "ts": "2025-02-05T00:00:00.000+00:00"}],
        "news": [{"id": "n-trigger", "kind": "event"}, {"id": "n-cov", "kind": "coverage"},
                 {"id": "n-quiet", "kind": "event"}],
        "gaps": [],
    }
    base.update(over)
    return base


def spike(sid, scope, key, side, detected, assets=None):
    return {"spike_id": sid, "scope": scope, "key": key, "liquidated_side": side,
            "assets": assets or [key], "detected_at": detected, "notional_usd": 1e6, "ratio": 20.0}


def alert(sid, relation="none", news=None):
    return {"alert_id": "a-" + sid + (news or ""), "spike_id": sid, "relation": relation,
            "news_id": news}


BTC_ONSET = ONSET + 24 * 60 * M


def test_found_delay_precision_and_attribution():
    spikes = [spike("s1", "sector", "ai", "long", ONSET + 40_000, ["FET", "WLD"]),
              spike("s2", "asset", "FET", "long", ONSET + 3 * M),
              spike("s3", "asset", "BTC", "short", BTC_ONSET + 50_000)]
    alerts = [alert("s1", "trigger", "n-trigger"), alert("s2", "trigger", "n-trigger"),
              alert("s3"), alert("s1", "coverage", "n-cov")]
    s = score(truth(), spikes, alerts)
    assert s["recall"] == 1.0 and s["precision"] == 1.0
    assert s["median_delay_s"] == 45.0 and s["delay_s"]["worst"] == 50.0
    assert s["attribution"]["trigger_attribution"] == 1.0
    assert s["attribution"]["coverage_named_as_trigger"] == 0
    assert s["attribution"]["coverage_linked"] == 1.0
    assert s["attribution"]["spurious_trigger_share"] == 0.0
    assert s["max_spikes_per_cascade_scope"] == 1
    assert misses(headline(s)) == []


def test_wrong_side_whale_and_repeats_are_judged():
    spikes = [spike("s1", "sector", "ai", "long", ONSET + 40_000, ["FET", "WLD"]),
              spike("s1b", "sector", "ai", "long", ONSET + 50 * M, ["FET", "WLD"]),
              spike("s2", "sector", "ai", "short", ONSET + 60_000, ["FET", "WLD"]),
              spike("s3", "asset", "ETH", "long", ONSET + 36 * 60 * M + 30_000),
              spike("s4", "market", "market", "long", ONSET + 2 * M)]
    alerts = [alert("s1", "trigger", "n-cov"), alert("s1b"), alert("s2"), alert("s3"),
              alert("s4")]
    s = score(truth(), spikes, alerts)
    assert s["recall"] == 0.5 and s["missed"][0]["id"] == "c-btc"
    assert s["precision"] == 0.4
    causes = {fp["spike_id"]: fp["cause"] for fp in s["false_positives"]}
    assert causes == {"s2": "minority_side", "s3": "whale", "s4": "background"}
    assert s["storms"]["repeated"] == ["c-ai:sector:ai"]
    assert s["attribution"]["trigger_attribution"] == 0.0
    assert s["attribution"]["coverage_as_trigger_ids"] == ["n-cov"]
    missed = misses(headline(s))
    assert any(m.startswith("recall=") for m in missed)
    assert any(m.startswith("coverage_named_as_trigger=1") for m in missed)


def test_spurious_trigger_on_a_cascade_without_news():
    spikes = [spike("s3", "asset", "BTC", "short", BTC_ONSET + 20_000)]
    s = score(truth(), spikes, [alert("s3", "trigger", "n-quiet")])
    assert s["attribution"]["spurious_trigger_ids"] == ["c-btc"]
    assert s["attribution"]["spurious_trigger_share"] == 1.0


def test_aggregate_pools_cascades_across_scenarios():
    good = score(truth(), [spike("s1", "sector", "ai", "long", ONSET + 40_000, ["FET"]),
                           spike("s3", "asset", "BTC", "short", BTC_ONSET + 80_000)],
                 [alert("s1", "trigger", "n-trigger"), alert("s3")])
    bad = score(truth(), [], [])
    pooled = aggregate([good, bad])
    assert pooled["cascades"] == 4 and pooled["recall"] == 0.5
    assert pooled["median_delay_s"] == 60.0 and pooled["trigger_attribution"] == 0.5
    assert pooled["precision"] == 1.0
