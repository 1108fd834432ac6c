"""Generated scenario files in tests: timed generation, CSV rows with USD size, asset, time."""

from __future__ import annotations

import time
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from liqwatch.scenarios import ScenarioFiles, generate

HEADER = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount"


def timed_generate(out_dir: Path, scenario: str, seed: int,
                   **overrides: Any) -> tuple[ScenarioFiles, float]:
    """Generate a scenario; also say how many seconds it took."""
    t0 = time.perf_counter()
    files = generate(out_dir, scenario, seed, **overrides)
    return files, time.perf_counter() - t0


@cache
def read_events(path: Path) -> pd.DataFrame:
    """A scenario CSV as written (duplicates kept), plus usd, asset and t (UTC) columns.

    Read once per path and shared between tests: filter it, never modify it in place."""
    df = pd.read_csv(path, dtype={"id": str, "price": str, "amount": str}, keep_default_na=False)
    df["usd"] = df["price"].astype(float) * df["amount"].astype(float)
    df["asset"] = df["symbol"].str.replace("-USDT-SWAP", "").str.replace("USDT", "")
    df["t"] = pd.to_datetime(df["timestamp"], unit="us", utc=True)
    return df


@cache
def unique_events(path: Path) -> pd.DataFrame:
    """The CSV's events with the recording's exact duplicates removed."""
    return read_events(path).drop_duplicates(HEADER.split(","))
