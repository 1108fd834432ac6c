"""`liqwatch eval` end to end: a subprocess replays the small scenario through the embedded
broker, Faust and chDB, scores it against truth.json and writes the scores."""

from __future__ import annotations

import subprocess
import sys

import orjson


def test_eval_scores_the_small_scenario(small, tmp_path):
    out = tmp_path / "scores.json"
    run = subprocess.run(
        [sys.executable, "-m", "liqwatch.cli", "--data-dir", str(tmp_path / "data"), "eval",
         "--scenario", str(small.truth_path.parent), "--out", str(out)],
        capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr
    scores = orjson.loads(out.read_bytes())
    assert scores["scenario"] == "small" and scores["cascades"] == len(small.truth["cascades"])
    assert scores["recall"] == 1.0 and scores["precision"] == 1.0
    assert scores["attribution"]["trigger_attribution"] == 1.0
    assert scores["attribution"]["coverage_named_as_trigger"] == 0
    assert "trigger_attribution" in run.stdout and str(out) in run.stdout
    assert not (small.truth_path.parent / "chdb").exists()


def test_eval_of_a_directory_that_is_not_a_scenario(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "liqwatch.cli", "--data-dir", str(tmp_path / "data"), "eval",
         "--scenario", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "liqwatch generate --scenario" in lines[0]
