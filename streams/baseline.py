"""Robust adaptive baseline of windowed liquidation totals.

Per scope and horizon the detector feeds one value per aligned window (zeros included).
The baseline keeps exponentially weighted moments of log1p(value) for outlier capping and
an exponentially weighted mean of the value, capped at mean + `cap_sigmas` σ in log space,
as the "normal" a ratio is taken against: one whale order or one cascade does not drag
the normal up. Until 1/alpha windows are seen the weights are those of a plain running
mean, so the first window does not dominate the warm-up. Updates are skipped while a spike is open, so a cascade never becomes
its own baseline.
"""

from __future__ import annotations

import math


class EwmaBaseline:
    """EW mean and variance of log1p(x) plus a capped EW mean of x."""

    WARM = 10  # windows before outliers are capped: the first ones define "normal"

    __slots__ = ("alpha", "cap_sigmas", "min_sigma", "n", "mean_log", "var_log", "mean")

    def __init__(self, half_life_windows: float, cap_sigmas: float = 3.0,
                 min_sigma: float = 0.5) -> None:
        self.alpha = 1.0 - 0.5 ** (1.0 / half_life_windows)
        self.cap_sigmas = cap_sigmas
        self.min_sigma = min_sigma
        self.n = 0
        self.mean_log = 0.0
        self.var_log = 0.0
        self.mean = 0.0

    @property
    def sigma(self) -> float:
        """Standard deviation of log1p(x), floored so quiet scopes are not hair-trigger."""
        return max(math.sqrt(self.var_log), self.min_sigma)

    def update(self, x: float) -> None:
        """Fold one window's total into the baseline."""
        lx = math.log1p(x)
        if self.n == 0:
            self.mean_log, self.var_log, self.mean = lx, 0.0, x
            self.n = 1
            return
        self.n += 1
        cap = self.mean_log + self.cap_sigmas * self.sigma if self.n > self.WARM else math.inf
        lx_c = min(lx, cap)
        a = max(self.alpha, 1.0 / self.n)
        d = lx_c - self.mean_log
        self.mean_log += a * d
        self.var_log = (1.0 - a) * (self.var_log + a * d * d)
        capped = x if cap == math.inf else min(x, math.expm1(cap))
        self.mean += a * (capped - self.mean)

    def update_zeros(self, count: int) -> None:
        """Fold `count` empty windows at once (sparse scopes catch up lazily)."""
        for _ in range(min(count, 10_000)):
            self.update(0.0)
