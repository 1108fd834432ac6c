"""Tardis.dev normalized CSV (optionally gzipped) → canonical Trade/Liquidation dicts.

Header: exchange,symbol,timestamp,local_timestamp,id,side,price,amount; timestamps in µs
UTC. For liquidations `side` is the liquidation order's side: `sell` closes a long, so
a long was liquidated. `amount` is in base currency for linear contracts. Every line that
cannot become a valid record is yielded as a `BadLine` with its reason and text.
"""

from __future__ import annotations

import gzip
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from connectors.exchanges import TARDIS_TO_CCXT, UnsupportedInstrument, instrument
from streams.ids import stable_id

HEADER = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount"
LIQUIDATED = {"sell": "long", "buy": "short"}


@dataclass(slots=True)
class BadLine:
    """An input line that could not be turned into a record."""

    source: str
    reason: str
    detail: str
    raw: str


def open_text(path: Path) -> IO[str]:
    """Open a text file, transparently gunzipping `.gz`."""
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return path.open("r", encoding="utf-8", newline="")


def _row(kind: str, parts: list[str], cache: dict) -> dict:
    exchange_name, symbol, ts_us, local_us, ident, side, price_s, amount_s = parts
    exchange = TARDIS_TO_CCXT.get(exchange_name)
    if exchange is None:
        raise ValueError(f"unknown_exchange: {exchange_name!r}")
    key = (exchange, symbol)
    inst = cache.get(key)
    if inst is None:
        inst = cache[key] = instrument(exchange, symbol)
    try:
        ts, received = int(ts_us) // 1000, int(local_us) // 1000
        price, amount = float(price_s), float(amount_s)
    except ValueError:
        raise ValueError("bad_number: timestamp, price or amount is not a number") from None
    if not (math.isfinite(price) and math.isfinite(amount)) or price <= 0 or amount <= 0:
        raise ValueError(f"bad_field: price={price_s} amount={amount_s} must be positive")
    rec = {"event_id": stable_id(exchange_name, symbol, ts_us, ident, side, price_s, amount_s),
           "exchange": exchange, "symbol": symbol, "asset": inst.base}
    if kind == "liquidations":
        lside = LIQUIDATED.get(side)
        if lside is None:
            raise ValueError(f"bad_side: side={side!r} is not buy or sell")
        rec["liquidated_side"] = lside
    else:
        if side not in ("buy", "sell"):
            raise ValueError(f"bad_side: side={side!r} is not buy or sell")
        rec["taker_side"] = side
    rec.update(price=price, qty_base=amount, notional_usd=inst.notional_usd(price, amount),
               ts=ts, received_ts=received)
    if kind == "liquidations":
        rec["is_sampled"] = exchange in ("binanceusdm", "binancecoinm", "okx")
    return rec


def read_market(path: Path, kind: str) -> Iterator[dict | BadLine]:
    """Yield canonical records (kind: 'liquidations' or 'trades') or BadLines, in file order."""
    source = f"{path.name}"
    cache: dict = {}
    with open_text(path) as fh:
        header = fh.readline().strip()
        if header != HEADER:
            yield BadLine(source, "bad_header", f"expected '{HEADER}'", header)
            return
        for lineno, line in enumerate(fh, start=2):
            text = line.rstrip("\r\n")
            if not text:
                continue
            parts = text.split(",")
            if len(parts) != 8:
                yield BadLine(f"{source}:{lineno}", "bad_columns",
                              f"{len(parts)} columns, expected 8", text)
                continue
            try:
                yield _row(kind, parts, cache)
            except UnsupportedInstrument as exc:
                yield BadLine(f"{source}:{lineno}", "unsupported_instrument", str(exc), text)
            except ValueError as exc:
                reason, _, detail = str(exc).partition(": ")
                yield BadLine(f"{source}:{lineno}", reason, detail, text)
