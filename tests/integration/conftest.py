"""Integration fixtures: a generated scenario and a replay on the real embedded broker
(Tansu) and a real chDB store, one store open at a time (chDB allows one path per process)."""

from __future__ import annotations

import asyncio
import copy
from pathlib import Path

import pytest

from delivery.surface import AlertSurface
from liqwatch.config import Config
from liqwatch.replay import ReplayInputs, ReplaySummary, replay
from liqwatch.scenarios import ScenarioFiles, generate
from storage import migrate, open_store


@pytest.fixture(scope="session")
def small(tmp_path_factory) -> ScenarioFiles:
    return generate(tmp_path_factory.mktemp("scenario") / "small", "small", seed=7)


def run_replay(data_dir: Path, inputs: ReplayInputs, partitions: int = 4,
               speed: float | None = None, sql: tuple[str, ...] = (), workers: int = 1,
               config: Config | None = None,
               surfaces: tuple[AlertSurface, ...] = ()) -> tuple[ReplaySummary, list]:
    """Replay through embedded Kafka + Faust into chDB; return the summary and query results.

    `workers` in-process Faust workers share the input partitions; `surfaces` (board,
    webhooks) follow the alerts. `config` (copied, not
    changed) replaces the default settings, except for those set here."""
    cfg = copy.deepcopy(config) if config is not None else Config()
    cfg.data_dir = data_dir
    cfg.stream.partitions = partitions
    cfg.stream.session_timeout_s = 3.0
    cfg.replay.timeout_s = 300
    with open_store(cfg.clickhouse_url) as store:
        migrate(store)
        summary = asyncio.run(replay(cfg, store, inputs, speed, workers=workers,
                                            surfaces=surfaces))
        results = [store.query(q).rows for q in sql]
    return summary, results


def scenario_inputs(files: ScenarioFiles) -> ReplayInputs:
    return ReplayInputs([files.liquidations], [files.trades], [files.news])
