"""`WebBoard`: the live web board as an alert surface — an HTTP server beside the worker
that follows the spikes and alerts topics and shows them in the browser."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from delivery.board.app import make_app
from delivery.board.state import BoardState
from delivery.feed import FeedError, TopicFeed
from delivery.surface import AlertSurface
from storage import Store

log = logging.getLogger("liqwatch.board")


class BoardError(RuntimeError):
    """The board could not listen on its address."""


class WebBoard(AlertSurface):
    """Serves the board on http://host:port/ (port 0 picks a free one; see `url`).

    The HTTP server and the topic feed have separate lifecycles: `serve()` opens the
    server before a replay starts (so its URL can be shown first) and `close()` ends it,
    while `start`/`stop` follow the topics. A server that `start` opened itself is closed
    by `stop`; one opened with `serve()` stays up with the last state until `close()`.
    """

    name = "board"

    def __init__(self, host: str, port: int, store: Store, *,
                 sectors: dict[str, list[str]] | None = None, heartbeat_s: float = 15.0) -> None:
        self.host, self.port = host, port
        self.store, self.sectors, self.heartbeat_s = store, sectors, heartbeat_s
        self.state = BoardState()
        self._runner: web.AppRunner | None = None
        self._bound: int | None = None
        self._owns_server = False
        self._feed: TopicFeed | None = None
        self._follower: asyncio.Task | None = None

    @property
    def url(self) -> str:
        """The page's URL with the bound port; RuntimeError before `serve()`."""
        if self._bound is None:
            raise RuntimeError("the board is not serving; call serve() first")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._bound}/"

    async def serve(self) -> str:
        """Start the HTTP server (if not running) and return its URL; serving again after
        `close()` (e.g. in a new event loop) reuses the bound port, so the URL stays.
        BoardError if it cannot listen."""
        if self._runner is None:
            port = self.port if self._bound is None else self._bound
            runner = web.AppRunner(make_app(self.state, self.store, self.sectors, self.heartbeat_s),
                                   access_log=None, shutdown_timeout=2.0)
            await runner.setup()
            site = web.TCPSite(runner, self.host, port)
            try:
                await site.start()
            except (OSError, OverflowError) as exc:
                await runner.cleanup()
                reason = getattr(exc, "strerror", None) or exc
                raise BoardError(f"web board cannot listen on {self.host}:{port} ({reason})") from None
            self._runner = runner
            self._bound = runner.addresses[0][1]
            log.info("board serving url=%s", self.url)
        return self.url

    async def close(self) -> None:
        """End every event stream and stop the HTTP server (safe to call twice)."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
            log.info("board closed url=http://%s:%s/", self.host, self._bound)

    async def start(self, bootstrap: str) -> None:
        """Serve (unless already serving) and follow the topics from their beginning, so
        the board shows every spike and alert the broker holds."""
        if self._runner is None:
            await self.serve()
            self._owns_server = True
        self._feed = TopicFeed(bootstrap, from_beginning=True)
        await self._feed.start()
        self._follower = asyncio.create_task(self._follow(self._feed), name="board-feed")

    async def _follow(self, feed: TopicFeed) -> None:
        try:
            async for item in feed.items():
                update = self.state.apply(item.kind, item.record)
                if update is not None:
                    log.debug("board update seq=%d kind=%s", update.seq, item.kind)
        except Exception:
            log.exception("board stopped following the topics")
            raise

    async def drain(self, timeout_s: float) -> None:
        """Return once every version published so far is on the board."""
        if self._feed is None or self._follower is None:
            raise FeedError("WebBoard.start() was not called")
        ends = await self._feed.end_offsets()
        waiting = asyncio.create_task(self._feed.wait_caught_up(ends, timeout_s))
        done, _ = await asyncio.wait({waiting, self._follower},
                                     return_when=asyncio.FIRST_COMPLETED)
        if waiting not in done:
            waiting.cancel()
            self._follower.result()  # re-raise why following stopped
            raise FeedError("the board stopped following the topics")
        waiting.result()

    async def stop(self) -> None:
        """Stop following; close the server too if `start` opened it."""
        follower, self._follower = self._follower, None
        if follower is not None:
            follower.cancel()
            await asyncio.gather(follower, return_exceptions=True)  # its error was logged
        feed, self._feed = self._feed, None
        if feed is not None:
            await feed.stop()
        if self._owns_server:
            self._owns_server = False
            await self.close()
