"""One channel's delivery against local receivers that speak each service's protocol:
one message per alert, later versions as edits, repeats ignored, the severity floor,
coalescing, retries on 5xx/429/network errors with the server's delay, no retry on other
4xx, dead letters after the budget, and secrets kept out of logs and dead letters."""

from __future__ import annotations

import asyncio
import logging
import time

import aiohttp
import orjson

from delivery.webhooks.channels import ChannelSpec
from delivery.webhooks.delivery import ChannelDelivery
from delivery.webhooks.policy import Backoff, TokenBucket
from delivery.webhooks.telegram import text as telegram_text
from tests.delivery.webhooks.alerts import alert
from tests.delivery.webhooks.receivers import TELEGRAM_TOKEN, Receivers


def spec(rx: Receivers, kind: str, **kw: object) -> ChannelSpec:
    url = {"slack": rx.url("/slack/T0/B0/secret"),
           "discord": rx.url("/api/webhooks/1/discord-secret"),
           "telegram": rx.url(f"/bot{TELEGRAM_TOKEN}"),
           "generic": rx.url("/hook/ops")}[kind]
    return ChannelSpec(kw.pop("name", kind), kind, url, "-1001" if kind == "telegram" else "",
                       **kw)


def run(body, **receivers: object) -> None:  # noqa: ANN001 - async body(rx, make)
    """Run `body(rx, make)` with live receivers; `make(spec)` builds a started delivery
    whose dead letters land in `make.dlq` and whose retry waits are recorded in
    `make.delays` (not slept)."""
    async def main() -> None:
        rx = Receivers(**receivers)
        await rx.start()
        deliveries: list[ChannelDelivery] = []
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
            async def dead(rec: dict) -> None:
                make.dlq.append(rec)

            async def record_sleep(s: float) -> None:
                make.delays.append(s)

            def make(channel: ChannelSpec, **kw: object) -> ChannelDelivery:
                kw.setdefault("sleep", record_sleep)
                kw.setdefault("bucket", TokenBucket(60_000, 1_000))
                d = ChannelDelivery(channel, http, dead, backoff=Backoff(0.2, 2, 30), **kw)
                d.start()
                deliveries.append(d)
                return d
            make.dlq, make.delays = [], []
            try:
                await body(rx, make)
                assert rx.errors == []
            finally:
                for d in deliveries:
                    await d.stop()
                await rx.stop()
    asyncio.run(main())


async def offer_all(d: ChannelDelivery, *alerts: dict) -> list[str]:
    verdicts = []
    for a in alerts:
        verdicts.append(d.offer(a))
        await d.wait_idle(5)
    return verdicts


def test_discord_one_message_then_edits_and_repeats_are_ignored():
    async def body(rx: Receivers, make) -> None:  # noqa: ANN001
        d = make(spec(rx, "discord"))
        verdicts = await offer_all(d, alert(version=1), alert(version=2), alert(version=2),
                                   alert(version=1), alert("a2"), alert(version=3))
        assert verdicts == ["queued", "queued", "duplicate", "duplicate", "queued", "queued"]
        assert [op for op, _ in rx.discord_log] == ["create", "edit", "create", "edit"]
        first = rx.discord_log[0][1]
        assert rx.discord_log[1][1] == rx.discord_log[3][1] == first
        assert rx.discord[first]["embeds"][0]["description"].startswith("3000 liquidations")
        assert d.counts["create"] == 2 and d.counts["edit"] == 2 and d.counts["duplicate"] == 2
    run(body)


def test_telegram_sends_then_edits_and_skips_unchanged_text():
    async def body(rx: Receivers, make) -> None:  # noqa: ANN001
        d = make(spec(rx, "telegram"))
        same_text = alert(version=3, body=alert(version=2)["body"])
        await offer_all(d, alert(version=1), alert(version=2), same_text)
        assert [op for op, _ in rx.telegram_log] == ["create", "edit"]
        (mid, msg), = rx.telegram.items()
        assert msg["text"] == telegram_text(alert(version=2)) and msg["chat"]["id"] == "-1001"
        assert d.counts["unchanged"] == 1 and rx.requests["telegram"] == 2
    run(body)


def test_slack_escalation_and_generic_events():
    async def body(rx: Receivers, make) -> None:  # noqa: ANN001
        slack, generic = make(spec(rx, "slack")), make(spec(rx, "generic"))
        v1, v2, v3, v4 = (alert(version=1, severity="medium"), alert(version=2, severity="medium"),
                          alert(version=3, severity="critical"), alert(version=4, severity="high"))
        await offer_all(slack, v1, v2, v3, v4)
        heads = [m["blocks"][0]["text"]["text"] for m in rx.slack]
        assert heads == ["🟡 MEDIUM · BTC, ETH", "Escalated to CRITICAL: 🔴 CRITICAL · BTC, ETH"]
        assert slack.counts["unchanged"] == 2
        await offer_all(generic, v1, v2)
        assert [generic.offer(v) for v in (v3, v4)] == ["queued", "coalesced"]
        await generic.wait_idle(5)
        assert [(m["event"], m["version"]) for m in rx.generic] == [
            ("alert.created", 1), ("alert.updated", 2), ("alert.updated", 4)]
        assert rx.generic[-1] == v4 | {"event": "alert.updated"}
    run(body)


def test_severity_floor_applies_to_new_alerts_only():
    async def body(rx: Receivers, make) -> None:  # noqa: ANN001
        d = make(spec(rx, "discord", min_severity="high"))
        verdicts = await offer_all(d, alert(version=1, severity="low"),
                                   alert(version=2, severity="high"),
                                   alert(version=3, severity="medium"),
                                   alert("quiet", severity="medium"))
        assert verdicts == ["filtered", "queued", "queued", "filtered"]
        assert [op for op, _ in rx.discord_log] == ["create", "edit"]
        (msg,) = rx.discord.values()
        assert msg["content"] == "🟡 MEDIUM · BTC, ETH"   # the edit follows the alert down
    run(body)


def test_a_backlog_sends_only_the_latest_version():
    async def body(rx: Receivers, make) -> None:  # noqa: ANN001
        d = make(spec(rx, "telegram"))
        verdicts = [d.offer(alert(version=v)) for v in range(1, 6)]
        await d.wait_idle(5)
        assert verdicts == ["queued"] + ["coalesced"] * 4
        assert [op for op, _ in rx.telegram_log] == ["create"]
        assert next(iter(rx.telegram.values()))["text"] == telegram_text(alert(version=5))
    run(body)


def test_retries_5xx_and_429_with_the_servers_delay():
    script = {"discord": [(503, {}, "upstream"),
                          (429, {"Retry-After": "1"}, {"message": "You are being rate limited.",
                                                       "retry_after": 0.35, "global": False})],
              "telegram": [(429, {}, {"ok": False, "error_code": 429,
                                      "description": "Too Many Requests: retry after 3",
                                      "parameters": {"retry_after": 3}})]}

    async def body(rx: Receivers, make) -> None:  # noqa: ANN001
        discord = make(spec(rx, "discord"))
        await offer_all(discord, alert())
        assert 0.1 <= make.delays[0] <= 0.2 and make.delays[1] == 0.35
        assert [op for op, _ in rx.discord_log] == ["create"] and discord.counts["retries"] == 2
        telegram = make(spec(rx, "telegram"))
        await offer_all(telegram, alert())
        assert make.delays[2] == 3.0 and len(rx.telegram) == 1 and make.dlq == []
    run(body, script=script)


def test_retry_after_is_really_waited():
    script = {"hook/ops": [(429, {"Retry-After": "1"}, "slow down")]}

    async def body(rx: Receivers, make) -> None:  # noqa: ANN001
        d = make(spec(rx, "generic"), sleep=asyncio.sleep)
        t0 = time.monotonic()
        await offer_all(d, alert())
        assert time.monotonic() - t0 >= 1.0 and len(rx.generic) == 1
    run(body, script=script)


def test_other_4xx_is_not_retried_and_is_dead_lettered():
    async def body(rx: Receivers, make) -> None:  # noqa: ANN001
        d = make(spec(rx, "slack", name="desk"))
        await offer_all(d, alert())
        assert rx.requests["slack"] == 1 and make.delays == []
        (rec,) = make.dlq
        assert (rec["source"], rec["reason"]) == ("webhook:desk", "webhook_failed")
        assert rec["detail"] == "slack create failed after 1 attempt(s): http 404"
        assert orjson.loads(rec["raw"]) == alert()
        assert d.counts["dead_lettered"] == 1
    run(body, always={"slack": 404})


def test_retry_budget_then_dead_letter_and_no_secret_anywhere(caplog):
    caplog.set_level(logging.DEBUG)

    async def body(rx: Receivers, make) -> None:  # noqa: ANN001
        failing = make(spec(rx, "generic"), max_attempts=3)
        await offer_all(failing, alert())
        assert rx.requests["hook/ops"] == 3 and len(make.delays) == 2
        down = ChannelSpec("down", "discord", "http://127.0.0.1:9/api/webhooks/1/s3cr3t-token")
        unreachable = make(down, max_attempts=2)
        await offer_all(unreachable, alert())
        assert "s3cr3t-token" not in repr(down)
        assert [r["detail"] for r in make.dlq] == [
            "generic create failed after 3 attempt(s): http 503",
            "discord create failed after 2 attempt(s): network ClientConnectorError"]
        # a later version of a never-delivered alert is a create again, not an edit
        rx.always.clear()
        await offer_all(failing, alert(version=2))
        assert rx.generic[0]["event"] == "alert.created"
    run(body, always={"hook/ops": 503})
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "webhook failed channel=down kind=discord url=http://127.0.0.1:9/***" in logged
    assert "s3cr3t-token" not in logged and "/hook/ops" not in logged


def test_state_is_bounded():
    async def body(rx: Receivers, make) -> None:  # noqa: ANN001
        d = make(spec(rx, "generic"), state_size=2)
        await offer_all(d, *(alert(f"a{i}") for i in range(5)))
        assert len(d._sent) == 2 and len(d._seen) == 2 and len(rx.generic) == 5
    run(body)


def test_an_alert_that_cannot_be_formatted_does_not_stop_the_channel():
    async def body(rx: Receivers, make) -> None:  # noqa: ANN001
        d = make(spec(rx, "discord"))
        broken = {k: v for k, v in alert("bad").items() if k != "body"}
        await offer_all(d, broken, alert("good"))
        assert d.counts["errors"] == 1 and len(rx.discord) == 1
    run(body)
