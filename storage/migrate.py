"""Schema migrations: apply sql/NNN_name.sql files in order, once each, on any Store.

Each applied file is recorded in liqwatch.schema_migrations (which sql/001_init.sql creates),
so running `migrate` again is a no-op. Statements in a file end with ';' at the end of a line.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from .store import DATABASE, Store, StoreError

SQL_DIR = Path(__file__).resolve().parents[1] / "sql"
_FILE_RE = re.compile(r"^(\d+)_([A-Za-z0-9_\-]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    """One numbered DDL file."""

    version: int
    name: str
    path: Path

    def statements(self) -> list[str]:
        """The file's statements, split where a non-comment line ends with ';'."""
        return split_statements(self.path.read_text(encoding="utf-8"))


def split_statements(text: str) -> list[str]:
    """Split SQL text into statements; a statement ends at a line ending with ';'.

    `--` comment lines never end a statement, and chunks holding only comments are dropped.
    """
    statements: list[str] = []
    current: list[str] = []
    for line in text.splitlines():
        current.append(line)
        stripped = line.strip()
        if stripped.endswith(";") and not stripped.startswith("--"):
            statements.append("\n".join(current).strip().removesuffix(";").rstrip())
            current = []
    statements.append("\n".join(current).strip())
    return [s for s in statements if _has_code(s)]


def _has_code(chunk: str) -> bool:
    return any(line.strip() and not line.strip().startswith("--") for line in chunk.splitlines())


def migrations(sql_dir: Path = SQL_DIR) -> list[Migration]:
    """The numbered .sql files directly in `sql_dir` (subfolders ignored), by version."""
    found: dict[int, Migration] = {}
    for path in sorted(sql_dir.iterdir()):
        match = _FILE_RE.match(path.name)
        if not match or not path.is_file():
            continue
        version = int(match.group(1))
        if version in found:
            raise StoreError(
                f"two migrations share version {version}: {found[version].path.name} and "
                f"{path.name}; renumber one"
            )
        found[version] = Migration(version, path.stem, path)
    return [found[v] for v in sorted(found)]


def applied_versions(store: Store) -> set[int]:
    """Versions recorded in liqwatch.schema_migrations (empty before the first migration)."""
    exists = store.query(
        "SELECT count() FROM system.tables "
        f"WHERE database = '{DATABASE}' AND name = 'schema_migrations'"
    ).scalar()
    if not exists:
        return set()
    return {row[0] for row in store.query(f"SELECT version FROM {DATABASE}.schema_migrations").rows}


def migrate(store: Store, sql_dir: Path = SQL_DIR) -> list[str]:
    """Apply every migration not yet recorded, in version order; return the names applied."""
    done = applied_versions(store)
    applied: list[str] = []
    for migration in migrations(sql_dir):
        if migration.version in done:
            continue
        for statement in migration.statements():
            try:
                store.execute(statement)
            except StoreError as exc:
                raise StoreError(
                    f"migration {migration.path.name} failed: {exc}", retryable=exc.retryable
                ) from None
        store.insert(
            "schema_migrations",
            {
                "version": [migration.version],
                "name": [migration.name],
                "applied_at": [time.time_ns() // 1_000_000],
            },
        )
        applied.append(migration.name)
    return applied
