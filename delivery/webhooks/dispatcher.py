"""The webhook alert surface: follows liqwatch.alerts and hands every alert version to each
configured channel; dead letters go to liqwatch.dlq like any other failed input."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import Counter
from collections.abc import Mapping, Sequence

import aiohttp
import orjson
from aiokafka import AIOKafkaProducer

from delivery.feed import TopicFeed
from delivery.surface import AlertSurface
from delivery.webhooks.channels import ChannelSpec, resolve
from delivery.webhooks.delivery import ChannelDelivery
from delivery.webhooks.policy import Backoff
from liqwatch.config import WebhooksConfig
from streams import topics as T

log = logging.getLogger("liqwatch.webhooks")
ALERT_KEYS = ("alert_id", "version", "severity", "title", "body", "created_at")


class WebhookDispatcher(AlertSurface):
    """Delivers alerts to Slack, Discord, Telegram and generic webhooks.

    In a replay it follows the alerts topic from its end when started (only this run's
    alerts); in `run`/`worker` it has a `group_id` and commits what it has delivered, so a
    restart resumes instead of re-sending. Run one dispatcher per deployment: two would
    each deliver every alert.
    """

    name = "webhooks"

    def __init__(self, channels: Sequence[ChannelSpec], settings: WebhooksConfig | None = None,
                 group_id: str | None = None, commit_every_s: float = 5.0) -> None:
        self.channels = list(channels)
        self.settings = settings or WebhooksConfig()
        self.group_id = group_id
        self.commit_every_s = commit_every_s
        self.deliveries: list[ChannelDelivery] = []
        self.dead_letters = 0
        self._feed: TopicFeed | None = None
        self._producer: AIOKafkaProducer | None = None
        self._http: aiohttp.ClientSession | None = None
        self._tasks: list[asyncio.Task] = []

    @property
    def counts(self) -> dict[str, Counter]:
        """Per channel: created, edited, duplicates, filtered, retries, dead letters..."""
        return {d.spec.name: d.counts for d in self.deliveries}

    async def start(self, bootstrap: str) -> None:
        try:
            await self._start(bootstrap)
        except BaseException:
            await self.stop()
            raise

    async def _start(self, bootstrap: str) -> None:
        s = self.settings
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=s.timeout_s))
        self._producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
        await self._producer.start()
        backoff = Backoff(s.backoff_s, s.max_backoff_s, s.max_retry_after_s)
        self.deliveries = [ChannelDelivery(spec, self._http, self._dead_letter,
                                           max_attempts=s.max_attempts, backoff=backoff)
                           for spec in self.channels]
        for delivery in self.deliveries:
            delivery.start()
            log.info("webhook channel=%s kind=%s url=%s min_severity=%s rate_per_min=%g "
                     "burst=%d", delivery.spec.name, delivery.spec.kind, delivery.spec.masked,
                     delivery.spec.min_severity, delivery.spec.rate_per_min, delivery.spec.burst)
        self._feed = TopicFeed(bootstrap, (T.ALERTS,), from_beginning=False,
                               group_id=self.group_id)
        await self._feed.start()
        self._tasks = [asyncio.create_task(self._follow(), name="webhooks-feed")]
        if self.group_id:
            self._tasks.append(asyncio.create_task(self._commit_loop(), name="webhooks-commit"))

    async def _follow(self) -> None:
        async for item in self._require().items():
            alert = item.record
            if (not isinstance(alert, dict) or any(k not in alert for k in ALERT_KEYS)
                    or not isinstance(alert["version"], int)):
                log.error("webhook skipped malformed alert offset=%d", item.offset)
                continue
            for delivery in self.deliveries:
                delivery.offer(alert)

    async def _commit_loop(self) -> None:
        while True:
            await asyncio.sleep(self.commit_every_s)
            await self._commit_if_idle()

    async def _commit_if_idle(self) -> None:
        """Commit the feed position once everything before it is delivered (at least once:
        a crash before the commit re-sends, never skips)."""
        if self.group_id and all(d.idle for d in self.deliveries):
            try:
                await self._require().commit()
            except Exception as exc:  # noqa: BLE001 - a failed commit only means re-sends
                log.warning("webhook commit failed error=%s", type(exc).__name__)

    async def _dead_letter(self, record: dict) -> None:
        assert self._producer is not None
        await self._producer.send_and_wait(T.DLQ, key=record["dlq_id"].encode(),
                                           value=orjson.dumps(record))
        self.dead_letters += 1

    async def drain(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        feed = self._require()
        await feed.wait_caught_up(await feed.end_offsets(), timeout_s)
        for task in self._tasks:
            if task.done():
                task.result()  # a crashed follower raises here instead of timing out
        for delivery in self.deliveries:
            await delivery.wait_idle(max(0.1, deadline - time.monotonic()))
        assert self._producer is not None
        await self._producer.flush()
        await self._commit_if_idle()

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._feed is not None:
            await self._commit_if_idle()
        for delivery in self.deliveries:
            await delivery.stop()
        if self.deliveries:
            log.info("webhooks stopped %s", " ".join(
                f"{name}={dict(c)}" for name, c in self.counts.items()))
        feed, self._feed = self._feed, None
        producer, self._producer = self._producer, None
        http, self._http = self._http, None
        if feed is not None:
            await feed.stop()
        if producer is not None:
            await producer.stop()
        if http is not None:
            await http.close()

    def _require(self) -> TopicFeed:
        if self._feed is None:
            raise RuntimeError("WebhookDispatcher.start() was not called")
        return self._feed


def from_config(settings: WebhooksConfig, env: Mapping[str, str] | None = None,
                group_id: str | None = None) -> WebhookDispatcher | None:
    """The dispatcher of the configured channels (secrets from `env`, default the process
    environment), or None when webhooks are off or none is configured. ConfigError names
    a missing variable."""
    if not settings.enabled or not settings.channels:
        return None
    settings.check("[webhooks]")
    env = os.environ if env is None else env
    return WebhookDispatcher([resolve(c, env) for c in settings.channels], settings, group_id)
