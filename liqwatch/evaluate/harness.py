"""`liqwatch eval`: replay a labelled scenario through the real pipeline (Kafka → Faust →
ClickHouse), read the spikes, alerts and classified news back from ClickHouse, and score
them against the scenario's truth.json.

The replay writes into a scratch chDB store under the data directory (recreated each
time), never into the analysts' database: synthetic cascades must not mix with real ones.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from liqwatch.config import Config
from liqwatch.evaluate.score import headline, misses, score
from liqwatch.replay import Progress, ReplayInputs, ReplaySummary, replay
from storage import Store, migrate, open_store

log = logging.getLogger("liqwatch.eval")

SCENARIO_FILES = ("liquidations.csv.gz", "trades.csv.gz", "news.jsonl", "truth.json")
SPIKE_COLUMNS = ("spike_id", "scope", "key", "assets", "liquidated_side", "horizon",
                 "onset_ts", "detected_at", "peak_ts", "end_ts", "notional_usd",
                 "baseline_usd", "ratio", "zscore", "event_count", "severity", "status",
                 "version")
ALERT_COLUMNS = ("alert_id", "created_at", "spike_id", "news_id", "relation",
                 "correlation_score", "severity", "title", "body", "version")


class ScenarioError(ValueError):
    """A directory that is not a generated scenario; the message says what to do."""


@dataclass
class Evaluation:
    """Scores of one scenario plus the replay that produced them."""

    scores: dict[str, Any]
    summary: ReplaySummary

    @property
    def misses(self) -> list[str]:
        """Targets of the issue this run does not meet."""
        return misses(headline(self.scores))


def scenario_inputs(directory: Path) -> tuple[ReplayInputs, dict]:
    """The replay inputs and ground truth of a generated scenario directory."""
    missing = [name for name in SCENARIO_FILES if not (directory / name).is_file()]
    if missing:
        raise ScenarioError(
            f"{directory} is not a scenario (missing {', '.join(missing)}); create one with "
            f"'liqwatch generate --scenario family --seed N --out {directory}'")
    truth = orjson.loads((directory / "truth.json").read_bytes())
    inputs = ReplayInputs([directory / "liquidations.csv.gz"], [directory / "trades.csv.gz"],
                          [directory / "news.jsonl"])
    return inputs, truth


def _ms(value: Any) -> int | None:
    return None if value is None else int(round(value.timestamp() * 1000))


def read_results(store: Store) -> tuple[list[dict], list[dict], list[dict]]:
    """Latest versions of spikes and alerts, and the classified news, from ClickHouse."""
    times = {"onset_ts", "detected_at", "peak_ts", "end_ts", "created_at", "published_at"}

    def rows(sql: str, columns: tuple[str, ...]) -> list[dict]:
        out = []
        for row in store.query(sql).rows:
            rec = dict(zip(columns, row))
            out.append({k: _ms(v) if k in times else v for k, v in rec.items()})
        return out

    spikes = rows(f"SELECT {', '.join(SPIKE_COLUMNS)} FROM liqwatch.spikes FINAL", SPIKE_COLUMNS)
    alerts = rows(f"SELECT {', '.join(ALERT_COLUMNS)} FROM liqwatch.alerts FINAL", ALERT_COLUMNS)
    news = rows("SELECT news_id, kind, ai_score, published_at FROM liqwatch.news FINAL",
                ("news_id", "kind", "ai_score", "published_at"))
    return spikes, alerts, news


async def evaluate(cfg: Config, directory: Path, progress: Progress | None = None) -> Evaluation:
    """Replay `directory` into a scratch store and score what ClickHouse holds."""
    inputs, truth = scenario_inputs(directory)
    scratch = cfg.data_dir / "eval" / directory.resolve().name
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    run_cfg = dataclasses.replace(cfg, clickhouse=f"chdb://{(scratch / 'chdb').resolve()}")
    with open_store(run_cfg.clickhouse_url) as store:
        migrate(store)
        summary = await replay(run_cfg, store, inputs, None, progress)
        spikes, alerts, news = read_results(store)
    log.info("evaluated scenario=%s spikes=%d alerts=%d", directory, len(spikes), len(alerts))
    return Evaluation(score(truth, spikes, alerts, news), summary)
