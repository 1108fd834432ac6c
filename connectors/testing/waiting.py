"""Waiting on a condition with a deadline, never on a guess of how long things take."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def until(predicate: Callable[[], object], timeout_s: float = 30.0,
                what: str = "condition", interval_s: float = 0.02) -> None:
    """Return once `predicate()` is true; raise TimeoutError naming `what` after
    `timeout_s`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError(f"{what} not met within {timeout_s:.0f} s")
        await asyncio.sleep(interval_s)
