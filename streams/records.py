"""Canonical records (ARCHITECTURE.md, Records) and their validation.

Market events travel as plain dicts whose keys are exactly the field tuples below (the
hot path stays allocation-light); Spike and Alert are produced here and are dataclasses.
Validation turns anything off-contract into a `RecordError` with a short reason, which
the caller sends to the dead-letter topic.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import orjson

from streams.ids import stable_id

LIQUIDATION_FIELDS = (
    "event_id", "exchange", "symbol", "asset", "liquidated_side", "price", "qty_base",
    "notional_usd", "ts", "received_ts", "is_sampled",
)
TRADE_FIELDS = (
    "event_id", "exchange", "symbol", "asset", "taker_side", "price", "qty_base",
    "notional_usd", "ts", "received_ts",
)
NEWS_FIELDS = (
    "news_id", "source", "published_at", "title", "body", "url", "ai_score", "entities",
    "assets", "kind",
)
LIQUIDATED_SIDES = ("long", "short")
TAKER_SIDES = ("buy", "sell")
NEWS_KINDS = ("event", "coverage", "other")
# Event times before 2009 or after 2100 are unit mistakes (seconds or microseconds).
MIN_TS_MS = 1_230_768_000_000
MAX_TS_MS = 4_102_444_800_000


class RecordError(ValueError):
    """A record that breaks the contract; `reason` is a short dlq reason code."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def _positive(rec: dict, name: str) -> float:
    value = rec.get(name)
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise RecordError("bad_field", f"{name} is not a number")
    if not math.isfinite(value) or value <= 0:
        raise RecordError("bad_field", f"{name}={value} is not a positive finite number")
    return float(value)


def _ts(rec: dict, name: str) -> int:
    value = rec.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise RecordError("bad_field", f"{name} is not an integer of milliseconds")
    if not MIN_TS_MS <= value <= MAX_TS_MS:
        raise RecordError("bad_timestamp", f"{name}={value} is not epoch milliseconds")
    return value


def _text(rec: dict, name: str) -> str:
    value = rec.get(name)
    if not isinstance(value, str) or not value:
        raise RecordError("missing_field", name)
    return value


def _market_common(rec: Any) -> None:
    if not isinstance(rec, dict):
        raise RecordError("not_an_object", type(rec).__name__)
    for name in ("event_id", "exchange", "symbol", "asset"):
        _text(rec, name)
    for name in ("price", "qty_base", "notional_usd"):
        _positive(rec, name)
    _ts(rec, "ts")
    _ts(rec, "received_ts")


def validate_liquidation(rec: Any) -> dict:
    """Return the liquidation dict if it meets the contract, else raise RecordError."""
    _market_common(rec)
    if rec.get("liquidated_side") not in LIQUIDATED_SIDES:
        raise RecordError("bad_side", f"liquidated_side={rec.get('liquidated_side')!r}")
    if not isinstance(rec.get("is_sampled"), bool):
        raise RecordError("bad_field", "is_sampled is not a boolean")
    return rec


def validate_trade(rec: Any) -> dict:
    """Return the trade dict if it meets the contract, else raise RecordError."""
    _market_common(rec)
    if rec.get("taker_side") not in TAKER_SIDES:
        raise RecordError("bad_side", f"taker_side={rec.get('taker_side')!r}")
    return rec


def validate_raw_news(rec: Any) -> dict:
    """Check a news item before classification: id, source, title and event time."""
    if not isinstance(rec, dict):
        raise RecordError("not_an_object", type(rec).__name__)
    for name in ("news_id", "source", "title"):
        _text(rec, name)
    _ts(rec, "published_at")
    for name in ("body", "url"):
        if not isinstance(rec.get(name, ""), str):
            raise RecordError("bad_field", f"{name} is not text")
    return rec


@dataclass(slots=True)
class Spike:
    """A liquidation spike in one scope; updated in place through its lifecycle."""

    spike_id: str
    scope: str
    key: str
    assets: list[str]
    liquidated_side: str
    horizon: str
    onset_ts: int
    detected_at: int
    peak_ts: int
    end_ts: int | None
    notional_usd: float
    baseline_usd: float
    ratio: float
    zscore: float
    event_count: int
    severity: str
    status: str
    version: int = 1

    def to_dict(self) -> dict:
        """The wire and table form."""
        return asdict(self)


@dataclass(slots=True)
class Alert:
    """What a desk reads: one spike, the story most likely behind it, and why."""

    alert_id: str
    created_at: int
    spike_id: str
    news_id: str | None
    relation: str
    correlation_score: float
    severity: str
    title: str
    body: str
    version: int = 1
    assets: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The wire form (the table keeps all but `assets`)."""
        return asdict(self)


def dlq_record(source: str, reason: str, detail: str, raw: object) -> dict:
    """A dead-letter record: where it came from, why, and the raw input as text."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else (
        raw if isinstance(raw, str) else orjson.dumps(raw, default=str).decode())
    return {"dlq_id": stable_id("dlq", source, reason, text), "source": source,
            "reason": reason, "detail": detail[:500], "raw": text,
            "ts": int(time.time() * 1000)}
