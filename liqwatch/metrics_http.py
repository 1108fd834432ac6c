"""Prometheus text metrics of a live run on `/metrics`: per venue connection state and
counters, and the worker's counters, for an operator's scraper and dashboards."""

from __future__ import annotations

from collections.abc import Iterator

from aiohttp import web

from connectors.live.feeds import LiveFeeds
from connectors.live.session import now_ms
from liqwatch.config import ConfigError
from streams.metrics import Metrics

_WORKER_LABEL = {"dlq": "reason", "sink_rows": "table", "sink_batches": "table",
                 "sink_seconds": "table"}


def _line(name: str, labels: dict[str, str], value: float) -> str:
    body = ",".join(f'{k}="{str(v).replace(chr(34), "")}"' for k, v in labels.items())
    return f"{name}{{{body}}} {value:g}" if body else f"{name} {value:g}"


def render(feeds: LiveFeeds, worker: Metrics) -> str:
    """The exposition text of every metric."""
    return "\n".join(_lines(feeds, worker)) + "\n"


def _lines(feeds: LiveFeeds, worker: Metrics) -> Iterator[str]:
    m = feeds.metrics
    yield "# TYPE liqwatch_feed_records_total counter"
    for kind, counter in (("liquidation", m.liquidations), ("trade", m.trades)):
        for exchange, n in sorted(counter.items()):
            yield _line("liqwatch_feed_records_total", {"exchange": exchange, "kind": kind}, n)
    yield "# TYPE liqwatch_feed_rejects_total counter"
    for (exchange, reason), n in sorted(m.rejects.items()):
        yield _line("liqwatch_feed_rejects_total", {"exchange": exchange, "reason": reason}, n)
    yield "# TYPE liqwatch_feed_gaps_total counter"
    for exchange, n in sorted(m.gaps.items()):
        yield _line("liqwatch_feed_gaps_total", {"exchange": exchange}, n)
    now = now_ms()
    for name, kind in (("connected", "gauge"), ("connects_total", "counter"),
                       ("messages_total", "counter"), ("last_message_age_seconds", "gauge")):
        yield f"# TYPE liqwatch_feed_{name} {kind}"
        for s in feeds.sessions:
            labels = {"exchange": s.venue.name, "conn": s.sub.key}
            if name == "connected":
                value: float = 1 if s.connected.is_set() else 0
            elif name == "connects_total":
                value = s.connects
            elif name == "messages_total":
                value = s.messages
            elif s.last_message_at is None:
                continue
            else:
                value = max(0, now - s.last_message_at) / 1000
            yield _line(f"liqwatch_feed_{name}", labels, value)
    for field, counter in worker.snapshot().items():
        yield f"# TYPE liqwatch_worker_{field}_total counter"
        label = _WORKER_LABEL.get(field, "topic")
        for key, n in sorted(counter.items()):
            yield _line(f"liqwatch_worker_{field}_total", {label: key}, n)


class MetricsServer:
    """Serves `render()` on http://HOST:PORT/metrics."""

    def __init__(self, feeds: LiveFeeds, worker: Metrics) -> None:
        self.feeds, self.worker = feeds, worker
        self._runner: web.AppRunner | None = None

    async def start(self, addr: str) -> str:
        """Listen on `addr` (host:port; port 0 picks a free one); returns the URL."""
        host, _, port = addr.rpartition(":")
        if not host or not port.isdigit():
            raise ConfigError(f"[live] metrics_addr = {addr!r}: use host:port such as "
                              "127.0.0.1:9464, or \"\" to turn metrics off")
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, int(port))
        try:
            await site.start()
        except OSError as exc:
            raise ConfigError(f"[live] metrics_addr = {addr!r}: cannot listen ({exc.strerror}); "
                              "pick a free port or \"\" to turn metrics off") from None
        bound = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://{host}:{bound}/metrics"

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _metrics(self, request: web.Request) -> web.Response:
        return web.Response(text=render(self.feeds, self.worker),
                            content_type="text/plain", charset="utf-8")
