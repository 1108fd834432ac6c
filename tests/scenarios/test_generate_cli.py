"""`liqwatch generate`: named scenarios, --days and --option, mistakes in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from liqwatch.cli import main


def generate(tmp_path: Path, *args: str) -> int:
    return main(["--data-dir", str(tmp_path / "data"), "generate", *args])


def test_generate_with_days_and_options(tmp_path: Path) -> None:
    out = tmp_path / "quiet"
    code = generate(tmp_path, "--scenario", "quiet", "--seed", "3", "--days", "1", "--out",
                    str(out), "--option", "whales=2", "--option", "feeds=complete")
    assert code == 0
    truth = json.loads((out / "truth.json").read_text())
    assert (truth["scenario"], truth["seed"]) == ("quiet", 3)
    assert truth["end"] == "2025-03-07T00:00:00+00:00"
    assert len(truth["whales"]) == 2 and set(truth["feeds"].values()) == {"complete"}
    assert {p.name for p in out.iterdir()} == {"liquidations.csv.gz", "trades.csv.gz",
                                               "news.jsonl", "truth.json"}


def test_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert generate(tmp_path, "--list") == 0
    names = [line.split(":")[0] for line in capsys.readouterr().out.splitlines()]
    assert {"small", "deepseek", "family", "quiet", "gaps"} <= set(names)


@pytest.mark.parametrize("args, says", [
    (["--scenario", "small", "--days", "1"], "takes no option days"),
    (["--scenario", "family", "--option", "kinds=ai,nope"], "kinds must be among"),
    (["--scenario", "nope"], "unknown scenario"),
    ([], "needs --out"),
])
def test_mistakes(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                  says: str) -> None:
    out = [] if not args else ["--out", str(tmp_path / "x")]
    assert generate(tmp_path, *args, *out) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and says in err[0]


def test_malformed_option(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as stop:
        generate(tmp_path, "--out", str(tmp_path / "x"), "--option", "whales")
    assert stop.value.code == 2
