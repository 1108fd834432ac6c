"""One channel's delivery: one message per alert, later versions as edits, in order,
paced and retried, and dead-lettered when the retry budget is spent. Driven with alert
dicts (`offer`), so it runs without Kafka in tests."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, OrderedDict, deque
from collections.abc import Awaitable, Callable

import aiohttp
import orjson

from connectors.testing.waiting import until
from delivery.webhooks.base import Outcome, Request, Sent, Service
from delivery.webhooks.channels import ChannelSpec
from delivery.webhooks.discord import Discord
from delivery.webhooks.generic import Generic
from delivery.webhooks.policy import Backoff, Sleep, TokenBucket, passes
from delivery.webhooks.slack import Slack
from delivery.webhooks.telegram import Telegram
from streams.records import dlq_record

log = logging.getLogger("liqwatch.webhooks")

SERVICES: dict[str, type[Service]] = {"slack": Slack, "discord": Discord, "telegram": Telegram,
                                      "generic": Generic}
DeadLetter = Callable[[dict], Awaitable[None]]


class ChannelDelivery:
    """Delivers alert versions to one channel, one request at a time (so an edit never
    overtakes its create and the channel's pacing holds).

    `offer` de-duplicates (a version at or below the highest seen is dropped), applies the
    severity floor to alerts the channel has not been sent yet, and coalesces: versions
    that arrive while an alert waits in the queue replace it, so a backlog sends only the
    latest. State is in memory, bounded to `state_size` alerts (least recent forgotten).
    """

    def __init__(self, spec: ChannelSpec, http: aiohttp.ClientSession, dead_letter: DeadLetter,
                 *, max_attempts: int = 5, backoff: Backoff = Backoff(),
                 state_size: int = 10_000, sleep: Sleep = asyncio.sleep,
                 bucket: TokenBucket | None = None) -> None:
        self.spec = spec
        self.service = SERVICES[spec.kind](spec.url, spec.chat_id)
        self.http, self.dead_letter = http, dead_letter
        self.max_attempts, self.backoff, self.sleep = max_attempts, backoff, sleep
        self.bucket = bucket or TokenBucket(spec.rate_per_min, spec.burst, sleep=sleep)
        self.state_size = state_size
        self.counts: Counter = Counter()
        self._seen: OrderedDict[str, int] = OrderedDict()
        self._sent: OrderedDict[str, Sent] = OrderedDict()
        self._pending: dict[str, dict] = {}
        self._queue: deque[str] = deque()
        self._wake = asyncio.Event()
        self._busy = False
        self._task: asyncio.Task | None = None

    @property
    def source(self) -> str:
        """The dead-letter source of this channel."""
        return f"webhook:{self.spec.name}"

    @property
    def idle(self) -> bool:
        """Nothing queued and nothing being sent."""
        return not self._queue and not self._busy

    def start(self) -> None:
        """Start the sending task."""
        self._task = asyncio.create_task(self._run(), name=self.source)

    async def stop(self) -> None:
        """Stop sending (queued alerts are dropped; drain first to deliver them)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def wait_idle(self, timeout_s: float) -> None:
        """Return once everything offered so far was delivered or dead-lettered."""
        def done() -> bool:
            if self._task is not None and self._task.done():
                self._task.result()  # re-raise a crashed sender instead of timing out
            return self.idle
        await until(done, timeout_s, f"{self.source} to deliver its queue", 0.01)

    def offer(self, alert: dict) -> str:
        """Queue `alert` unless it is a repeat or below the floor; returns what happened
        (queued, coalesced, duplicate, filtered), which is also counted."""
        aid, version = alert["alert_id"], alert["version"]
        if version <= self._seen.get(aid, 0):
            verdict = "duplicate"
        elif aid not in self._sent and aid not in self._pending and not passes(
                alert["severity"], self.spec.min_severity):
            verdict = "filtered"
        elif aid in self._pending:
            verdict = "coalesced"
        else:
            verdict = "queued"
            self._queue.append(aid)
            self._wake.set()
        if verdict != "duplicate":
            self._remember(self._seen, aid, version)
        if verdict in ("queued", "coalesced"):
            self._pending[aid] = alert
        self.counts[verdict] += 1
        return verdict

    def _remember(self, table: OrderedDict, key: str, value: object) -> None:
        table[key] = value
        table.move_to_end(key)
        while len(table) > self.state_size:
            table.popitem(last=False)

    async def _run(self) -> None:
        while True:
            if not self._queue:
                self._wake.clear()
                await self._wake.wait()
                continue
            self._busy = True
            aid = self._queue.popleft()
            try:
                await self._deliver(self._pending.pop(aid))
            except Exception as exc:  # noqa: BLE001 - one bad alert must not stop the channel
                self.counts["errors"] += 1
                log.error("webhook delivery error channel=%s alert_id=%s error=%s",
                          self.spec.name, aid, type(exc).__name__)
            finally:
                self._busy = False

    async def _deliver(self, alert: dict) -> None:
        aid = alert["alert_id"]
        sent = self._sent.get(aid)
        req = self.service.create(alert) if sent is None else self.service.update(alert, sent)
        digest = hash(orjson.dumps(req.json, option=orjson.OPT_SORT_KEYS)) if req else 0
        if sent is not None and (req is None or digest == sent.digest):
            self.counts["unchanged"] += 1
            self._remember(self._sent, aid, Sent(alert["version"], sent.ref, sent.severity,
                                                 sent.digest))
            return
        out, attempts = await self._send(req)
        if out.ok:
            self.counts[req.op] += 1
            ref = out.ref or (sent.ref if sent else None)
            self._remember(self._sent, aid, Sent(alert["version"], ref, alert["severity"], digest))
            log.info("webhook delivered channel=%s kind=%s op=%s alert_id=%s version=%s "
                     "attempts=%d", self.spec.name, self.spec.kind, req.op, aid,
                     alert["version"], attempts)
            return
        self.counts["dead_lettered"] += 1
        detail = f"{self.spec.kind} {req.op} failed after {attempts} attempt(s): {out.detail}"
        log.error("webhook failed channel=%s kind=%s url=%s op=%s alert_id=%s version=%s "
                  "attempts=%d detail=%r", self.spec.name, self.spec.kind, self.spec.masked,
                  req.op, aid, alert["version"], attempts, out.detail)
        await self.dead_letter(dlq_record(self.source, "webhook_failed", detail, alert))

    async def _send(self, req: Request) -> tuple[Outcome, int]:
        """Send with pacing and retries; the final outcome and the attempts it took."""
        attempt = 1
        while True:
            await self.bucket.take()
            out = await self._attempt(req)
            if out.ok or not out.retryable or attempt >= self.max_attempts:
                return out, attempt
            delay = self.backoff.delay(attempt, out.retry_after)
            self.counts["retries"] += 1
            log.warning("webhook retry channel=%s kind=%s op=%s attempt=%d detail=%r "
                        "delay_s=%.2f", self.spec.name, self.spec.kind, req.op, attempt,
                        out.detail, delay)
            await self.sleep(delay)
            attempt += 1

    async def _attempt(self, req: Request) -> Outcome:
        """One HTTP call. Errors are reported by class name only: aiohttp's messages may
        hold the URL, which is a secret."""
        try:
            async with self.http.request(req.method, req.url, data=orjson.dumps(req.json),
                                         headers={"Content-Type": "application/json"}) as resp:
                raw = await resp.read()
                try:
                    body: object = orjson.loads(raw) if raw else None
                except orjson.JSONDecodeError:
                    body = raw[:200].decode("utf-8", "replace")
                return self.service.outcome(resp.status, resp.headers, body)
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            return Outcome(False, True, detail=f"network {type(exc).__name__}")
