"""Query parameters: fill ClickHouse `{name:Type}` placeholders with checked SQL literals.

Substituted on the client, so a parameterized query file runs the same on chDB and on a
server. A file may give optional parameters a value with a header line
`-- default: name=value`; every other placeholder needs a value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

_PLACEHOLDER = re.compile(r"\{([A-Za-z_]\w*):\s*([A-Za-z]\w*(?:\([^{}]*\))?)\s*\}")
_DEFAULT = re.compile(r"^\s*--\s*default:\s*([A-Za-z_]\w*)\s*=\s*(.*?)\s*$")
_DATETIME64 = re.compile(r"DateTime64\(\s*(\d)\s*(?:,\s*'UTC'\s*)?\)")
_INT = re.compile(r"(U?)Int(8|16|32|64|128|256)")
SUPPORTED = ("String", "Int8..Int256", "UInt8..UInt256", "Float32", "Float64", "Bool", "Date",
             "DateTime", "DateTime64(P)", "DateTime64(P, 'UTC')")


class ParamError(ValueError):
    """A missing, unknown or malformed query parameter (a one-line message)."""


@dataclass(frozen=True)
class Param:
    """A placeholder of a query: its name, ClickHouse type and default value (if any)."""

    name: str
    type: str
    default: str | None = None

    def describe(self) -> str:
        """`name (Type)` or `name (Type, default V)`, for messages."""
        if self.default is None:
            return f"{self.name} ({self.type})"
        default = self.default if self.default else "''"
        return f"{self.name} ({self.type}, default {default})"


def params(sql: str) -> list[Param]:
    """The placeholders of `sql` outside `--` comment lines, in order of first use."""
    found: dict[str, str] = {}
    for line in sql.splitlines():
        if line.lstrip().startswith("--"):
            continue
        for name, type_ in _PLACEHOLDER.findall(line):
            type_ = " ".join(type_.split())
            if found.setdefault(name, type_) != type_:
                raise ParamError(f"parameter {name} is used as {found[name]} and as {type_}")
    defaults = dict(m.groups() for m in map(_DEFAULT.match, sql.splitlines()) if m)
    for name in defaults.keys() - found.keys():
        raise ParamError(f"'-- default: {name}=...' names no parameter of the query")
    return [Param(name, type_, defaults.get(name)) for name, type_ in found.items()]


def bind(sql: str, values: Mapping[str, str]) -> str:
    """`sql` with every placeholder replaced by the literal of its value (or default)."""
    declared = params(sql)
    names = {p.name for p in declared}
    takes = ", ".join(p.describe() for p in declared) or "no parameters"
    unknown = sorted(set(values) - names)
    if unknown:
        raise ParamError(f"unknown parameter {', '.join(unknown)}; this query takes {takes}")
    missing = [p.name for p in declared if p.name not in values and p.default is None]
    if missing:
        raise ParamError(f"missing parameter {', '.join(missing)}; this query takes {takes}")
    literals = {}
    for p in declared:
        raw = values[p.name] if p.name in values else p.default
        try:
            literals[p.name] = literal(p.type, raw)
        except ParamError as exc:
            raise ParamError(f"parameter {p.name}: {exc}") from None

    def sub(match: re.Match) -> str:
        return literals.get(match.group(1), match.group(0))

    return _PLACEHOLDER.sub(sub, sql)


def literal(type_: str, raw: str) -> str:
    """The SQL literal of the text `raw` as a value of ClickHouse type `type_`."""
    if type_ == "String":
        return "'" + raw.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if match := _INT.fullmatch(type_):
        return str(_integer(raw, unsigned=bool(match.group(1)), bits=int(match.group(2))))
    if type_ in ("Float32", "Float64"):
        return repr(_float(raw))
    if type_ == "Bool":
        return _bool(raw)
    if type_ == "Date":
        return f"toDate('{_date(raw).isoformat()}')"
    if type_ == "DateTime":
        return f"toDateTime('{_instant(raw):%Y-%m-%d %H:%M:%S}', 'UTC')"
    if match := _DATETIME64.fullmatch(type_):
        scale = int(match.group(1))
        text = _instant(raw).strftime("%Y-%m-%d %H:%M:%S.%f")
        return f"toDateTime64('{text}', {scale}, 'UTC')"
    raise ParamError(f"type {type_} is not supported; use one of {', '.join(SUPPORTED)}")


def _integer(raw: str, *, unsigned: bool, bits: int) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise ParamError(f"{raw!r} is not an integer") from None
    low, high = (0, 2**bits - 1) if unsigned else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
    if not low <= value <= high:
        raise ParamError(f"{value} is out of range [{low}, {high}]")
    return value


def _float(raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise ParamError(f"{raw!r} is not a number") from None
    if not math.isfinite(value):
        raise ParamError(f"{raw!r} is not a finite number")
    return value


def _bool(raw: str) -> str:
    text = raw.strip().lower()
    if text in ("true", "1"):
        return "true"
    if text in ("false", "0"):
        return "false"
    raise ParamError(f"{raw!r} is not true or false")


def _date(raw: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise ParamError(f"{raw!r} is not a date such as 2025-01-27") from None


def _instant(raw: str) -> datetime:
    """An ISO 8601 time as naive UTC; without an offset it is read as UTC."""
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise ParamError(
            f"{raw!r} is not a time such as '2025-01-27 00:00:00' (UTC) or 2025-01-27T09:00+08:00"
        ) from None
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def load_query(path: Path, values: Mapping[str, str]) -> str:
    """The query in file `path` with its parameters bound (see `bind`)."""
    if not path.is_file():
        raise ParamError("no such file; give a .sql file such as sql/queries/top_cascades.sql")
    return bind(path.read_text(encoding="utf-8"), values)
