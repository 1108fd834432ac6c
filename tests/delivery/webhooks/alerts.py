"""Alert records as the correlator publishes them, for the webhook tests."""

from __future__ import annotations


def alert(alert_id: str = "a1", version: int = 1, severity: str = "high", **kw: object) -> dict:
    """One alert version; the body grows with the version like a growing spike's."""
    rec = {
        "alert_id": alert_id, "created_at": 1737962700000, "spike_id": f"s-{alert_id}",
        "news_id": "n1", "relation": "trigger", "correlation_score": 0.8123,
        "severity": severity,
        "title": "BTC longs liquidated: $42.0M in 5m (31x normal); likely trigger: "
                 "'DeepSeek <R1> tops App Store & more' 2 h earlier, relevance 0.91",
        "body": f"{version * 1000} liquidations across BTC, ETH; story from Wire <b>, a&b",
        "version": version, "assets": ["BTC", "ETH"],
    }
    rec.update(kw)
    return rec
