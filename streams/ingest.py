"""Per-partition ingestion of market batches: validate, drop late and duplicate events,
and reduce what remains to small per-step partial sums (liquidations) or 1-minute bars
(trades). Pure Python objects, no Faust: the agents in `streams.app` drive them.

Money is summed in integer cents so that merging partials from many partitions in any
order gives bit-identical totals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from streams.clock import PartitionClock
from streams.records import RecordError

MINUTE_MS = 60_000


@dataclass(slots=True)
class Reject:
    """An event refused by ingestion, for the dead-letter topic."""

    reason: str
    detail: str
    raw: object


@dataclass(slots=True)
class Admitted:
    """Outcome of one batch: accepted rows and rejects (late and invalid alike)."""

    rows: list[dict] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    duplicates: int = 0


class PartitionIngest:
    """Validation, lateness and de-duplication for one partition of a market topic."""

    def __init__(self, source: str, lateness_ms: int, validate: Callable[[object], dict],
                 id_field: str = "event_id", ts_field: str = "ts") -> None:
        self.source = source
        self.clock = PartitionClock(lateness_ms)
        self.validate = validate
        self.id_field, self.ts_field = id_field, ts_field

    def admit(self, events: list) -> Admitted:
        """Sort one batch's events into accepted, late, duplicate and invalid."""
        out = Admitted()
        clock, id_field, ts_field = self.clock, self.id_field, self.ts_field
        for ev in events:
            try:
                rec = self.validate(ev)
            except RecordError as exc:
                out.rejects.append(Reject(exc.reason, exc.detail, ev))
                continue
            ts = rec[ts_field]
            if clock.is_late(ts):
                out.rejects.append(Reject("late", f"{ts_field} {ts} < watermark {clock.watermark}", ev))
            elif clock.admit(rec[id_field], ts):
                out.rows.append(rec)
            else:
                out.duplicates += 1
        clock.prune()
        return out


class LiquidationPartials:
    """Step partial sums of one partition: (step, asset, exchange, side) → count, cents, max."""

    def __init__(self, step_ms: int) -> None:
        self.step_ms = step_ms
        self.sums: dict[tuple[int, str, str, str], list[int]] = {}
        self._sent_step: int | None = None

    def add(self, rows: list[dict]) -> None:
        """Fold accepted liquidations into the partial sums."""
        step_ms, sums = self.step_ms, self.sums
        for r in rows:
            k = (r["ts"] // step_ms, r["asset"], r["exchange"], r["liquidated_side"])
            cents = round(r["notional_usd"] * 100)
            acc = sums.get(k)
            if acc is None:
                sums[k] = [1, cents, cents]
            else:
                acc[0] += 1
                acc[1] += cents
                if cents > acc[2]:
                    acc[2] = cents

    def due(self, watermark: int | None) -> bool:
        """True when the watermark crossed a step boundary since the last forward."""
        if watermark is None:
            return False
        step = watermark // self.step_ms
        return self._sent_step is None or step > self._sent_step

    def take(self, watermark: int | None) -> list[list]:
        """Hand over the partials accumulated so far (as JSON-ready rows) and reset."""
        if watermark is not None:
            self._sent_step = watermark // self.step_ms
        rows = [[s, a, e, side, c, cents, mx] for (s, a, e, side), (c, cents, mx)
                in sorted(self.sums.items())]
        self.sums = {}
        return rows


class TradeBars:
    """1-minute OHLCV bars per exchange and symbol of one partition, closed by watermark."""

    def __init__(self) -> None:
        self.bars: dict[tuple[str, str, int], dict] = {}

    def add(self, rows: list[dict]) -> None:
        """Fold accepted trades into their bars (open/close by event time, then event_id)."""
        bars = self.bars
        for r in rows:
            minute = r["ts"] - r["ts"] % MINUTE_MS
            k = (r["exchange"], r["symbol"], minute)
            b = bars.get(k)
            order = (r["ts"], r["event_id"])
            price, usd = r["price"], r["notional_usd"]
            if b is None:
                bars[k] = b = {
                    "exchange": r["exchange"], "symbol": r["symbol"], "asset": r["asset"],
                    "minute": minute, "open": price, "high": price, "low": price,
                    "close": price, "volume_base": 0.0, "notional_cents": 0, "buy_cents": 0,
                    "sell_cents": 0, "trades": 0, "_first": order, "_last": order}
            if order < b["_first"]:
                b["_first"], b["open"] = order, price
            if order >= b["_last"]:
                b["_last"], b["close"] = order, price
            b["high"] = max(b["high"], price)
            b["low"] = min(b["low"], price)
            b["volume_base"] += r["qty_base"]
            cents = round(usd * 100)
            b["notional_cents"] += cents
            b["buy_cents" if r["taker_side"] == "buy" else "sell_cents"] += cents
            b["trades"] += 1

    def close(self, watermark: int | None) -> list[dict]:
        """Remove and return bars whose minute ended at or before the watermark (None: all)."""
        done = [k for k in self.bars if watermark is None or k[2] + MINUTE_MS <= watermark]
        out = []
        for k in sorted(done):
            b = self.bars.pop(k)
            out.append({
                "exchange": b["exchange"], "symbol": b["symbol"], "asset": b["asset"],
                "minute": b["minute"], "open": b["open"], "high": b["high"], "low": b["low"],
                "close": b["close"], "volume_base": round(b["volume_base"], 12),
                "notional_usd": b["notional_cents"] / 100, "buy_notional_usd": b["buy_cents"] / 100,
                "sell_notional_usd": b["sell_cents"] / 100, "trades": b["trades"]})
        return out
