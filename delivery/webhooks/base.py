"""What every service module provides: the request for a new alert, the request (if any)
for a later version of it, and how to read the service's answer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

SEVERITY_RANK = {s: i for i, s in enumerate(("info", "low", "medium", "high", "critical"))}
SEVERITY_MARK = {"critical": "🔴", "high": "🟠", "medium": "🟡", "low": "🔵", "info": "⚪"}


@dataclass(frozen=True)
class Request:
    """One HTTP call: `op` is create, edit, update or follow_up (for counters and logs)."""

    method: str
    url: str
    json: dict
    op: str


@dataclass(frozen=True)
class Outcome:
    """A service's answer: delivered, worth retrying (and after how long), or final."""

    ok: bool
    retryable: bool = False
    retry_after: float | None = None
    ref: str | None = None  # the message id the service gave, for later edits
    detail: str = ""


@dataclass(frozen=True)
class Sent:
    """What a channel last sent for one alert: enough to edit it or to skip a no-op."""

    version: int
    ref: str | None
    severity: str
    digest: int


def retry_after_header(headers: Mapping[str, str]) -> float | None:
    """Seconds from a Retry-After header (RFC 9110: delay-seconds; dates are ignored)."""
    try:
        return max(0.0, float(headers.get("Retry-After", "")))
    except ValueError:
        return None


def http_outcome(status: int, headers: Mapping[str, str], ref: str | None = None) -> Outcome:
    """The common reading: 2xx delivered; 429 and 5xx retried; other 4xx final."""
    if 200 <= status < 300:
        return Outcome(True, ref=ref)
    retryable = status == 429 or status >= 500
    return Outcome(False, retryable, retry_after_header(headers) if retryable else None,
                   detail=f"http {status}")


class Service:
    """A chat service's payloads and answers; subclasses fill in the format."""

    kind = "service"

    def __init__(self, url: str, chat_id: str = "") -> None:
        self.url = url
        self.chat_id = chat_id

    def create(self, alert: dict) -> Request:
        """The request that posts a new alert."""
        raise NotImplementedError

    def update(self, alert: dict, sent: Sent) -> Request | None:
        """The request that brings the earlier message up to `alert`'s version (None:
        nothing to send)."""
        raise NotImplementedError

    def outcome(self, status: int, headers: Mapping[str, str], body: object) -> Outcome:
        """Read the service's answer."""
        return http_outcome(status, headers)


def utc(ms: int) -> str:
    """Event time for people: '2025-01-27 07:25 UTC'."""
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def iso(ms: int) -> str:
    """Event time as ISO 8601 (Discord embed timestamps)."""
    return datetime.fromtimestamp(ms / 1000, timezone.utc).isoformat(timespec="milliseconds")


def headline(alert: dict) -> str:
    """'🟠 HIGH · BTC, ETH': severity and assets, the first thing a desk reads."""
    assets = ", ".join(alert.get("assets") or []) or "market"
    sev = alert["severity"]
    return f"{SEVERITY_MARK.get(sev, '⚪')} {sev.upper()} · {assets}"


def context_line(alert: dict) -> str:
    """Relation, score, time and id: the footer every format carries (no version, so a
    version that changes nothing a reader sees needs no edit)."""
    score = alert.get("correlation_score") or 0.0
    return (f"{alert.get('relation', 'none')} · score {score:.2f} · {utc(alert['created_at'])}"
            f" · alert {alert['alert_id']}")


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
