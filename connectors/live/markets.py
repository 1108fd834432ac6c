"""Instrument metadata for live venues: ccxt's markets, cached in the data dir, with the
project's shipped snapshot as the offline fallback so a connector always starts."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path
from typing import Any

log = logging.getLogger("liqwatch.connectors")

SNAPSHOTS = Path(__file__).resolve().parent.parent / "exchanges" / "snapshots"
KEEP = ("id", "symbol", "base", "quote", "settle", "type", "linear", "inverse", "quanto",
        "contractSize", "swap", "future", "active", "info")


def snapshot_markets(ccxt_id: str) -> list[dict]:
    """The shipped metadata of the default instruments."""
    return json.loads((SNAPSHOTS / f"{ccxt_id}.json").read_text())


def _override_urls(urls: Any, base: str) -> Any:
    if isinstance(urls, dict):
        return {k: _override_urls(v, base) for k, v in urls.items()}
    return base if isinstance(urls, str) else urls


async def fetch_markets(ccxt_id: str, rest_url: str = "", timeout_s: float = 15.0) -> list[dict]:
    """Derivatives markets from the exchange's REST API through ccxt."""
    import ccxt.async_support as ccxt_async

    exchange = getattr(ccxt_async, ccxt_id)({"timeout": int(timeout_s * 1000)})
    if rest_url:
        exchange.urls["api"] = _override_urls(exchange.urls["api"], rest_url.rstrip("/"))
    try:
        markets = await asyncio.wait_for(exchange.load_markets(), timeout_s)
    finally:
        await exchange.close()
    return [{k: m.get(k) for k in KEEP} for m in markets.values()
            if m.get("swap") or m.get("future")]


async def load_markets(ccxt_id: str, cache_dir: Path, rest_url: str = "",
                       max_age_s: float = 86_400.0) -> tuple[list[dict], str]:
    """Markets and where they came from: 'cache', 'rest', 'stale cache' or 'snapshot'."""
    cache = cache_dir / f"{ccxt_id}.json"
    if cache.exists() and time.time() - cache.stat().st_mtime < max_age_s:
        return json.loads(cache.read_text()), "cache"
    try:
        markets = await fetch_markets(ccxt_id, rest_url)
        cache_dir.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(markets, default=str))
        return markets, "rest"
    except Exception as exc:  # any REST failure: fall back, the feed must still start
        log.warning("markets unavailable venue=%s error=%s: %s; using fallback", ccxt_id,
                    type(exc).__name__, str(exc)[:200])
    if cache.exists():
        return json.loads(cache.read_text()), "stale cache"
    return snapshot_markets(ccxt_id), "snapshot"
