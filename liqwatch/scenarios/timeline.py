"""Random times that keep clear of given intervals: where stories, whales and gaps may go.

Times are drawn on a one-minute grid (plus random seconds); a minute is free only if the
whole minute misses every interval, so the seconds cannot push a time into one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta

import numpy as np

Interval = tuple[datetime, datetime]


def free_minutes(start: datetime, lo: datetime, hi: datetime,
                 avoid: Iterable[Interval] = ()) -> np.ndarray:
    """Minutes after `start` whose whole minute lies in [lo, hi) and misses every interval."""
    def minutes(t: datetime) -> float:
        return (t - start).total_seconds() / 60.0

    grid = np.arange(math.ceil(minutes(lo)), math.floor(minutes(hi)))
    keep = np.ones(grid.size, dtype=bool)
    for a, b in avoid:
        keep &= ~((grid < minutes(b)) & (grid + 1 > minutes(a)))
    return grid[keep]


def pick_time(rng: np.random.Generator, start: datetime, lo: datetime, hi: datetime,
              avoid: Iterable[Interval] = ()) -> datetime | None:
    """A random time in [lo, hi) clear of `avoid`, to the second; None if there is none."""
    grid = free_minutes(start, lo, hi, avoid)
    if grid.size == 0:
        return None
    minute = int(grid[int(rng.integers(grid.size))])
    return start + timedelta(minutes=minute, seconds=int(rng.integers(0, 60)))


def around(t: datetime, before: timedelta, after: timedelta | None = None) -> Interval:
    """The interval from `before` ahead of `t` to `after` (default: `before`) past it."""
    return t - before, t + (before if after is None else after)
