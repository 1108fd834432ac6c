"""An aiohttp app on a free loopback port: the real HTTP peer that tests talk to (news
outlets, webhook receivers), never a mock of the client."""

from __future__ import annotations

from aiohttp import web


class LoopbackSite:
    """Serves one aiohttp application on 127.0.0.1 at a port the OS picks."""

    def __init__(self) -> None:
        self.port = 0
        self._runner: web.AppRunner | None = None

    def url(self, path: str) -> str:
        """Absolute URL of `path` on this site."""
        return f"http://127.0.0.1:{self.port}{path}"

    async def start(self, app: web.Application) -> None:
        """Serve `app`; `port` is set once this returns."""
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Stop serving (safe to call twice)."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
