"""The one interface every alert surface implements (board, webhooks, terminal)."""

from __future__ import annotations

from abc import ABC, abstractmethod


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
