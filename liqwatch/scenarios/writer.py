"""File output: Tardis-style CSV (with a recording's small flaws), news.jsonl, truth.json.

Files are byte-identical for the same input: gzip with mtime 0 and no file name, JSON
with a fixed key order.
"""

from __future__ import annotations

import gzip
import math
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import orjson
import pandas as pd

from liqwatch.scenarios.market import ASSETS, EXCHANGES, MINUTE_US, ScenarioSpec, Simulation
from liqwatch.scenarios.news import Story

HEADER = ("exchange", "symbol", "timestamp", "local_timestamp", "id", "side", "price", "amount")
MAX_DISORDER_US = 38_000  # as in a real Binance recording
DISORDER_SHARE = 0.3  # of neighbours less than 38 ms apart
DUPLICATE_RATE = 0.0015


def _decimals(increment: float) -> int:
    return max(0, -math.floor(math.log10(increment) + 1e-9))


def _fmt(values: np.ndarray, decimals: int) -> np.ndarray:
    """Plain decimal strings without trailing zeros, as Tardis writes numbers."""
    text = np.char.mod(f"%.{decimals}f", values)
    if decimals:
        text = np.strings.rstrip(np.strings.rstrip(text, "0"), ".")
    return text


def _numbers(spec: ScenarioSpec, asset: np.ndarray, values: np.ndarray, attr: str) -> np.ndarray:
    out = np.empty(values.size, dtype=object)
    for j, code in enumerate(spec.assets):
        mask = asset == j
        if mask.any():
            out[mask] = _fmt(values[mask], _decimals(getattr(ASSETS[code], attr)))
    return out


def _trade_ids(spec: ScenarioSpec, df: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Exchange trade ids: increasing integers per symbol (Binance, OKX), UUIDs (Bybit)."""
    n_assets = len(spec.assets)
    stream = df["exchange"].to_numpy() * n_assets + df["asset"].to_numpy()
    base = rng.integers(10**8, 6 * 10**9, len(EXCHANGES) * n_assets)
    gaps = pd.Series(1 + rng.poisson(40, len(df)))
    ids = (gaps.groupby(stream).cumsum().to_numpy() + base[stream]).astype(str).astype(object)
    bybit = df["exchange"].to_numpy() == [e.name for e in EXCHANGES].index("bybit")
    raw = rng.integers(0, 256, (int(bybit.sum()), 16), dtype=np.uint8)
    ids[bybit] = [f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
                  for h in (bytes(r).hex() for r in raw)]
    return ids


def tardis_rows(spec: ScenarioSpec, df: pd.DataFrame, rng: np.random.Generator,
                with_ids: bool) -> pd.DataFrame:
    """Events as Tardis normalized CSV columns, in timestamp order."""
    asset = df["asset"].to_numpy()
    exchange = df["exchange"].to_numpy()
    symbols = np.array([[e.symbol(a) for a in spec.assets] for e in EXCHANGES], dtype=object)
    delay_ms = np.array([e.delay_median_ms for e in EXCHANGES])[exchange]
    delay_us = np.clip(delay_ms * np.exp(0.6 * rng.standard_normal(len(df))), 5, 300) * 1000
    ts = df["ts"].to_numpy()
    return pd.DataFrame({
        "exchange": np.array([e.name for e in EXCHANGES], dtype=object)[exchange],
        "symbol": symbols[exchange, asset],
        "timestamp": ts,
        "local_timestamp": ts + delay_us.astype(np.int64),
        "id": _trade_ids(spec, df, rng) if with_ids else "",
        "side": np.where(df["sell"].to_numpy(), "sell", "buy"),
        "price": _numbers(spec, asset, df["price"].to_numpy(), "tick"),
        "amount": _numbers(spec, asset, df["amount"].to_numpy(), "step"),
    })


def recording_artifacts(rows: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Real recordings' flaws: a few rows out of order by up to 38 ms (close neighbours
    swapped) and a few exact duplicates right after their original."""
    n = len(rows)
    gap = np.diff(rows["timestamp"].to_numpy())
    close = np.flatnonzero((gap > 0) & (gap <= MAX_DISORDER_US))
    swap = close[rng.random(close.size) < DISORDER_SHARE]
    swap = swap[~np.isin(swap - 1, swap)]
    order = np.arange(n)
    order[swap], order[swap + 1] = swap + 1, swap
    dups = np.sort(rng.choice(n, size=min(n, max(1, round(n * DUPLICATE_RATE))), replace=False))
    position = np.concatenate([np.arange(n), dups + 0.5])
    source = np.concatenate([order, order[dups]])
    return rows.iloc[source[np.argsort(position, kind="stable")]].reset_index(drop=True)


def write_csv_gz(rows: pd.DataFrame, path: Path) -> None:
    """Write rows under the Tardis header, gzip without a timestamp."""
    text = rows.to_csv(index=False, columns=list(HEADER), lineterminator="\n")
    path.write_bytes(gzip.compress(text.encode(), compresslevel=6, mtime=0))


def write_news(stories: list[Story], path: Path) -> None:
    """One JSON object per line, in publication order."""
    lines = [orjson.dumps(s.record()) for s in sorted(stories, key=lambda s: s.published_at)]
    path.write_bytes(b"".join(line + b"\n" for line in lines))


def _iso(t: datetime, timespec: str = "seconds") -> str:
    return t.astimezone(timezone.utc).isoformat(timespec=timespec)


def _from_us(ts_us: int) -> datetime:
    return datetime.fromtimestamp(ts_us // 1_000_000, timezone.utc) + timedelta(
        microseconds=ts_us % 1_000_000)


def _peak(spec: ScenarioSpec, ts: np.ndarray) -> datetime:
    """Middle of the 15 minutes holding the most injected events."""
    start_us = int(spec.start.timestamp()) * 1_000_000
    per_minute = np.bincount((ts - start_us) // MINUTE_US, minlength=spec.minutes)
    rolling = np.convolve(per_minute, np.ones(15), mode="same")
    return spec.start + timedelta(minutes=int(np.argmax(rolling)))


def build_truth(spec: ScenarioSpec, sim: Simulation, counts: dict[str, int]) -> dict:
    """The ground truth of what was injected, as truth.json holds it."""
    liq = sim.liquidations
    news_ids = {s.id for s in spec.news}
    cascade_ids = {c.id for c in spec.cascades}
    notional = liq["price"] * liq["amount"]
    cascades = []
    for k, c in enumerate(spec.cascades):
        mine = liq["cascade"].to_numpy() == k
        cascades.append({
            "id": c.id, "kind": c.kind or c.scope, "scope": c.scope, "key": c.key,
            "assets": list(c.assets),
            "liquidated_side": c.liquidated_side, "onset": _iso(c.onset),
            "peak": _iso(_peak(spec, liq["ts"].to_numpy()[mine])),
            "end": _iso(min(c.end, spec.end)),
            "notional_usd": round(float(notional[mine].sum()), 2), "events": int(mine.sum()),
            "trigger_news_id": c.trigger_news_id if c.trigger_news_id in news_ids else None,
            "notional_x": c.notional_x,
        })
    whales = [{
        "asset": spec.assets[int(r.asset)],
        "ts": _iso(_from_us(int(r.ts)), "milliseconds"),
        "notional_usd": round(float(r.price * r.amount), 2),
        "liquidated_side": "long" if r.sell else "short",
        "exchange": EXCHANGES[int(r.exchange)].name,
    } for r in liq[liq["whale"]].itertuples()]
    labels = []
    for s in sorted(spec.news, key=lambda s: s.published_at):
        label = s.label()
        for rel in ("triggers", "covers"):
            label[rel] = label[rel] if label[rel] in cascade_ids else None
        labels.append(label)
    return {
        "scenario": spec.name, "seed": spec.seed,
        "start": _iso(spec.start), "end": _iso(spec.end),
        "assets": {a: {"sector": ASSETS[a].sector} for a in spec.assets},
        "sectors": {"ai": [a for a in spec.assets if ASSETS[a].sector == "ai"]},
        "counts": counts,
        "feeds": {e.name: "sampled" if sampled else "complete"
                  for e, sampled in zip(EXCHANGES, spec.throttled())},
        "cascades": cascades, "whales": whales, "news": labels,
        "gaps": [{"exchange": g.exchange, "from": _iso(g.start), "to": _iso(g.end)}
                 for g in spec.gaps],
    }


def write_truth(truth: dict, path: Path) -> None:
    """Pretty-printed JSON, keys in the order built."""
    path.write_bytes(orjson.dumps(truth, option=orjson.OPT_INDENT_2) + b"\n")
