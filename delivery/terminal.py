"""The terminal view of alerts: past alerts from ClickHouse (`liqwatch alerts --since`) and
the live stream from the spikes and alerts topics (`liqwatch alerts --follow`), both as
one rich table, newest first, one row per alert at its latest version."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from datetime import datetime, timezone

from rich.console import Console
from rich.live import Live
from rich.table import Table

from delivery.feed import FeedItem, TopicFeed
from storage import QueryResult, Store

SEVERITY_STYLE = {"critical": "bold white on red", "high": "bold red", "medium": "yellow",
                  "low": "cyan", "info": "dim"}
COLUMNS = ("created_at", "severity", "scope", "key", "side", "notional_usd", "ratio",
           "relation", "story", "status", "alert_id", "spike_id", "title")
_SINCE = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")
_UNIT_S = {"s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 604_800}


def parse_since(text: str, now_ms: int | None = None) -> int:
    """`30m`, `24h`, `7d` (before now) or an ISO date/time (UTC unless it says otherwise)
    as epoch milliseconds; ValueError with an example otherwise."""
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    m = _SINCE.fullmatch(text.strip().lower())
    if m:
        return now_ms - round(float(m.group(1)) * _UNIT_S[m.group(2)] * 1000)
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"--since {text!r}: use a duration such as 30m, 24h or 7d, or a "
                         "UTC time such as 2025-01-27T05:00") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return round(when.timestamp() * 1000)


def alert_row(alert: dict, spike: dict | None, story: str | None = None) -> dict:
    """One table row: the alert at its latest version with its spike's scope, size and
    status; `story` is the linked news title when known (else the alert's title says it)."""
    spike = spike or {}
    return {"created_at": alert["created_at"], "severity": alert["severity"],
            "scope": spike.get("scope", ""), "key": spike.get("key", ""),
            "side": spike.get("liquidated_side", ""),
            "notional_usd": spike.get("notional_usd"), "ratio": spike.get("ratio"),
            "relation": alert["relation"],
            "story": story or ("" if alert["relation"] == "none" else alert["title"]),
            "status": spike.get("status", ""), "alert_id": alert["alert_id"],
            "spike_id": alert["spike_id"], "title": alert["title"]}


def format_utc(ms: int, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """Epoch milliseconds as UTC text (the table drops the year to stay narrow)."""
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime(fmt)


def _usd(x: float | None) -> str:
    if x is None:
        return "-"
    for unit, div in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(x) >= div:
            return f"${x / div:,.1f}{unit}"
    return f"${x:,.0f}"


def render_table(rows: Iterable[dict], title: str = "alerts") -> Table:
    """The rows as a rich table, severity coloured, in the order given."""
    table = Table(title=title, header_style="bold", expand=False)
    for name, justify in (("time (UTC)", "left"), ("severity", "left"), ("scope/key", "left"),
                          ("side", "left"), ("notional", "right"), ("ratio", "right"),
                          ("relation", "left"), ("story", "left"), ("status", "left")):
        if name == "story":  # the one column that wraps; the others keep their width
            table.add_column(name, overflow="fold", ratio=1, min_width=20)
        else:
            table.add_column(name, justify=justify, no_wrap=True)
    for r in rows:
        scope = f"{r['scope']}/{r['key']}" if r["scope"] else "-"
        ratio = f"{r['ratio']:.1f}x" if r["ratio"] is not None else "-"
        table.add_row(format_utc(r["created_at"], "%m-%d %H:%M:%S"), r["severity"], scope,
                      r["side"] or "-",
                      _usd(r["notional_usd"]), ratio, r["relation"], r["story"] or "-",
                      r["status"] or "-", style=SEVERITY_STYLE.get(r["severity"], ""))
    return table


def as_result(rows: list[dict]) -> QueryResult:
    """Rows as a QueryResult (times as UTC datetimes), for liqwatch.output's json/csv."""
    out = QueryResult(columns=list(COLUMNS))
    for r in rows:
        when = datetime.fromtimestamp(r["created_at"] / 1000, timezone.utc)
        out.rows.append((when, *(r[c] for c in COLUMNS[1:])))
    return out


LIST_SQL = """
SELECT a.alert_id AS alert_id, a.created_at AS created_at, a.spike_id AS spike_id,
       a.relation AS relation, a.severity AS severity, a.title AS title,
       s.spike_id AS sid, s.scope AS scope, s.key AS key, s.liquidated_side AS side,
       s.notional_usd AS notional_usd, s.ratio AS ratio, s.status AS status, n.title AS story
FROM (SELECT * FROM liqwatch.alerts FINAL
      WHERE created_at >= fromUnixTimestamp64Milli({since})) AS a
LEFT JOIN (SELECT * FROM liqwatch.spikes FINAL) AS s ON s.spike_id = a.spike_id
LEFT JOIN (SELECT news_id, title FROM liqwatch.news FINAL) AS n
       ON n.news_id = ifNull(a.news_id, '')
ORDER BY a.created_at DESC, a.alert_id
LIMIT {limit}
"""


def list_alerts(store: Store, since_ms: int, limit: int = 1_000) -> list[dict]:
    """Alerts created at or after `since_ms` (latest versions, FINAL) joined with their
    spikes and stories, newest first."""
    result = store.query(LIST_SQL.format(since=int(since_ms), limit=int(limit)))
    rows = []
    for values in result.rows:
        r = dict(zip(result.columns, values))
        ms = round(r["created_at"].timestamp() * 1000)
        alert = {"alert_id": r["alert_id"], "created_at": ms, "spike_id": r["spike_id"],
                 "relation": r["relation"], "severity": r["severity"], "title": r["title"]}
        spike = None if not r["sid"] else {
            "scope": r["scope"], "key": r["key"], "liquidated_side": r["side"],
            "notional_usd": r["notional_usd"], "ratio": r["ratio"], "status": r["status"]}
        rows.append(alert_row(alert, spike, r["story"] or None))
    return rows


class AlertBoard:
    """The latest version of every alert and spike seen on the feed."""

    def __init__(self) -> None:
        self.alerts: dict[str, dict] = {}
        self.spikes: dict[str, dict] = {}

    def apply(self, item: FeedItem) -> bool:
        """Keep the record if it is newer than what we hold; True when the view changed."""
        if item.kind not in ("alert", "spike"):
            return False
        held, key = ((self.alerts, "alert_id") if item.kind == "alert"
                     else (self.spikes, "spike_id"))
        if key not in item.record:
            return False
        old = held.get(item.record[key])
        if old is not None and old.get("version", 0) > item.record.get("version", 0):
            return False
        held[item.record[key]] = item.record
        return True

    def rows(self, limit: int = 50) -> list[dict]:
        """Newest alerts first, each with its spike's latest version."""
        newest = sorted(self.alerts.values(), key=lambda a: (-a["created_at"], a["alert_id"]))
        return [alert_row(a, self.spikes.get(a["spike_id"])) for a in newest[:limit]]


async def follow(bootstrap: str, console: Console, board: AlertBoard | None = None,
                 limit: int = 50) -> None:
    """Show the alert stream on `bootstrap` as a table updated in place, until cancelled:
    what the topics hold first, then each new alert or spike version as it arrives."""
    board = board or AlertBoard()
    feed = TopicFeed(bootstrap, from_beginning=True)
    await feed.start()
    title = f"liqwatch alerts on {bootstrap} (Ctrl-C to stop)"
    try:
        with Live(render_table(board.rows(limit), title), console=console,
                  auto_refresh=False) as live:
            async for item in feed.items():
                if board.apply(item):
                    live.update(render_table(board.rows(limit), title), refresh=True)
    finally:
        await feed.stop()


def since_hint(since_ms: int) -> str:
    """Why a listing may be empty: alerts carry event time, so a replay of past data needs
    a --since before it."""
    return (f"no alerts created since {format_utc(since_ms)} UTC; alerts carry event time, "
            "so for a replay of past data give e.g. --since 2025-01-01")
