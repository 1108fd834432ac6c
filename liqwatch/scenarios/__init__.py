"""Synthetic market scenarios: liquidations, trades and news with known ground truth.

`generate` writes Tardis-style CSVs, news.jsonl and truth.json for a named scenario, so
the pipeline can be replayed and its detections scored against what was injected.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from liqwatch.scenarios import deepseek, family, small
from liqwatch.scenarios.market import Progress, ScenarioSpec, price_paths, rng_for, simulate
from liqwatch.scenarios.writer import (build_truth, recording_artifacts, tardis_rows,
                                       write_csv_gz, write_news, write_truth)

__all__ = ["SCENARIOS", "ScenarioFiles", "build_spec", "generate", "scenario_options",
           "scenario_prices"]

SCENARIOS: dict[str, str] = {
    "deepseek": "DeepSeek shock, 2025-01-20..30: 9 assets, market + AI-sector long cascade "
                "on Jan 27 with trigger and coverage news (options: start, days)",
    "small": "36 h from 2025-01-26, 5 assets: one market long cascade with AI trigger, "
             "a SOL short squeeze, one whale; fast, for tests (options: start, hours)",
    **{name: description for name, (description, _) in family.VARIANTS.items()},
}

_BUILDERS: dict[str, Callable[..., ScenarioSpec]] = {
    "deepseek": deepseek.build,
    "small": small.build,
    **{name: partial(family.build, name=name, **options)
       for name, (_, options) in family.VARIANTS.items()},
}


@dataclass(frozen=True)
class ScenarioFiles:
    """Paths of a generated scenario's files and its loaded ground truth."""

    liquidations: Path
    trades: Path
    news: Path
    truth_path: Path
    truth: dict[str, Any]


def scenario_options(scenario: str) -> list[str]:
    """The options (keyword overrides) a scenario's builder takes."""
    params = inspect.signature(_BUILDERS[scenario]).parameters
    return [p for p in params if p not in ("seed", "name")]


def build_spec(scenario: str, seed: int = 7, **overrides: Any) -> ScenarioSpec:
    """The scenario's specification (what gets injected), before any simulation."""
    if scenario not in _BUILDERS:
        raise ValueError(f"unknown scenario {scenario!r}; choose from {', '.join(SCENARIOS)}")
    return _BUILDERS[scenario](seed, **overrides)


def scenario_prices(scenario: str = "deepseek", seed: int = 7, **overrides: Any) -> pd.DataFrame:
    """Minute prices per asset that the scenario's events are priced on (UTC index)."""
    spec = build_spec(scenario, seed, **overrides)
    logp = price_paths(spec, rng_for(seed, 1))
    index = pd.date_range(spec.start, periods=spec.minutes + 1, freq="min")
    return pd.DataFrame(np.exp(logp), index=index, columns=list(spec.assets))


def generate(out_dir: Path, scenario: str = "deepseek", seed: int = 7,
             progress: Progress | None = None, **overrides: Any) -> ScenarioFiles:
    """Generate a scenario into `out_dir`; the same arguments give byte-identical files.

    `progress(stage, fraction)` is called as the work advances (fraction in 0..1).
    """
    report = progress or (lambda stage, fraction: None)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    spec = build_spec(scenario, seed, **overrides)
    sim = simulate(spec, report)
    liquidations, trades = out_dir / "liquidations.csv.gz", out_dir / "trades.csv.gz"
    news, truth_path = out_dir / "news.jsonl", out_dir / "truth.json"
    counts: dict[str, int] = {}
    for kind, frame, path, fraction, with_ids in (
            ("liquidation", sim.liquidations, liquidations, 0.55, False),
            ("trade", sim.trades, trades, 0.7, True)):
        report(f"writing {kind}s", fraction)
        rows = tardis_rows(spec, frame, rng_for(seed, 5), with_ids)
        written = recording_artifacts(rows, rng_for(seed, 6))
        write_csv_gz(written, path)
        counts[f"{kind}s"] = len(rows)
        counts[f"{kind}_rows"] = len(written)
    counts["news"] = len(spec.news)
    report("writing news and truth", 0.95)
    write_news(spec.news, news)
    truth = build_truth(spec, sim, counts)
    write_truth(truth, truth_path)
    report("done", 1.0)
    return ScenarioFiles(liquidations, trades, news, truth_path, truth)
