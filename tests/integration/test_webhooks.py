"""Webhooks on a real replay: the small scenario through the embedded broker, Faust and
chDB, with a dispatcher delivering to local Slack, Discord, Telegram and generic
receivers (two of them failing their first answers with 503/429), and one channel that
always fails. Every alert gets exactly one message per channel, later versions arrive as
edits in each service's format, and the broken channel's alerts reach the dlq topic; a
restarted dispatcher resumes from its committed position."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict

import orjson
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from connectors.testing.waiting import until
from delivery.surface import AlertSurface
from delivery.webhooks import from_config
from delivery.webhooks.discord import message as discord_message
from delivery.webhooks.telegram import text as telegram_text
from liqwatch.config import Config, WebhookChannel
from liqwatch.infra import ensure_topics, kafka
from streams import topics as T
from tests.delivery.webhooks.alerts import alert
from tests.delivery.webhooks.receivers import TELEGRAM_TOKEN, Receivers, serve_in_thread
from tests.integration.conftest import run_replay, scenario_inputs

pytestmark = pytest.mark.integration


class DlqProbe(AlertSurface):
    """Reads the dlq topic once the surfaces before it have drained (the broker lives
    only as long as the replay)."""

    name = "dlq-probe"

    def __init__(self) -> None:
        self.records: list[dict] = []
        self.bootstrap = ""

    async def start(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap

    async def drain(self, timeout_s: float) -> None:
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            parts = [TopicPartition(T.DLQ, p) for p in consumer.partitions_for_topic(T.DLQ)]
            consumer.assign(parts)
            await consumer.seek_to_beginning(*parts)
            ends = await consumer.end_offsets(parts)
            deadline = time.monotonic() + timeout_s
            while any([await consumer.position(tp) < end for tp, end in ends.items()]):
                assert time.monotonic() < deadline, "dlq topic not read to its end in time"
                for messages in (await consumer.getmany(timeout_ms=500)).values():
                    self.records += [orjson.loads(m.value) for m in messages]
        finally:
            await consumer.stop()

    async def stop(self) -> None:
        pass


def channels() -> list[WebhookChannel]:
    fast = {"rate_per_min": 60_000, "burst": 100}
    return [WebhookChannel(kind="slack", url_env="T_SLACK_URL", **fast),
            WebhookChannel(kind="discord", url_env="T_DISCORD_URL", **fast),
            WebhookChannel(kind="telegram", token_env="T_TG_TOKEN", chat_id="-1001",
                           api_url="http://127.0.0.1:1", **fast),
            WebhookChannel(name="ops", kind="generic", url_env="T_OPS_URL", **fast),
            WebhookChannel(name="broken", kind="generic", url_env="T_BROKEN_URL", **fast)]


def test_replay_delivers_each_alert_once_per_channel(small, tmp_path, monkeypatch):
    script = {"discord": [(503, {}, "upstream connect error")],
              "telegram": [(503, {}, "Bad Gateway"),
                           (429, {}, {"ok": False, "error_code": 429,
                                      "description": "Too Many Requests: retry after 1",
                                      "parameters": {"retry_after": 1}})]}
    with serve_in_thread(Receivers(script=script, always={"hook/broken": 500})) as rx:
        for var, path in (("T_SLACK_URL", "/slack/T0/B0/x"), ("T_OPS_URL", "/hook/ops"),
                          ("T_DISCORD_URL", "/api/webhooks/1/tok"),
                          ("T_BROKEN_URL", "/hook/broken")):
            monkeypatch.setenv(var, rx.url(path))
        monkeypatch.setenv("T_TG_TOKEN", TELEGRAM_TOKEN)
        cfg = Config()
        cfg.webhooks.channels = channels()
        cfg.webhooks.channels[2].api_url = rx.url("")
        cfg.webhooks.max_attempts, cfg.webhooks.backoff_s = 3, 0.05
        dispatcher, probe = from_config(cfg.webhooks), DlqProbe()
        summary, _ = run_replay(tmp_path / "data", scenario_inputs(small), partitions=2,
                                config=cfg, surfaces=(dispatcher, probe))
    final = {a["alert_id"]: a for a in summary.alerts}
    assert len(final) >= 3 and rx.errors == []
    counts = dispatcher.counts

    # Discord: one message per alert, edited in place to the final version.
    created = [mid for op, mid in rx.discord_log if op == "create"]
    assert len(created) == len(final) == counts["discord"]["create"]
    assert {mid for _, mid in rx.discord_log} == set(created)
    by_alert = {m["embeds"][0]["footer"]["text"].rsplit("alert ", 1)[1]: m
                for m in rx.discord.values()}
    assert set(by_alert) == set(final)
    for aid, msg in by_alert.items():
        assert {k: msg[k] for k in ("content", "embeds")} == {
            k: v for k, v in discord_message(final[aid]).items() if k in ("content", "embeds")}

    # Telegram: sendMessage once per alert, editMessageText after; final text matches.
    assert sorted(m["text"] for m in rx.telegram.values()) == sorted(
        telegram_text(a) for a in final.values())
    assert [op for op, _ in rx.telegram_log].count("create") == len(final)
    assert counts["telegram"]["retries"] == 2 and counts["discord"]["retries"] == 1

    # Slack: one message per alert, plus follow-ups only for escalations.
    firsts = [m for m in rx.slack if not m["blocks"][0]["text"]["text"].startswith("Escalated")]
    assert len(firsts) == len(final)
    assert len(rx.slack) - len(firsts) == counts["slack"].get("follow_up", 0)

    # Generic: alert.created once per alert, then alert.updated with rising versions.
    events = defaultdict(list)
    for doc in rx.generic:
        events[doc["alert_id"]].append((doc["event"], doc["version"]))
    assert set(events) == set(final)
    for aid, seq in events.items():
        assert [e for e, _ in seq] == ["alert.created"] + ["alert.updated"] * (len(seq) - 1)
        versions = [v for _, v in seq]
        assert versions == sorted(set(versions)) and versions[-1] == final[aid]["version"]
    assert sum(len(s) for s in events.values()) == len(rx.generic)

    # The broken channel: every alert dead-lettered after 3 attempts, none elsewhere.
    dead = [r for r in probe.records if r["source"].startswith("webhook:")]
    assert {r["source"] for r in dead} == {"webhook:broken"}
    assert {orjson.loads(r["raw"])["alert_id"] for r in dead} == set(final)
    assert all(r["reason"] == "webhook_failed" and "after 3 attempt(s): http 500" in r["detail"]
               for r in dead)
    assert len(dead) == dispatcher.dead_letters == counts["broken"]["dead_lettered"]
    assert rx.requests["hook/broken"] == 3 * len(dead)


def test_a_restarted_dispatcher_resumes_without_resending(tmp_path, monkeypatch):
    """`run`/`worker` mode: the dispatcher commits what it delivered, so a restart sends
    only the alerts published since (here, one published while it was down)."""
    async def main(rx: Receivers) -> None:
        cfg = Config()
        cfg.data_dir = tmp_path
        cfg.webhooks.channels = [WebhookChannel(name="ops", kind="generic", url_env="T_OPS_URL")]
        async with kafka(cfg) as bootstrap:
            await ensure_topics(bootstrap, 2)
            producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
            await producer.start()
            try:
                first = from_config(cfg.webhooks, group_id="liqwatch-webhooks-test")
                await first.start(bootstrap)
                await producer.send_and_wait(T.ALERTS, key=b"a1", value=orjson.dumps(alert("a1")))
                await first.drain(30)
                await first.stop()
                await producer.send_and_wait(T.ALERTS, key=b"a2", value=orjson.dumps(alert("a2")))
                second = from_config(cfg.webhooks, group_id="liqwatch-webhooks-test")
                await second.start(bootstrap)
                try:
                    await until(lambda: len(rx.generic) >= 2, 30, "the alert sent while down")
                    await second.drain(30)
                finally:
                    await second.stop()
            finally:
                await producer.stop()

    with serve_in_thread(Receivers()) as rx:
        monkeypatch.setenv("T_OPS_URL", rx.url("/hook/ops"))
        asyncio.run(main(rx))
    assert [(m["alert_id"], m["event"]) for m in rx.generic] == [("a1", "alert.created"),
                                                                 ("a2", "alert.created")]
