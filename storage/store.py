"""The Store interface: one small API over chDB (in-process) and a ClickHouse server.

Both engines return the same Python values for the same query, so callers and tests do not
care which one is behind `LIQWATCH_CLICKHOUSE`. Values: integers as int, floats as float,
Decimal as decimal.Decimal, Bool as bool, Date as datetime.date, DateTime/DateTime64 as
timezone-aware UTC datetime, Array as list, Tuple as tuple, Map as dict, UUID as uuid.UUID,
NULL as None.
"""

from __future__ import annotations

import abc
import datetime as dt
import decimal
import ipaddress
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import numpy as np

DATABASE = "liqwatch"
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
URL_HINT = "use chdb:///path/to/dir or clickhouse://user:pass@host:9000/liqwatch"

#: One column of an insert: a list (or other sequence) or a numpy array.
Column = Sequence[Any] | np.ndarray


class StoreError(ValueError):
    """A store could not be opened or a statement failed; the message is one line.

    `retryable` is True when the failure is the connection (server down, network), so a sink
    may retry the same batch later; False for bad URLs, bad SQL and bad data.
    """

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass
class QueryResult:
    """A fully read query result: column names, ClickHouse type names and rows of Python values."""

    columns: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)

    def scalar(self) -> Any:
        """The first column of the first row (None when there are no rows)."""
        return self.rows[0][0] if self.rows else None


class Store(abc.ABC):
    """A ClickHouse database holding the `liqwatch` tables.

    Every method is synchronous and thread-safe (calls are serialized), so an asyncio caller
    runs it in a thread executor. Table names given to `insert` are bare names in `liqwatch`.
    """

    #: The URL the store was opened with, password masked (safe to log).
    url: str

    @abc.abstractmethod
    def execute(self, sql: str) -> None:
        """Run one statement (DDL or DML) and discard any result."""

    @abc.abstractmethod
    def query(self, sql: str) -> QueryResult:
        """Run one SELECT-like statement and return all of its rows."""

    @abc.abstractmethod
    def insert(self, table: str, columns: dict[str, Column]) -> None:
        """Insert rows given column-wise into `liqwatch.<table>`.

        One list or numpy array per column, all of the same length. DateTime64 columns take
        int milliseconds since the epoch (UTC), Nullable columns None, Array(String) lists of
        str, Bool bool. Columns left out get their DEFAULT (e.g. ingested_at).
        """

    @abc.abstractmethod
    def close(self) -> None:
        """Release the connection or chDB session; the store cannot be used afterwards."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def mask_url(url: str) -> str:
    """The URL with any password replaced by '***', for messages and logs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url.split("@", 1)[-1] if "@" in url else url
    if parts.password is None:
        return url
    userinfo = f"{parts.username or ''}:***"
    host = parts.netloc.rsplit("@", 1)[1]
    return parts._replace(netloc=f"{userinfo}@{host}").geturl()


def open_store(url: str, *, name: str = "LIQWATCH_CLICKHOUSE") -> Store:
    """Open the store a URL names: `chdb:///abs/dir`, `chdb://rel/dir` or `clickhouse://...`.

    `name` is where the URL came from (an environment variable or config key) and is quoted
    in error messages, which are one line and never contain the password.
    """
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme == "chdb":
        from .chdb_store import ChdbStore

        return ChdbStore.from_url(url, name=name)
    if scheme == "clickhouse":
        from .server_store import ServerStore

        return ServerStore.from_url(url, name=name)
    raise StoreError(f"{name}={mask_url(url)!r} is not a ClickHouse URL: {URL_HINT}")


def table_ref(table: str) -> str:
    """`liqwatch.<table>`, quoted, after checking the bare name is a plain identifier."""
    if not _IDENTIFIER.fullmatch(table):
        raise StoreError(f"table name {table!r} is not a bare identifier: pass e.g. 'liquidations'")
    return f"{DATABASE}.`{table}`"


def check_columns(table: str, columns: dict[str, Column], known: dict[str, str]) -> int:
    """Validate an insert's columns against the table's (name -> type); return the row count."""
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise StoreError(f"liqwatch.{table} has no column(s) {', '.join(unknown)}: check the names")
    lengths = {c: len(v) for c, v in columns.items()}
    if len(set(lengths.values())) > 1:
        raise StoreError(f"insert into liqwatch.{table}: columns differ in length {lengths}")
    return next(iter(lengths.values()), 0)


# --- ClickHouse type names -> converters to the canonical Python values ---------------------


@dataclass(frozen=True)
class CHType:
    """A parsed ClickHouse type: name and arguments (nested types or literal strings)."""

    name: str
    args: tuple[CHType | str, ...] = ()


def parse_type(text: str) -> CHType:
    """Parse a ClickHouse type name such as `Nullable(DateTime64(3, 'UTC'))`."""
    parsed, pos = _parse(text, 0)
    if text[pos:].strip():
        raise ValueError(f"trailing text in ClickHouse type {text!r}")
    return parsed


def _parse(text: str, pos: int) -> tuple[CHType, int]:
    start = pos
    while pos < len(text) and text[pos] not in "(),":
        pos += 1
    name = text[start:pos].strip()
    if " " in name:
        name = name.split()[-1]  # named tuple element: "a UInt8" -> "UInt8"
    if pos >= len(text) or text[pos] != "(":
        return CHType(name), pos
    args: list[CHType | str] = []
    pos += 1
    while True:
        while text[pos] == " ":
            pos += 1
        if text[pos] == "'":
            end = pos + 1
            while text[end] != "'":
                end += 2 if text[end] == "\\" else 1
            literal_end = end + 1
            while literal_end < len(text) and text[literal_end] not in ",)":
                literal_end += 1  # Enum8('a' = 1): keep the whole "'a' = 1"
            args.append(text[pos:literal_end].strip())
            pos = literal_end
        elif text[pos] in "-0123456789":
            end = pos
            while text[end] not in ",)":
                end += 1
            args.append(text[pos:end].strip())
            pos = end
        else:
            arg, pos = _parse(text, pos)
            args.append(arg)
        if text[pos] == ")":
            return CHType(name, tuple(args)), pos + 1
        pos += 1  # ","


Converter = Callable[[Any], Any]


def _to_utc(value: dt.datetime, scale: int, naive_tz: dt.tzinfo | None) -> dt.datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=naive_tz or dt.timezone.utc)
    value = value.astimezone(dt.timezone.utc)
    if scale < 6:
        step = 10 ** (6 - scale)
        micro = (value.microsecond + step // 2) // step * step
        value = value.replace(microsecond=0) + dt.timedelta(microseconds=micro)
    return value


def _float32(value: Any) -> float:
    return float(np.float32(float(value)))


def converter(type_name: str, source: str, naive_tz: dt.tzinfo | None = None) -> Converter | None:
    """A function mapping one engine value of `type_name` to its canonical Python value.

    `source` is "json" (chDB's JSONCompact output) or "native" (clickhouse-driver values);
    `naive_tz` is the server time zone for naive datetimes from the driver. None means the
    value is already canonical.
    """
    try:
        parsed = parse_type(type_name)
    except (ValueError, IndexError):
        return None  # an exotic type: keep the engine's value
    return _converter(parsed, source, naive_tz)


@lru_cache(maxsize=512)
def _converter(t: CHType, source: str, naive_tz: dt.tzinfo | None) -> Converter | None:
    json = source == "json"
    name = t.name
    if name in ("LowCardinality", "SimpleAggregateFunction"):
        inner = t.args[-1]
        assert isinstance(inner, CHType)
        return _converter(inner, source, naive_tz)
    if name == "Nullable":
        inner = t.args[0]
        assert isinstance(inner, CHType)
        conv = _converter(inner, source, naive_tz)
        if conv is None:
            return None
        return lambda v: None if v is None else conv(v)
    if name == "Array":
        inner = t.args[0]
        assert isinstance(inner, CHType)
        conv = _converter(inner, source, naive_tz)
        if conv is None:
            return list
        return lambda v: [conv(x) for x in v]
    if name == "Tuple":
        convs = [
            _converter(a, source, naive_tz) or (lambda x: x)
            for a in t.args
            if isinstance(a, CHType)
        ]
        return lambda v: tuple(c(x) for c, x in zip(convs, v))
    if name == "Map":
        key_t, val_t = t.args
        assert isinstance(key_t, CHType) and isinstance(val_t, CHType)
        kc = _converter(key_t, source, naive_tz) or (lambda x: x)
        vc = _converter(val_t, source, naive_tz) or (lambda x: x)
        return lambda v: {kc(k): vc(x) for k, x in v.items()}
    if name.startswith(("Int", "UInt")):
        return int if json else None
    if name == "Float32":
        return _float32 if json else None
    if name in ("Float64", "BFloat16"):
        return float if json else None
    if name.startswith("Decimal"):
        return decimal.Decimal if json else None
    if name == "Bool":
        return bool
    if name == "FixedString":
        return (lambda v: v.rstrip("\x00")) if json else None
    if name in ("Date", "Date32"):
        return dt.date.fromisoformat if json else None
    if name in ("DateTime", "DateTime64"):
        scale = int(t.args[0]) if name == "DateTime64" and t.args else 0
        if json:
            return dt.datetime.fromisoformat  # ISO 8601 with 'Z' -> aware UTC, <= 6 digits
        return lambda v: _to_utc(v, scale, naive_tz)
    if name == "UUID":
        return uuid.UUID if json else None
    if name in ("IPv4", "IPv6"):
        return ipaddress.ip_address if json else None
    if name == "Nothing":
        return lambda v: None
    return None


def convert_rows(
    rows: Sequence[Sequence[Any]],
    types: Sequence[str],
    source: str,
    naive_tz: dt.tzinfo | None = None,
) -> list[tuple]:
    """Convert engine rows column by column to canonical Python values."""
    convs = [converter(t, source, naive_tz) for t in types]
    if not rows or all(c is None for c in convs):
        return [tuple(r) for r in rows]
    cols = [
        list(col) if conv is None else [conv(v) for v in col]
        for col, conv in zip(zip(*rows), convs)
    ]
    return list(zip(*cols))
