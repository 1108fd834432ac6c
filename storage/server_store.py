"""ServerStore: the liqwatch tables on a ClickHouse server, over the native protocol (port 9000).

clickhouse-driver's Client is not thread-safe, so every call is serialized with a lock; the
driver reconnects by itself on the next call after a dropped connection.
"""

from __future__ import annotations

import datetime as dt
import logging
import struct
import threading
from typing import Any
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from clickhouse_driver import Client
from clickhouse_driver import errors as ch_errors

from .store import (
    DATABASE,
    URL_HINT,
    CHType,
    Column,
    QueryResult,
    Store,
    StoreError,
    check_columns,
    convert_rows,
    mask_url,
    parse_type,
    table_ref,
)

CONNECT_TIMEOUT_S = 5.0
SEND_RECEIVE_TIMEOUT_S = 300.0


def _one_line(exc: BaseException, password: str) -> str:
    """An error message on one line, without the server's stack trace, password masked."""
    text = " ".join(str(exc).split("Stack trace:", 1)[0].split()) or type(exc).__name__
    text = text if len(text) <= 300 else text[:297] + "..."
    return text.replace(password, "***") if password else text


class _NoTraceback(logging.Filter):
    """Keep the driver's one-line 'Failed to connect' warning but drop its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        return True


logging.getLogger("clickhouse_driver.connection").addFilter(_NoTraceback())


def _plain(values: Column, ch_type: str) -> list[Any]:
    """Column values as plain Python objects the driver accepts (numpy scalars are not).

    DateTime64 ints are milliseconds; the driver takes ints in the column's own scale.
    """
    tolist = getattr(values, "tolist", None)
    items = tolist() if callable(tolist) else list(values)
    t = parse_type(ch_type)
    while t.name in ("Nullable", "LowCardinality") and isinstance(t.args[0], CHType):
        t = t.args[0]
    if t.name == "Bool":
        return [None if v is None else bool(v) for v in items]
    if t.name == "DateTime64" and t.args and t.args[0] != "3":
        scale = int(str(t.args[0]))
        return [v * 10**scale // 1000 if isinstance(v, int) else v for v in items]
    return items


class ServerStore(Store):
    """A Store on a ClickHouse server reached with clickhouse-driver's native protocol."""

    def __init__(
        self,
        host: str,
        port: int = 9000,
        user: str = "default",
        password: str = "",
        *,
        connect_timeout: float = CONNECT_TIMEOUT_S,
        name: str = "LIQWATCH_CLICKHOUSE",
    ) -> None:
        """Connect and check the server answers; raise StoreError naming host:port if not."""
        self._password = password
        self._lock = threading.Lock()
        self._columns: dict[str, dict[str, str]] = {}
        self.url = f"clickhouse://{user}{':***' if password else ''}@{host}:{port}/{DATABASE}"
        self._where = f"{host}:{port}"
        self._client: Client | None = Client(
            host=host,
            port=port,
            user=user,
            password=password,
            database="default",
            connect_timeout=connect_timeout,
            send_receive_timeout=SEND_RECEIVE_TIMEOUT_S,
            client_name="liqwatch",
        )
        try:
            self._client.execute("SELECT 1")
            server_tz = self._client.connection.server_info.get_timezone()
        except (ch_errors.Error, EOFError, OSError) as exc:
            self._client.disconnect()
            self._client = None
            if isinstance(exc, ch_errors.ServerException):
                context = f"ClickHouse at {self._where} refused {name}'s login"
            else:
                context = f"cannot reach ClickHouse at {self._where} (from {name})"
            raise self._error(exc, context) from None
        self._naive_tz = _tzinfo(server_tz)

    @classmethod
    def from_url(cls, url: str, *, name: str = "LIQWATCH_CLICKHOUSE") -> ServerStore:
        """Connect to `clickhouse://user:pass@host:9000/liqwatch`; user, password, port optional."""
        bad = StoreError(f"{name}={mask_url(url)!r} is not a valid ClickHouse URL: {URL_HINT}")
        try:
            parts = urlsplit(url)
            port = parts.port or 9000
        except ValueError:
            raise bad from None
        database = parts.path.strip("/")
        if not parts.hostname or parts.query or parts.fragment:
            raise bad
        if database not in ("", DATABASE):
            raise StoreError(
                f"{name}={mask_url(url)!r} names database {database!r}, but liqwatch's tables "
                f"live in {DATABASE!r}: end the URL with /{DATABASE}"
            )
        return cls(
            parts.hostname,
            port,
            unquote(parts.username or "default"),
            unquote(parts.password or ""),
            name=name,
        )

    def _error(self, exc: BaseException, context: str) -> StoreError:
        """A one-line StoreError; retryable when the connection, not the statement, failed."""
        network = isinstance(
            exc, (ch_errors.NetworkError, ch_errors.SocketTimeoutError, EOFError, OSError)
        )
        if network and self._where not in context:
            context = f"{context} (ClickHouse at {self._where})"
        return StoreError(f"{context}: {_one_line(exc, self._password)}", retryable=network)

    def _run(self, what: str, sql: str, params: Any = None, **kwargs: Any) -> Any:
        with self._lock:
            if self._client is None:
                raise StoreError(f"the store for ClickHouse at {self._where} is closed: reopen it")
            try:
                return self._client.execute(sql, params, **kwargs)
            except (ch_errors.Error, EOFError, OSError) as exc:
                self._client.disconnect()
                raise self._error(exc, what) from None
            except Exception:
                self._client.disconnect()  # e.g. a bad value mid-insert: drop the half-sent one
                raise

    def execute(self, sql: str) -> None:
        """Run one statement and discard any result."""
        self._run("statement failed", sql)
        self._columns.clear()  # DDL may have changed a table

    def query(self, sql: str) -> QueryResult:
        """Run one statement and return its rows as canonical Python values."""
        rows, meta = self._run("query failed", sql, with_column_types=True)
        columns = [name for name, _ in meta]
        types = [type_name for _, type_name in meta]
        return QueryResult(columns, types, convert_rows(rows, types, "native", self._naive_tz))

    def _table_columns(self, table: str) -> dict[str, str]:
        if table not in self._columns:
            res = self.query(
                "SELECT name, type FROM system.columns "
                f"WHERE database = '{DATABASE}' AND table = '{table}'"
            )
            if not res.rows:
                raise StoreError(f"table liqwatch.{table} does not exist: run `liqwatch migrate`")
            self._columns[table] = dict(res.rows)
        return self._columns[table]

    def insert(self, table: str, columns: dict[str, Column]) -> None:
        """Insert column-wise data in one native columnar INSERT (DateTime64 as int ms)."""
        ref = table_ref(table)
        known = self._table_columns(table)
        if check_columns(table, columns, known) == 0:
            return
        data = [_plain(values, known[col]) for col, values in columns.items()]
        names = ", ".join(f"`{c}`" for c in columns)
        try:
            self._run(
                f"insert into liqwatch.{table} failed",
                f"INSERT INTO {ref} ({names}) VALUES",
                data,
                columnar=True,
            )
        except (TypeError, ValueError, AttributeError, struct.error) as exc:
            if isinstance(exc, StoreError):
                raise
            raise StoreError(f"insert into liqwatch.{table}: bad value: {exc}") from None

    def close(self) -> None:
        """Disconnect from the server."""
        with self._lock:
            if self._client is not None:
                self._client.disconnect()
                self._client = None


def _tzinfo(name: str) -> dt.tzinfo:
    """The tzinfo for the server's time zone name (naive driver datetimes are in it)."""
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return dt.timezone.utc
