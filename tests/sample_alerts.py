"""A small hand-made cascade for report and terminal tests: an hour of per-minute
liquidations, two spikes (one republished as a second version), alerts naming a trigger
story, a coverage story and dead letters; written to a real chDB store."""

from __future__ import annotations

from storage import Store
from streams.sink import TABLE_COLUMNS

T0 = 1_737_928_800_000  # 2025-01-26 22:00:00 UTC
MIN = 60_000


def spike(spike_id: str, version: int, **overrides: object) -> dict:
    row = {"spike_id": spike_id, "scope": "asset", "key": "BTC", "assets": ["BTC"],
           "liquidated_side": "long", "horizon": "5m", "onset_ts": T0 + 30 * MIN,
           "detected_at": T0 + 33 * MIN, "peak_ts": T0 + 35 * MIN, "end_ts": None,
           "notional_usd": 4_000_000.0, "baseline_usd": 100_000.0, "ratio": 40.0,
           "zscore": 6.0, "event_count": 900, "severity": "medium", "status": "open",
           "version": version}
    return row | overrides


def alert(alert_id: str, spike_id: str, version: int, **overrides: object) -> dict:
    row = {"alert_id": alert_id, "created_at": T0 + 33 * MIN, "spike_id": spike_id,
           "news_id": "n-ai", "relation": "trigger", "correlation_score": 0.8,
           "severity": "medium", "title": f"BTC longs liquidated (v{version})",
           "body": "likely trigger: DeepSeek tops the App Store", "version": version}
    return row | overrides


def news(news_id: str, published_at: int, title: str, ai_score: float, kind: str) -> dict:
    return {"news_id": news_id, "source": "Tech Brief", "published_at": published_at,
            "title": title, "body": "", "url": "", "ai_score": ai_score,
            "entities": ["DeepSeek"] if ai_score else [], "assets": [], "kind": kind}


SPIKES = [
    spike("s-btc", 1),
    spike("s-btc", 2, end_ts=T0 + 45 * MIN, notional_usd=6_500_000.0, ratio=65.0,
          severity="high", status="resolved"),
    spike("s-mkt", 1, scope="market", key="market", assets=["BTC", "ETH", "SOL"],
          horizon="1m", onset_ts=T0 + 32 * MIN, detected_at=T0 + 33 * MIN,
          peak_ts=T0 + 33 * MIN, notional_usd=9_000_000.0, ratio=120.0, severity="critical"),
]
ALERTS = [
    alert("a-btc", "s-btc", 1),
    alert("a-btc", "s-btc", 2, severity="high"),
    alert("a-mkt", "s-mkt", 1, created_at=T0 + 34 * MIN, news_id=None, relation="none",
          correlation_score=0.0, severity="critical", title="Market-wide longs liquidated"),
    alert("a-cov", "s-btc", 1, created_at=T0 + 70 * MIN, news_id="n-cov",
          relation="coverage", severity="info", title="Coverage: liquidations soar"),
]
NEWS = [
    news("n-ai", T0 + 10 * MIN, "DeepSeek tops the US App Store", 0.9, "event"),
    news("n-fed", T0 + 20 * MIN, "Fed minutes due Wednesday", 0.0, "other"),
    news("n-cov", T0 + 70 * MIN, "Crypto liquidations soar 850%", 0.6, "coverage"),
]
DLQ = [{"dlq_id": f"d{i}", "source": "liqwatch.liquidations/0", "reason": reason,
        "detail": "", "raw": "{}", "ts": T0}
       for i, reason in enumerate(("late", "late", "bad_side"))]


def minutes() -> list[dict]:
    """An hour of per-minute rollup rows: a long cascade at minutes 30..44."""
    rows = []
    for m in range(60):
        burst = 30 <= m < 45
        for side, usd, n in (("long", 500_000.0 if burst else 20_000.0, 40 if burst else 3),
                             ("short", 5_000.0, 1)):
            rows.append({"minute": T0 + m * MIN, "asset": "BTC", "exchange": "binanceusdm",
                         "liquidated_side": side, "events": n, "notional_usd": usd,
                         "max_event_usd": usd / n})
    return rows


def insert(store: Store, table: str, rows: list[dict]) -> None:
    """Insert dict rows column-wise, as the sink does."""
    store.insert(table, {c: [r[c] for r in rows] for c in TABLE_COLUMNS[table]})


def fill(store: Store) -> None:
    """Write the whole sample into a migrated store."""
    insert(store, "liquidations_1m", minutes())
    insert(store, "spikes", SPIKES)
    insert(store, "alerts", ALERTS)
    insert(store, "news", NEWS)
    insert(store, "dlq", DLQ)
