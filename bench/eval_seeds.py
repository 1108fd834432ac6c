"""Detection quality over many freshly generated scenarios: the issue's targets on seeds
the detector was not tuned on.

    .venv/bin/python bench/eval_seeds.py [--scenario family] [--seeds 100-109]
                                         [--core] [--days N] [--out scores.json]
                                         [--set min_surprise=5 ...]

For each seed: generate the scenario into a temp dir, then score it, by default through
the real pipeline (`liqwatch eval`'s harness: embedded broker, Faust, a scratch chDB),
with --core through the in-process processing core (same spikes and alerts, seconds per
scenario; tests/integration checks the two agree). Prints one row per seed and the pooled
figures; --out writes every scenario's full scores and the pooled ones as JSON; --set
overrides a [stream.detector] threshold for the run (to measure what a setting costs).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

import orjson

from liqwatch.config import Config
from liqwatch.evaluate.harness import evaluate, scenario_inputs
from liqwatch.evaluate.offline import run_offline
from liqwatch.evaluate.score import aggregate, headline, misses, score
from liqwatch.replay import ReplayInputs
from liqwatch.scenarios import SCENARIOS, generate
from streams.detector import DetectorConfig


def _seeds(text: str) -> list[int]:
    if "-" in text:
        lo, hi = text.split("-", 1)
        return list(range(int(lo), int(hi) + 1))
    return [int(s) for s in text.split(",")]


def _detector_setting(text: str) -> tuple[str, float]:
    """NAME=VALUE for one numeric DetectorConfig field, typed like its default."""
    name, _, value = text.partition("=")
    numeric = {f.name: f.type for f in dataclasses.fields(DetectorConfig)
               if f.type in ("int", "float")}
    try:
        return name, int(value) if numeric[name] == "int" else float(value)
    except (KeyError, ValueError):
        raise argparse.ArgumentTypeError(
            f"expected NAME=NUMBER with NAME one of: {', '.join(sorted(numeric))}") from None


def _score_core(cfg: Config, directory: Path) -> dict:
    inputs, truth = scenario_inputs(directory)
    result = run_offline(cfg.stream, ReplayInputs(inputs.liquidations, [], inputs.news))
    return score(truth, result.spikes, result.alerts, result.news)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenario", default="family", choices=sorted(SCENARIOS))
    p.add_argument("--seeds", default="100-109", type=_seeds, help="e.g. 100-109 or 3,5,8")
    p.add_argument("--days", type=float, help="scenario length (family scenarios)")
    p.add_argument("--core", action="store_true", help="score with the in-process core")
    p.add_argument("--out", type=Path)
    p.add_argument("--set", type=_detector_setting, action="append", default=[],
                   metavar="NAME=VALUE", help="override a detector threshold")
    args = p.parse_args()
    options = {"days": args.days} if args.days else {}
    runs = []
    with tempfile.TemporaryDirectory(prefix="liqwatch-eval-") as tmp:
        cfg = Config(data_dir=Path(tmp) / "data")
        cfg.stream.detector = dataclasses.replace(cfg.stream.detector, **dict(args.set))
        for seed in args.seeds:
            directory = Path(tmp) / f"{args.scenario}-{seed}"
            t0 = time.perf_counter()
            generate(directory, args.scenario, seed, **options)
            t1 = time.perf_counter()
            scores = (_score_core(cfg, directory) if args.core
                      else asyncio.run(evaluate(cfg, directory)).scores)
            runs.append(scores)
            figures = headline(scores)
            print(f"seed {seed}: {scores['cascades']} cascades, {scores['spikes']} spikes, "
                  f"generate {t1 - t0:.1f} s, score {time.perf_counter() - t1:.1f} s | "
                  + " ".join(f"{k}={v}" for k, v in figures.items()), flush=True)
            for fp in scores["false_positives"]:
                print(f"    false positive {fp['scope']}:{fp['key']} {fp['side']} "
                      f"cause={fp['cause']}")
            for m in scores["missed"]:
                print(f"    missed {m['id']} {m['scope']}:{m['key']} {m['side']}")
    pooled = aggregate(runs)
    print("pooled:", " ".join(f"{k}={v}" for k, v in pooled.items()))
    missed = misses(pooled)
    print("targets met" if not missed else "targets missed: " + "; ".join(missed))
    if args.out:
        args.out.write_bytes(orjson.dumps({"pooled": pooled, "runs": runs},
                                          option=orjson.OPT_INDENT_2))
    return 0 if not missed else 1


if __name__ == "__main__":
    sys.exit(main())
