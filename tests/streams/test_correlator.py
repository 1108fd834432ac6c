"""Triggers precede the spike and are scored; coverage is never a trigger."""

from streams.correlator import Correlator, CorrelatorConfig
from streams.records import Spike

H = 3_600_000


def story(news_id, at, kind="event", score=0.95, assets=("FET", "BTC"), title=None):
    return {"news_id": news_id, "source": "test", "published_at": at, "title": title or news_id,
            "body": "", "url": "", "ai_score": score, "entities": [], "assets": list(assets),
            "kind": kind}


def spike(onset):
    return Spike(spike_id="s1", scope="asset", key="BTC", assets=["BTC"], liquidated_side="long",
                 horizon="15m", onset_ts=onset, detected_at=onset + 120_000, peak_ts=onset,
                 end_ts=None, notional_usd=38_000_000, baseline_usd=3_000_000, ratio=12.4,
                 zscore=6.0, event_count=900, severity="critical", status="open")


def test_closest_relevant_story_before_onset_is_the_trigger():
    c = Correlator(CorrelatorConfig())
    onset = 100 * H
    c.add_news(story("old", onset - 5 * H))
    c.add_news(story("app-store", onset - 47 * 60_000, title="DeepSeek app tops US App Store"))
    c.add_news(story("not-ai", onset - 10 * 60_000, kind="other", score=0.1))
    alert = c.on_spike(spike(onset))
    assert alert.relation == "trigger" and alert.news_id == "app-store"
    assert "47 min earlier" in alert.body and "DeepSeek app tops US App Store" in alert.body
    assert 0 < alert.correlation_score <= 1


def test_coverage_is_never_a_trigger_and_is_linked_as_coverage():
    c = Correlator(CorrelatorConfig())
    onset = 100 * H
    c.add_news(story("recap", onset - 30 * 60_000, kind="coverage"))
    alert = c.on_spike(spike(onset))
    assert alert.relation == "none" and alert.news_id is None
    later = c.add_news(story("sacks", onset + 30 * H, kind="coverage"))
    assert [(a.relation, a.news_id, a.spike_id) for a in later] == [("coverage", "sacks", "s1")]


def test_story_outside_lead_window_is_ignored():
    c = Correlator(CorrelatorConfig(lead_ms=2 * H))
    onset = 100 * H
    c.add_news(story("too-early", onset - 3 * H))
    assert c.on_spike(spike(onset)).relation == "none"
