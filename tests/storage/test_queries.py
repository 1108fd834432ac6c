"""The analyst query pack without data: every file documents itself and binds, and `liqwatch
query` explains a wrong --file or --param in one line. The queries themselves run on real
replayed data in tests/integration/test_query_pack.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from liqwatch.cli import main
from storage.migrate import SQL_DIR
from storage.params import bind, params

QUERIES = sorted((SQL_DIR / "queries").glob("*.sql"))
EXAMPLE = {"String": "BTC", "UInt32": "5", "Float64": "0.5", "DateTime64(3)": "2025-01-27"}


def test_the_pack_is_there() -> None:
    assert {p.name for p in QUERIES} >= {
        "top_cascades.sql", "around_story.sql", "ai_news_impact.sql",
        "long_short_imbalance.sql", "exchange_share.sql", "feed_gaps.sql"}


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.name)
def test_header_documents_the_question_parameters_and_columns(path: Path) -> None:
    text = path.read_text()
    header = [line for line in text.splitlines() if line.startswith("--")]
    assert text.startswith("-- ") and "-- Parameters:" in header and any(
        line.startswith("-- Columns") for line in header), path.name
    for p in params(text):
        assert any(line.startswith(f"--   {p.name} ({p.type}") for line in header), p.name
        if p.default is not None:
            assert any(line.startswith(f"--   {p.name} ({p.type}, default") for line in header)
    required = {p.name: EXAMPLE[p.type] for p in params(text) if p.default is None}
    sql = bind(text, required)
    code = [line for line in sql.splitlines() if not line.lstrip().startswith("--")]
    assert not any("{" in line for line in code), "every placeholder is bound"
    assert code[-1].endswith(";") and sum(line.count(";") for line in code) == 1, "one statement"


@pytest.mark.parametrize(("args", "message"), [
    ([], "query takes SQL text or --file F, not both or neither"),
    (["SELECT 1", "--file", "x.sql"], "query takes SQL text or --file F, not both or neither"),
    (["--file", "sql/queries/nope.sql"], "sql/queries/nope.sql: no such file; give a .sql file"),
    (["--file", str(SQL_DIR / "queries" / "feed_gaps.sql"), "--param", "start=2025-01-26",
      "--param", "end=2025-01-27", "--param", "top=3"],
     "feed_gaps.sql: unknown parameter top; this query takes start (DateTime64(3)), "
     "end (DateTime64(3))"),
    (["--file", str(SQL_DIR / "queries" / "feed_gaps.sql"), "--param", "start=2025-01-26",
      "--param", "end=tomorrow"], "feed_gaps.sql: parameter end: 'tomorrow' is not a time"),
    (["--file", str(SQL_DIR / "queries" / "feed_gaps.sql"), "--param", "start=1",
      "--param", "start=2"], "--param start given more than once"),
])
def test_query_mistakes_end_in_one_line(args: list[str], message: str, tmp_path: Path, capsys,
                                        monkeypatch) -> None:
    monkeypatch.delenv("LIQWATCH_CLICKHOUSE", raising=False)
    assert main(["--data-dir", str(tmp_path), "query", *args]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err


def test_param_needs_a_name_and_a_value(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--data-dir", str(tmp_path), "query", "--file", "x.sql", "--param", "start"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "use NAME=VALUE" in err
