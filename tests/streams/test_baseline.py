"""The baseline's normal is unbiased during warm-up and robust to single outliers."""

import math
import random

from streams.baseline import EwmaBaseline


def test_warm_up_is_a_running_mean_not_the_first_value():
    bl = EwmaBaseline(half_life_windows=48)
    bl.update(1.0)
    for _ in range(23):
        bl.update(100.0)
    assert 90 < bl.mean <= 100


def test_one_outlier_barely_moves_the_normal():
    rng = random.Random(1)
    bl = EwmaBaseline(half_life_windows=24)
    for _ in range(200):
        bl.update(rng.lognormvariate(math.log(10_000), 0.5))
    before = bl.mean
    bl.update(50_000_000.0)
    assert bl.mean < before * 2


def test_zero_windows_catch_up_lowers_the_normal():
    bl = EwmaBaseline(half_life_windows=4)
    for _ in range(20):
        bl.update(1_000.0)
    bl.update_zeros(8)
    assert bl.mean < 300
