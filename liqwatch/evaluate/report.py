"""Terminal rendering of evaluation scores: the headline against its targets, then the
breakdowns a tuner reads (per scope and side, attribution, misses, false positives)."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from typing import IO, Any

from rich.console import Console
from rich.table import Table

from liqwatch.evaluate.score import TARGETS, headline


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}" if value < 10 else f"{value:.0f}"
    return str(value)


def _utc(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def print_scores(scores: dict[str, Any], out: IO[str] | None = None) -> None:
    """Print one scenario's scores as a few compact tables."""
    console = Console(file=out or sys.stdout, width=140)
    head = Table(title=f"scenario {scores['scenario']} (seed {scores['seed']}): "
                       f"{scores['cascades']} cascades, {scores['spikes']} spikes")
    for col in ("figure", "value", "target"):
        head.add_column(col)
    for name, value in headline(scores).items():
        op, bound = TARGETS.get(name, ("", ""))
        head.add_row(name, _fmt(value), f"{op} {bound}".strip())
    console.print(head)
    by = Table(title="by scope and side")
    for col in ("group", "cascades found", "recall", "spikes true", "precision"):
        by.add_column(col)
    for g, r in [*scores["recall_by_scope"].items(), *scores["recall_by_side"].items()]:
        p = scores["precision_by_scope"].get(g) or scores["precision_by_side"].get(g)
        by.add_row(g, f"{r['found']}/{r['cascades']}", _fmt(r["recall"]),
                   f"{p['true']}/{p['spikes']}", _fmt(p["precision"]))
    console.print(by)
    rows = Table(title="cascades")
    for col in ("id", "scope", "side", "delay s", "trigger", "named", "relation"):
        rows.add_column(col, overflow="fold")
    for c in scores["per_cascade"]:
        rows.add_row(c["id"], f"{c['scope']}:{c['key']}", c["side"], _fmt(c["delay_s"]),
                     c["trigger"] or "-", c["named"] or "-", c["relation"] or "missed")
    console.print(rows)
    for fp in scores["false_positives"]:
        console.print(f"false positive: {fp['scope']}:{fp['key']} {fp['side']} at "
                      f"{_utc(fp['detected_at'])} ${fp['notional_usd']:,.0f} "
                      f"{fp['ratio']:.1f}x (likely cause: {fp['cause']})")
    att = scores["attribution"]
    console.print(f"coverage linked {_fmt(att['coverage_linked'])}, coverage named as trigger "
                  f"{att['coverage_named_as_trigger']}, spurious triggers "
                  f"{att['spurious_trigger']}/{att['untriggered_found']}; storms: "
                  f"{scores['storms']}")
