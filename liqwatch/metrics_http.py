"""Prometheus text metrics on `/metrics` for an operator's scraper and dashboards: per
venue connection state and counters (`liqwatch run`), and the worker's counters, sink
histograms and consumer lag (`liqwatch run` and `liqwatch worker`)."""

from __future__ import annotations

from collections.abc import Iterator

from aiohttp import web

from connectors.live.feeds import LiveFeeds
from connectors.live.session import now_ms
from delivery.webhooks.dispatcher import WebhookDispatcher
from liqwatch.config import ConfigError
from liqwatch.lag import ConsumerLag
from streams.metrics import Histogram, Metrics

# Metrics counter field → (label names, help text); exposed as liqwatch_worker_<field>_total.
WORKER_COUNTERS: dict[str, tuple[tuple[str, ...], str]] = {
    "events_in": (("topic",), "Events read per input topic (a batch counts its events)."),
    "accepted": (("topic",), "Events that passed validation per input topic."),
    "duplicates": (("topic",), "Duplicate events dropped per input topic."),
    "dlq": (("reason",), "Records this worker rejected to the dlq topic, by reason."),
    "dlq_archived": (("reason",), "Dead letters from every source archived, by reason."),
    "produced": (("topic",), "Records published per output topic (spike and alert versions)."),
    "spikes_raised": (("scope", "severity"), "Spikes raised (first version), by scope, severity."),
    "alerts_raised": (("relation", "severity"), "Alerts raised (first version), by relation."),
    "gaps": (("exchange",), "Live feed gaps archived, by exchange."),
    "sink_rows": (("table",), "Rows inserted into ClickHouse per table."),
    "sink_batches": (("table",), "Inserts into ClickHouse per table."),
    "sink_seconds": (("table",), "Seconds spent inserting into ClickHouse per table."),
}
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
WORKER_HISTOGRAMS = {
    "sink_batch_rows": "Rows per ClickHouse insert, per table.",
    "sink_insert_seconds": "Duration of one ClickHouse insert in seconds, per table.",
}


def _number(value: float) -> str:
    """Exact text of a sample value (`:g` would round counters past 999,999)."""
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def _label(value: object) -> str:
    """A label value escaped as the text format asks (backslash, quote, newline)."""
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _line(name: str, labels: dict[str, str], value: float) -> str:
    body = ",".join(f'{k}="{_label(v)}"' for k, v in labels.items())
    return f"{name}{{{body}}} {_number(value)}" if body else f"{name} {_number(value)}"


def _family(name: str, kind: str, text: str) -> Iterator[str]:
    yield f"# HELP {name} {text}"
    yield f"# TYPE {name} {kind}"


def render(worker: Metrics, feeds: LiveFeeds | None = None,
           lag: ConsumerLag | None = None, webhooks: WebhookDispatcher | None = None) -> str:
    """The exposition text of every metric (feed metrics only with `feeds`, consumer lag
    only with `lag`, webhook deliveries only with `webhooks`)."""
    lines = [*(_feed_lines(feeds) if feeds is not None else ()), *_worker_lines(worker)]
    if lag is not None:
        lines += _lag_lines(lag)
    if webhooks is not None:
        lines += _webhook_lines(webhooks)
    return "\n".join(lines) + "\n"


def _feed_lines(feeds: LiveFeeds) -> Iterator[str]:
    m = feeds.metrics
    yield from _family("liqwatch_feed_records_total", "counter",
                       "Records parsed from the exchange feeds, by exchange and kind.")
    for kind, counter in (("liquidation", m.liquidations), ("trade", m.trades)):
        for exchange, n in sorted(counter.items()):
            yield _line("liqwatch_feed_records_total", {"exchange": exchange, "kind": kind}, n)
    yield from _family("liqwatch_feed_rejects_total", "counter",
                       "Feed entries rejected by the connectors, by exchange and reason.")
    for (exchange, reason), n in sorted(m.rejects.items()):
        yield _line("liqwatch_feed_rejects_total", {"exchange": exchange, "reason": reason}, n)
    yield from _family("liqwatch_feed_gaps_total", "counter",
                       "Feed outages (gaps) detected by the connectors, by exchange.")
    for exchange, n in sorted(m.gaps.items()):
        yield _line("liqwatch_feed_gaps_total", {"exchange": exchange}, n)
    now = now_ms()
    for name, kind, text in (
            ("connected", "gauge", "1 while the connection is up."),
            ("connects_total", "counter", "Connections made (reconnects included)."),
            ("messages_total", "counter", "Websocket messages received."),
            ("last_message_age_seconds", "gauge", "Seconds since the last message.")):
        yield from _family(f"liqwatch_feed_{name}", kind, text)
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


def _worker_lines(worker: Metrics) -> Iterator[str]:
    counters = worker.counters()
    for field, (labels, text) in WORKER_COUNTERS.items():
        name = f"liqwatch_worker_{field}_total"
        yield from _family(name, "counter", text)
        for key, n in sorted(counters[field].items()):
            values = key if isinstance(key, tuple) else (key,)
            yield _line(name, dict(zip(labels, values)), n)
    for field, text in WORKER_HISTOGRAMS.items():
        yield from _histogram(f"liqwatch_worker_{field}", text, getattr(worker, field))


def _histogram(name: str, text: str, by_table: dict[str, Histogram]) -> Iterator[str]:
    yield from _family(name, "histogram", text)
    for table, hist in sorted(by_table.items()):
        for le, n in hist.cumulative():
            yield _line(f"{name}_bucket", {"table": table, "le": le}, n)
        yield _line(f"{name}_sum", {"table": table}, hist.sum)
        yield _line(f"{name}_count", {"table": table}, hist.count)
    yield from _family(f"{name}_max", "gauge", f"Largest observation of {name}, per table.")
    for table, hist in sorted(by_table.items()):
        yield _line(f"{name}_max", {"table": table}, hist.max)


def _lag_lines(lag: ConsumerLag) -> Iterator[str]:
    name = "liqwatch_worker_consumer_lag_messages"
    yield from _family(name, "gauge", f"Kafka messages not yet committed by consumer group "
                                      f"{lag.group}: end offset minus committed offset.")
    for (topic, partition), n in sorted(lag.lag.items()):
        yield _line(name, {"topic": topic, "partition": str(partition)}, n)


def _webhook_lines(webhooks: WebhookDispatcher) -> Iterator[str]:
    name = "liqwatch_webhook_events_total"
    yield from _family(name, "counter", "Webhook delivery events per channel: alert versions "
                                        "queued, coalesced, duplicate or filtered; creates, "
                                        "edits and follow-ups sent; retries; dead_lettered.")
    for channel, counts in sorted(webhooks.counts.items()):
        for event, n in sorted(counts.items()):
            yield _line(name, {"channel": channel, "event": event}, n)


class MetricsServer:
    """Serves `render()` on http://HOST:PORT/metrics; runs the lag probe while it serves."""

    def __init__(self, worker: Metrics, feeds: LiveFeeds | None = None,
                 lag: ConsumerLag | None = None,
                 webhooks: WebhookDispatcher | None = None) -> None:
        self.worker, self.feeds, self.lag, self.webhooks = worker, feeds, lag, webhooks
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
        if self.lag is not None:
            await self.lag.start()
        return f"http://{host}:{bound}/metrics"

    async def stop(self) -> None:
        """Stop listening (and the lag probe)."""
        if self.lag is not None:
            await self.lag.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _metrics(self, request: web.Request) -> web.Response:
        return web.Response(body=render(self.worker, self.feeds, self.lag,
                                        self.webhooks).encode(),
                            headers={"Content-Type": CONTENT_TYPE})
