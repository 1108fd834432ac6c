"""ChdbStore: the liqwatch tables in chDB (ClickHouse 26.9 in-process), persisted in a directory.

chDB 4.4 constraints, measured:
- One embedded engine per process, bound to one data directory at a time. Several sessions
  on the same directory may be open at once; opening another directory fails until every
  session on the first one is closed, after which any directory can be opened (~35 ms).
- One process per directory: a second process opening it fails (the engine locks
  `<dir>/status`).
- Sessions are documented as thread-safe; this store still serializes every call with one
  process-wide lock, because an open streaming insert blocks other statements.
"""

from __future__ import annotations

import fcntl
import threading
from pathlib import Path
from typing import Any, ClassVar

import orjson
import pyarrow as pa
from chdb import session as chdb_session

from .store import (
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

# Output settings that make JSONCompact exact and time-zone independent: times as ISO 8601
# UTC ('Z'), 64-bit integers and decimals as strings, NaN/inf as strings, tuples as arrays.
_SESSION_SETTINGS = (
    "SET date_time_output_format = 'iso', output_format_json_quote_64bit_integers = 1, "
    "output_format_json_quote_decimals = 1, output_format_json_quote_denormals = 1, "
    "output_format_json_named_tuples_as_objects = 0, output_format_json_validate_utf8 = 1"
)

_ARROW_SCALARS: dict[str, pa.DataType] = {
    "Int8": pa.int8(), "Int16": pa.int16(), "Int32": pa.int32(), "Int64": pa.int64(),
    "UInt8": pa.uint8(), "UInt16": pa.uint16(), "UInt32": pa.uint32(), "UInt64": pa.uint64(),
    "Float32": pa.float32(), "Float64": pa.float64(), "Bool": pa.bool_(), "String": pa.string(),
}


def _arrow_type(t: CHType) -> pa.DataType | None:
    """The Arrow type to send for a ClickHouse column type (None: let Arrow infer it)."""
    if t.name in ("Nullable", "LowCardinality"):
        inner = t.args[0]
        return _arrow_type(inner) if isinstance(inner, CHType) else None
    if t.name == "DateTime64":
        return pa.timestamp("ms", tz="UTC")  # callers give int ms since the epoch
    if t.name == "Array" and isinstance(t.args[0], CHType):
        inner_type = _arrow_type(t.args[0])
        return pa.list_(inner_type) if inner_type is not None else None
    return _ARROW_SCALARS.get(t.name)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class ChdbStore(Store):
    """A Store on a chDB session persisted at a directory; one data directory per process."""

    _lock: ClassVar[threading.RLock] = threading.RLock()
    _open_path: ClassVar[Path | None] = None
    _open_count: ClassVar[int] = 0

    def __init__(self, path: str | Path, *, name: str = "LIQWATCH_CLICKHOUSE") -> None:
        """Open (creating if needed) the chDB data directory `path`."""
        self.path = Path(path).resolve()
        self.url = f"chdb://{self.path}"
        self._columns: dict[str, dict[str, str]] = {}
        self._session: chdb_session.Session | None = None
        with ChdbStore._lock:
            current = ChdbStore._open_path
            if current is not None and current != self.path:
                raise StoreError(
                    f"chDB is already open at {current} in this process and chDB allows one "
                    f"data directory per process: close that store first or use the same path"
                )
            if self.path.exists() and not self.path.is_dir():
                raise StoreError(f"{name}: {self.path} is not a directory: {URL_HINT}")
            self.path.mkdir(parents=True, exist_ok=True)
            try:
                self._session = chdb_session.Session(str(self.path))
                self._session.query(_SESSION_SETTINGS)
            except Exception as exc:
                if self._session is not None:
                    self._session.close()
                    self._session = None
                raise StoreError(self._open_failure(exc, name)) from None
            ChdbStore._open_path = self.path
            ChdbStore._open_count += 1

    @classmethod
    def from_url(cls, url: str, *, name: str = "LIQWATCH_CLICKHOUSE") -> ChdbStore:
        """Open the store for `chdb:///abs/path` or `chdb://relative/path`."""
        rest = url.split("://", 1)[1]
        if not rest.strip("/") or "?" in rest or "#" in rest:
            raise StoreError(f"{name}={mask_url(url)!r} does not name a chDB directory: {URL_HINT}")
        return cls(rest, name=name)

    def _open_failure(self, exc: BaseException, name: str) -> str:
        """Explain why the session could not be opened, in one line."""
        status = self.path / "status"
        if status.exists() and ChdbStore._open_path is None:
            with status.open("rb") as fh:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    fcntl.flock(fh, fcntl.LOCK_UN)
                except OSError:
                    holder = fh.read(200).decode(errors="replace").splitlines()[:1]
                    who = f" ({holder[0]})" if holder else ""
                    return (
                        f"chDB directory {self.path} is in use by another process{who}: chDB "
                        f"allows one process per directory; stop it or point {name} elsewhere"
                    )
        return f"cannot open chDB at {self.path}: {_first_line(exc)}"

    def _sess(self) -> chdb_session.Session:
        if self._session is None:
            raise StoreError(f"the chDB store at {self.path} is closed: open a new one")
        return self._session

    def execute(self, sql: str) -> None:
        """Run one statement and discard any result."""
        with ChdbStore._lock:
            try:
                self._sess().query(sql, "Null")
            except StoreError:
                raise
            except Exception as exc:
                raise StoreError(_first_line(exc)) from None
            self._columns.clear()  # DDL may have changed a table

    def query(self, sql: str) -> QueryResult:
        """Run one statement and return its rows as canonical Python values."""
        with ChdbStore._lock:
            try:
                raw = self._sess().query(sql, "JSONCompact").bytes()
            except StoreError:
                raise
            except Exception as exc:
                raise StoreError(_first_line(exc)) from None
        if not raw.strip():
            return QueryResult()
        doc: dict[str, Any] = orjson.loads(raw)
        columns = [m["name"] for m in doc["meta"]]
        types = [m["type"] for m in doc["meta"]]
        return QueryResult(columns, types, convert_rows(doc["data"], types, "json"))

    def _table_columns(self, table: str) -> dict[str, str]:
        if table not in self._columns:
            res = self.query(
                "SELECT name, type FROM system.columns "
                f"WHERE database = 'liqwatch' AND table = '{table}' ORDER BY position"
            )
            if not res.rows:
                raise StoreError(f"table liqwatch.{table} does not exist: run `liqwatch migrate`")
            self._columns[table] = dict(res.rows)
        return self._columns[table]

    def insert(self, table: str, columns: dict[str, Column]) -> None:
        """Insert column-wise data with one Arrow stream (fast for 10k-100k-row batches)."""
        ref = table_ref(table)
        with ChdbStore._lock:
            known = self._table_columns(table)
            if check_columns(table, columns, known) == 0:
                return
            try:
                arrays = {}
                for col, values in columns.items():
                    arrow_type = _arrow_type(parse_type(known[col]))
                    arrays[col] = pa.array(values, type=arrow_type)
            except (pa.ArrowException, TypeError, ValueError, OverflowError) as exc:
                raise StoreError(
                    f"insert into liqwatch.{table}: column {col} ({known[col]}): {_first_line(exc)}"
                ) from None
            batch = pa.RecordBatch.from_pydict(arrays)
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, batch.schema) as writer:
                writer.write_batch(batch)
            names = ", ".join(f"`{c}`" for c in columns)
            try:
                with self._sess().send_insert(f"INSERT INTO {ref} ({names})", "ArrowStream") as ins:
                    ins.append(sink.getvalue().to_pybytes())
                    ins.finish()
            except StoreError:
                raise
            except Exception as exc:
                message = f"insert into liqwatch.{table} failed: {_first_line(exc)}"
                raise StoreError(message) from None

    def __del__(self) -> None:
        if getattr(self, "_session", None) is not None:
            self.close()  # keep the per-process bookkeeping right if a store is just dropped

    def close(self) -> None:
        """Close the session; once every store on this directory is closed, another may open."""
        with ChdbStore._lock:
            if self._session is None:
                return
            self._session.close()
            self._session = None
            ChdbStore._open_count -= 1
            if ChdbStore._open_count == 0:
                ChdbStore._open_path = None
