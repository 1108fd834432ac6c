"""Replay report: a chart of liquidations per minute by side with the spikes and news
marked (`liquidations.png`) and a short Markdown summary (`report.md`), so a replay can
be read, shared and compared without a query session.

`load_report` reads everything from the ClickHouse tables; `write_report` is pure (data →
files) and deterministic: the same data gives byte-identical files (no "now" anywhere).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402 - after the backend is chosen
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from storage import Store  # noqa: E402

log = logging.getLogger("liqwatch.report")

PNG, MARKDOWN = "liquidations.png", "report.md"
MINUTE_MS = 60_000
BIN_MINUTES = (1, 5, 15, 60)
MAX_BINS = 720
MAX_SPIKE_LABELS = 12
SEVERITY_COLOURS = {"critical": "#b2182b", "high": "#ef8a62", "medium": "#fddbc7"}
LONG_COLOUR, SHORT_COLOUR = "#d6604d", "#4393c3"


@dataclass
class ReportData:
    """What a report shows; times are epoch milliseconds UTC."""

    minutes: list[tuple[int, str, int, float]]  # (minute, side, events, notional_usd)
    spikes: list[dict]
    alerts: list[dict]
    news: list[dict]
    dlq: dict[str, int] = field(default_factory=dict)
    lines_in: dict[str, int] = field(default_factory=dict)  # replay input lines by topic

    @property
    def period(self) -> tuple[int, int] | None:
        """First minute and the end of the last minute with liquidations."""
        if not self.minutes:
            return None
        return self.minutes[0][0], self.minutes[-1][0] + MINUTE_MS

    def by_side(self) -> dict[str, tuple[int, float]]:
        """Events and notional USD per liquidated side."""
        out: dict[str, list] = defaultdict(lambda: [0, 0.0])
        for _, side, events, usd in self.minutes:
            out[side][0] += events
            out[side][1] += usd
        return {side: (n, usd) for side, (n, usd) in sorted(out.items())}


def _ms(value: datetime | None) -> int | None:
    return None if value is None else round(value.timestamp() * 1000)


def _rows(store: Store, sql: str) -> list[dict]:
    result = store.query(sql)
    return [dict(zip(result.columns, row)) for row in result.rows]


def load_report(store: Store, lines_in: dict[str, int] | None = None) -> ReportData:
    """Everything the report shows, from the liqwatch tables (latest versions, FINAL)."""
    minutes = [(_ms(m), side, int(n), float(usd)) for m, side, n, usd in store.query(
        "SELECT minute, liquidated_side, sum(events), sum(notional_usd) "
        "FROM liqwatch.liquidations_1m FINAL GROUP BY minute, liquidated_side "
        "ORDER BY minute, liquidated_side").rows]
    spikes = _rows(store, "SELECT spike_id, scope, key, liquidated_side, horizon, onset_ts, "
                          "detected_at, peak_ts, end_ts, notional_usd, baseline_usd, ratio, "
                          "severity, status FROM liqwatch.spikes FINAL ORDER BY onset_ts, spike_id")
    alerts = _rows(store, "SELECT alert_id, created_at, spike_id, news_id, relation, "
                          "correlation_score, severity, title FROM liqwatch.alerts FINAL "
                          "ORDER BY created_at, alert_id")
    news = _rows(store, "SELECT news_id, source, published_at, title, ai_score, kind "
                        "FROM liqwatch.news FINAL ORDER BY published_at, news_id")
    for rows, times in ((spikes, ("onset_ts", "detected_at", "peak_ts", "end_ts")),
                        (alerts, ("created_at",)), (news, ("published_at",))):
        for row in rows:
            row.update({t: _ms(row[t]) for t in times})
    dlq = {reason: int(n) for reason, n in store.query(
        "SELECT reason, count() FROM liqwatch.dlq FINAL GROUP BY reason ORDER BY reason").rows}
    return ReportData(minutes, spikes, alerts, news, dlq, dict(lines_in or {}))


def _utc(ms: int | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime(fmt)


def _dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, timezone.utc)


def _usd(x: float) -> str:
    for unit, div in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(x) >= div:
            return f"${x / div:,.1f}{unit}"
    return f"${x:,.0f}"


def _duration(ms: int) -> str:
    if ms < 0:
        return f"-{_duration(-ms)}"
    if ms < 3_600_000:
        return f"{ms / 60_000:.0f} min"
    return f"{ms / 3_600_000:.1f} h"


def bin_minutes(span_ms: int) -> int:
    """The finest bin (1, 5, 15 or 60 min) that keeps the chart at most MAX_BINS bars."""
    for minutes in BIN_MINUTES:
        if span_ms / (minutes * MINUTE_MS) <= MAX_BINS:
            return minutes
    return BIN_MINUTES[-1]


def binned(data: ReportData, minutes: int) -> dict[str, dict[int, float]]:
    """Notional USD per side per bin start (ms)."""
    size = minutes * MINUTE_MS
    out: dict[str, dict[int, float]] = {"long": defaultdict(float), "short": defaultdict(float)}
    for minute, side, _, usd in data.minutes:
        out.setdefault(side, defaultdict(float))[minute - minute % size] += usd
    return out


def trigger_news_ids(data: ReportData) -> set[str]:
    """Stories an alert named as the trigger of its spike."""
    return {a["news_id"] for a in data.alerts if a["relation"] == "trigger" and a["news_id"]}


def spike_labels(spikes: list[dict], span_ms: int) -> list[tuple[int, str]]:
    """One label per group of spikes whose onsets are within 5% of the chart's span (they
    would print on top of each other): (first onset, "scope:key" lines), largest first,
    at most MAX_SPIKE_LABELS names per group."""
    groups: list[list[dict]] = []
    for sp in sorted(spikes, key=lambda s: (s["onset_ts"], s["spike_id"])):
        if groups and sp["onset_ts"] - groups[-1][0]["onset_ts"] <= span_ms * 0.05:
            groups[-1].append(sp)
        else:
            groups.append([sp])
    out = []
    for group in groups:
        names = [f"{s['scope']}:{s['key']}" for s in
                 sorted(group, key=lambda s: (-s["notional_usd"], s["spike_id"]))]
        more = f" +{len(names) - MAX_SPIKE_LABELS}" if len(names) > MAX_SPIKE_LABELS else ""
        out.append((group[0]["onset_ts"], "\n".join(names[:MAX_SPIKE_LABELS]) + more))
    return out


def plot(data: ReportData, path: Path, ai_threshold: float = 0.5) -> None:
    """Mirrored bars (longs up, shorts down) of liquidated USD per bin; spikes shaded from
    onset to end and labelled by scope/key; news as vertical lines (AI stories solid,
    others dotted), trigger stories numbered and listed in a box."""
    fig, ax = plt.subplots(figsize=(14, 6.5), dpi=100)
    period = data.period
    if period is None:
        ax.text(0.5, 0.5, "no liquidations in the store", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_axis_off()
        fig.savefig(path, metadata={"Software": None})
        plt.close(fig)
        return
    start, end = period
    minutes = bin_minutes(end - start)
    bins = binned(data, minutes)
    for side, sign, colour in (("long", 1, LONG_COLOUR), ("short", -1, SHORT_COLOUR)):
        xs = sorted(bins.get(side, {}))
        ax.bar([_dt(x) for x in xs], [sign * bins[side][x] / 1e6 for x in xs],
               width=minutes / 1440, align="edge", color=colour, zorder=3,
               label=f"{side}s liquidated")
    ax.axhline(0, color="black", linewidth=0.6, zorder=4)
    low, high = ax.get_ylim()
    for sp in data.spikes:
        stop = max(sp["end_ts"] or sp["peak_ts"] or sp["onset_ts"], sp["onset_ts"] + MINUTE_MS)
        ax.axvspan(_dt(sp["onset_ts"]), _dt(stop), alpha=0.2, lw=0, zorder=1,
                   color=SEVERITY_COLOURS.get(sp["severity"], "#dddddd"))
    for onset, text in spike_labels(data.spikes, end - start):
        ax.text(_dt(onset), high * 0.98, text, va="top", ha="right", fontsize=6.5, zorder=5,
                bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 1})
    triggers = trigger_news_ids(data)
    lo, listed = start - 6 * 3_600_000, []
    for item in data.news:
        if not lo <= item["published_at"] <= end:
            continue
        ai = item["ai_score"] >= ai_threshold
        ax.axvline(_dt(item["published_at"]), color="#7b3294" if ai else "#999999",
                   linestyle="-" if ai else ":", linewidth=1.2 if ai else 0.8, zorder=2)
        if item["news_id"] in triggers:
            listed.append(item)
            ax.text(_dt(item["published_at"]), low * 0.9, f"T{len(listed)}", fontsize=8,
                    ha="left", va="bottom", color="#7b3294", weight="bold", zorder=5)
    if listed:  # listed under the chart, where it hides nothing
        box = "\n".join(f"T{i}  {_utc(n['published_at'])} UTC  {n['title'][:110]}"
                        for i, n in enumerate(listed, start=1))
        ax.text(0.0, -0.2, "Stories alerts named as trigger:\n" + box, transform=ax.transAxes,
                fontsize=8, va="top", ha="left", color="#7b3294")
    handles = [Patch(color=LONG_COLOUR, label="longs liquidated"),
               Patch(color=SHORT_COLOUR, label="shorts liquidated"),
               Patch(color=SEVERITY_COLOURS["high"], alpha=0.3, label="spike onset..end"),
               Line2D([], [], color="#7b3294", label="AI story"),
               Line2D([], [], color="#999999", linestyle=":", label="other story")]
    ax.legend(handles=handles, loc="lower right", fontsize=8)
    ax.set_ylabel(f"liquidated USD millions per {minutes} min (shorts below 0)")
    ax.set_title(f"Liquidations {_utc(start)} – {_utc(end)} UTC, by side")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d %H:%M", tz=timezone.utc))
    ax.grid(axis="y", alpha=0.3)
    fig.autofmt_xdate()
    fig.savefig(path, metadata={"Software": None}, bbox_inches="tight")
    plt.close(fig)


def markdown(data: ReportData, png: str = PNG) -> str:
    """The summary: period, events, notional by side, spikes, alerts, dead letters."""
    period = data.period
    lines = ["# liqwatch replay report", ""]
    if period is None:
        lines += ["No liquidations in the store.", ""]
    else:
        lines += [f"Period: {_utc(period[0])} – {_utc(period[1])} UTC "
                  f"({_duration(period[1] - period[0])})", ""]
    lines += [f"![liquidations per side]({png})", "", "## Events", ""]
    sides = data.by_side()
    lines += ["| what | count |", "| --- | ---: |"]
    for topic, n in sorted(data.lines_in.items()):
        lines.append(f"| input lines, {topic.split('.')[-1]} | {n:,} |")
    lines += [f"| liquidations | {sum(n for n, _ in sides.values()):,} |",
              f"| news stories | {len(data.news):,} |",
              f"| spikes | {len(data.spikes):,} |", f"| alerts | {len(data.alerts):,} |", ""]
    total = sum(usd for _, usd in sides.values()) or 1.0
    lines += ["## Notional by side", "", "| side | events | notional USD | share |",
              "| --- | ---: | ---: | ---: |"]
    lines += [f"| {side} | {n:,} | {_usd(usd)} | {usd / total:.0%} |"
              for side, (n, usd) in sides.items()]
    lines += ["", f"## Spikes ({len(data.spikes)})", ""]
    if data.spikes:
        lines += ["| onset (UTC) | scope | key | side | horizon | notional USD | ratio | "
                  "severity | status | detected after |",
                  "| --- | --- | --- | --- | --- | ---: | ---: | --- | --- | ---: |"]
        lines += [f"| {_utc(s['onset_ts'])} | {s['scope']} | {s['key']} | "
                  f"{s['liquidated_side']} | {s['horizon']} | {_usd(s['notional_usd'])} | "
                  f"{s['ratio']:.1f}x | {s['severity']} | {s['status']} | "
                  f"{_duration(s['detected_at'] - s['onset_ts'])} |" for s in data.spikes]
    else:
        lines.append("None.")
    stories = {n["news_id"]: n for n in data.news}
    lines += ["", f"## Alerts ({len(data.alerts)})", ""]
    if data.alerts:
        lines += ["| created (UTC) | severity | relation | story | alert |",
                  "| --- | --- | --- | --- | --- |"]
        for a in data.alerts:
            story = stories.get(a["news_id"] or "")
            named = (f"{story['title']} ({story['source']}, {_utc(story['published_at'])})"
                     if story else "-")
            lines.append(f"| {_utc(a['created_at'])} | {a['severity']} | {a['relation']} | "
                         f"{_cell(named)} | {_cell(a['title'])} |")
    else:
        lines.append("None.")
    lines += ["", "## Dead letters", ""]
    if data.dlq:
        lines += ["| reason | count |", "| --- | ---: |"]
        lines += [f"| {reason} | {n:,} |" for reason, n in sorted(data.dlq.items())]
    else:
        lines.append("None.")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def write_report(data: ReportData, out_dir: Path, ai_threshold: float = 0.5) -> Path:
    """Write the chart and the Markdown summary into `out_dir`; returns the .md path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    plot(data, out_dir / PNG, ai_threshold)
    md = out_dir / MARKDOWN
    md.write_text(markdown(data, PNG))
    log.info("report written dir=%s spikes=%d alerts=%d", out_dir, len(data.spikes),
             len(data.alerts))
    return md
