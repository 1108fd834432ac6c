"""Rendering query results and replay summaries for the terminal."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import orjson
from rich.console import Console
from rich.table import Table

from storage import QueryResult


def _cell(v: object) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, datetime):
        return v.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(v, float):
        return f"{v:.6g}" if abs(v) < 1e6 else f"{v:,.2f}"
    return str(v)


def _csv_cell(v: object) -> object:
    """A value as a CSV reader wants it: full precision, no thousands separators."""
    if v is None:
        return ""
    if isinstance(v, datetime):
        return _cell(v)
    return v


def render(result: QueryResult, fmt: str) -> str:
    """A query result as an aligned table, JSON (array of objects) or CSV."""
    if fmt == "json":
        rows = [dict(zip(result.columns, r)) for r in result.rows]
        return orjson.dumps(rows, default=str, option=orjson.OPT_INDENT_2).decode()
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(result.columns)
        w.writerows([[_csv_cell(v) for v in r] for r in result.rows])
        return buf.getvalue().rstrip("\n")
    table = Table(show_lines=False, header_style="bold")
    for c in result.columns:
        table.add_column(c, overflow="fold")
    for r in result.rows:
        table.add_row(*(_cell(v) for v in r))
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(table)
    return console.export_text().rstrip("\n")
