"""The one interface every alert surface implements (board, webhooks, terminal)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence


class AlertSurface(ABC):
    """Shows or sends the spikes and alerts a worker publishes.

    Lifecycle: `start(bootstrap)` once the topics exist; `drain(timeout_s)` returns when
    everything published so far has been handled (a replay calls it before it shuts the
    broker down); `stop()` releases every resource and is safe to call more than once.
    """

    name: str = "surface"

    @abstractmethod
    async def start(self, bootstrap: str) -> None:
        """Begin following the spikes and alerts topics on `bootstrap`."""

    @abstractmethod
    async def drain(self, timeout_s: float) -> None:
        """Wait until every record published before this call has been handled."""

    @abstractmethod
    async def stop(self) -> None:
        """Stop following and release resources."""


class SurfaceGroup:
    """Several surfaces run together by a replay: started in order, drained together, and
    stopped (only those that started) even when a later one failed to start."""

    def __init__(self, surfaces: Sequence[AlertSurface]) -> None:
        self.surfaces = list(surfaces)
        self._started: list[AlertSurface] = []

    async def start(self, bootstrap: str) -> None:
        """Start every surface on `bootstrap`."""
        for surface in self.surfaces:
            await surface.start(bootstrap)
            self._started.append(surface)

    async def drain(self, timeout_s: float) -> None:
        """Wait until every started surface handled what was published so far."""
        for surface in self._started:
            await surface.drain(timeout_s)

    async def stop(self) -> None:
        """Stop the surfaces that started."""
        started, self._started = self._started, []
        for surface in started:
            await surface.stop()
