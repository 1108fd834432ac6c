"""Query parameters (storage/params.py): placeholders found, values checked and quoted, and
the bound SQL read back by a real chDB exactly as given."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from storage import Store, open_store
from storage.params import Param, ParamError, bind, literal, load_query, params

QUERY = """-- A query.
-- Parameters: {ignored:UInt8} in a comment is not a parameter.
-- default: top=10
-- default: asset=
SELECT * FROM t
WHERE ts >= {start:DateTime64(3)} AND ts < {end:DateTime64(3)}
  AND ({asset:String} = '' OR asset = {asset:String})
LIMIT {top:UInt32}"""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with open_store(f"chdb://{tmp_path_factory.mktemp('params') / 'ch'}") as s:
        yield s


def test_placeholders_in_order_with_defaults() -> None:
    assert params(QUERY) == [Param("start", "DateTime64(3)"), Param("end", "DateTime64(3)"),
                             Param("asset", "String", ""), Param("top", "UInt32", "10")]


def test_bind_uses_values_then_defaults() -> None:
    sql = bind(QUERY, {"start": "2025-01-27", "end": "2025-01-28T08:00:00+08:00"})
    assert "ts >= toDateTime64('2025-01-27 00:00:00.000000', 3, 'UTC')" in sql
    assert "ts < toDateTime64('2025-01-28 00:00:00.000000', 3, 'UTC')" in sql
    assert "('' = '' OR asset = '')" in sql and sql.endswith("LIMIT 10")
    assert "{ignored:UInt8}" in sql  # comments are left alone
    assert bind(QUERY, {"start": "2025-01-27", "end": "2025-01-28", "top": "3",
                        "asset": "BTC"}).endswith("asset = 'BTC')\nLIMIT 3")


def test_missing_and_unknown_parameters_name_what_the_query_takes() -> None:
    takes = ("this query takes start (DateTime64(3)), end (DateTime64(3)), "
             "asset (String, default ''), top (UInt32, default 10)")
    with pytest.raises(ParamError) as err:
        bind(QUERY, {"start": "2025-01-27"})
    assert str(err.value) == f"missing parameter end; {takes}"
    with pytest.raises(ParamError) as err:
        bind(QUERY, {"start": "2025-01-27", "end": "2025-01-28", "limit": "5"})
    assert str(err.value) == f"unknown parameter limit; {takes}"


@pytest.mark.parametrize(("type_", "raw", "message"), [
    ("UInt32", "-1", "-1 is out of range [0, 4294967295]"),
    ("UInt8", "ten", "'ten' is not an integer"),
    ("Int8", "128", "128 is out of range [-128, 127]"),
    ("Float64", "nan", "'nan' is not a finite number"),
    ("Float64", "1e", "'1e' is not a number"),
    ("Bool", "yes", "'yes' is not true or false"),
    ("Date", "27/01/2025", "'27/01/2025' is not a date such as 2025-01-27"),
    ("DateTime64(3)", "yesterday", "'yesterday' is not a time such as"),
    ("DateTime64(3, 'Asia/Tokyo')", "2025-01-27", "type DateTime64(3, 'Asia/Tokyo') is not supported"),
    ("Array(String)", "[]", "type Array(String) is not supported"),
])
def test_bad_values_are_refused(type_: str, raw: str, message: str) -> None:
    with pytest.raises(ParamError, match="^" + re.escape(message)):
        literal(type_, raw)


def test_bad_value_names_the_parameter() -> None:
    with pytest.raises(ParamError, match="^parameter top: 'x' is not an integer$"):
        bind(QUERY, {"start": "2025-01-27", "end": "2025-01-28", "top": "x"})


def test_a_parameter_has_one_type_and_defaults_name_parameters() -> None:
    with pytest.raises(ParamError, match="used as String and as UInt8"):
        params("SELECT {a:String}, {a:UInt8}")
    with pytest.raises(ParamError, match="names no parameter"):
        params("-- default: b=1\nSELECT {a:String}")


def test_load_query_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "q.sql"
    path.write_text("SELECT {n:UInt8} AS n\n")
    assert load_query(path, {"n": "7"}) == "SELECT 7 AS n\n"
    with pytest.raises(ParamError, match="no such file"):
        load_query(tmp_path / "nope.sql", {})


def test_chdb_reads_the_literals_back_exactly(store: Store) -> None:
    nasty = "it's a \\'quote\\' -- and {x:String} ; DROP TABLE t"
    sql = bind("SELECT {s:String} AS s, {u:UInt64} AS u, {i:Int32} AS i, {f:Float64} AS f, "
               "{b:Bool} AS b, {d:Date} AS d, {t:DateTime} AS t, {t3:DateTime64(3)} AS t3",
               {"s": nasty, "u": str(2**64 - 1), "i": "-5", "f": "0.1", "b": "true",
                "d": "2025-01-27", "t": "2025-01-27 04:01:02", "t3": "2025-01-27T12:01:02.345+08:00"})
    res = store.query(sql)
    assert res.rows == [(nasty, 2**64 - 1, -5, 0.1, True, date(2025, 1, 27),
                         datetime(2025, 1, 27, 4, 1, 2, tzinfo=timezone.utc),
                         datetime(2025, 1, 27, 4, 1, 2, 345000, tzinfo=timezone.utc))]
