"""Random times clear of intervals: whole minutes only, seconds never reach into an interval."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np

from liqwatch.scenarios.timeline import around, free_minutes, pick_time

T0 = datetime(2025, 3, 6, tzinfo=timezone.utc)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_free_minutes_skip_any_minute_an_interval_touches() -> None:
    free = free_minutes(T0, at(0), at(10), [(at(2.5), at(4)), (at(7), at(7.01))])
    assert free.tolist() == [0, 1, 4, 5, 6, 8, 9]
    assert free_minutes(T0, at(0.5), at(3)).tolist() == [1, 2]  # whole minutes inside [lo, hi)


def test_pick_time_stays_clear() -> None:
    rng = np.random.default_rng(1)
    avoid = [around(at(30), timedelta(minutes=25))]
    picks = [pick_time(rng, T0, at(0), at(60), avoid) for _ in range(200)]
    assert all(p is not None and not avoid[0][0] <= p < avoid[0][1] for p in picks)
    assert all(at(0) <= p < at(60) and p.microsecond == 0 for p in picks)
    assert pick_time(rng, T0, at(0), at(60), [(at(-1), at(61))]) is None
