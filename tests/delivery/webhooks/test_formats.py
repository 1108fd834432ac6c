"""Each service's payload as the service documents it, checked by the same validators the
local receivers use, and each service's answers read right (ids, Retry-After, retry_after,
Telegram's "message is not modified")."""

from __future__ import annotations

from delivery.webhooks.base import Sent
from delivery.webhooks.discord import COLOURS, Discord
from delivery.webhooks.generic import Generic
from delivery.webhooks.slack import Slack
from delivery.webhooks.telegram import Telegram
from tests.delivery.webhooks.alerts import alert
from tests.delivery.webhooks.receivers import discord_errors, slack_errors, telegram_text_errors

SENT = Sent(version=1, ref="1234", severity="high", digest=0)


def test_slack_text_and_blocks_escaped():
    req = Slack("https://hooks.slack.example/services/T/B/x").create(alert())
    body = req.json
    assert req.method == "POST" and req.op == "create" and slack_errors(body) == []
    assert [b["type"] for b in body["blocks"]] == ["header", "section", "context"]
    assert body["blocks"][0]["text"]["text"] == "🟠 HIGH · BTC, ETH"
    assert "&lt;R1&gt; tops App Store &amp; more" in body["text"]
    assert "Wire &lt;b&gt;, a&amp;b" in body["blocks"][1]["text"]["text"]
    assert "alert a1" in body["blocks"][2]["elements"][0]["text"]


def test_slack_posts_again_only_when_severity_rises():
    slack = Slack("https://hooks.slack.example/services/T/B/x")
    assert slack.update(alert(version=2), SENT) is None
    assert slack.update(alert(version=2, severity="medium"), SENT) is None
    up = slack.update(alert(version=3, severity="critical"), SENT)
    assert up is not None and up.op == "follow_up" and slack_errors(up.json) == []
    assert up.json["blocks"][0]["text"]["text"].startswith("Escalated to CRITICAL: 🔴 CRITICAL")


def test_discord_waits_for_the_message_and_edits_it():
    discord = Discord("https://discord.example/api/webhooks/1/tok?thread_id=77")
    create = discord.create(alert(severity="critical", title="x" * 300))
    assert create.url == "https://discord.example/api/webhooks/1/tok?thread_id=77&wait=true"
    assert discord_errors(create.json) == []
    embed = create.json["embeds"][0]
    assert embed["color"] == COLOURS["critical"] and len(embed["title"]) == 256
    assert embed["timestamp"] == "2025-01-27T07:25:00.000+00:00"
    assert create.json["allowed_mentions"] == {"parse": []}
    edit = discord.update(alert(version=2), SENT)
    assert edit.method == "PATCH" and edit.op == "edit"
    assert edit.url == "https://discord.example/api/webhooks/1/tok/messages/1234?thread_id=77"
    assert discord.update(alert(version=2), Sent(1, None, "high", 0)) is None


def test_discord_answers():
    d = Discord("https://discord.example/api/webhooks/1/tok")
    assert d.outcome(200, {}, {"id": "99", "content": "x"}).ref == "99"
    limited = d.outcome(429, {"Retry-After": "1"}, {"retry_after": 0.35, "global": False})
    assert (limited.ok, limited.retryable, limited.retry_after) == (False, True, 0.35)
    assert d.outcome(502, {"Retry-After": "2"}, None).retry_after == 2.0
    gone = d.outcome(404, {}, {"message": "Unknown Webhook", "code": 10015})
    assert not gone.ok and not gone.retryable


def test_telegram_html_escaped_and_edit_uses_message_id():
    tg = Telegram("https://api.telegram.example/bot1:T", chat_id="-1001")
    body = tg.create(alert()).json
    assert body["chat_id"] == "-1001" and body["parse_mode"] == "HTML"
    assert body["link_preview_options"] == {"is_disabled": True}
    assert telegram_text_errors(body["text"]) == []
    assert "&lt;R1&gt; tops App Store &amp; more" in body["text"]
    assert body["text"].startswith("<b>🟠 HIGH · BTC, ETH</b>\n<b>")
    edit = tg.update(alert(version=2), SENT)
    assert edit.url.endswith("/editMessageText") and edit.json["message_id"] == 1234
    assert tg.create(alert()).url == "https://api.telegram.example/bot1:T/sendMessage"


def test_telegram_answers():
    tg = Telegram("https://api.telegram.example/bot1:T", chat_id="-1001")
    assert tg.outcome(200, {}, {"ok": True, "result": {"message_id": 7}}).ref == "7"
    assert tg.outcome(400, {}, {"ok": False, "error_code": 400,
                                "description": "Bad Request: message is not modified"}).ok
    flood = tg.outcome(429, {}, {"ok": False, "error_code": 429, "description": "Too Many "
                                 "Requests: retry after 5", "parameters": {"retry_after": 5}})
    assert (flood.ok, flood.retryable, flood.retry_after) == (False, True, 5.0)
    bad = tg.outcome(400, {}, {"ok": False, "error_code": 400,
                               "description": "Bad Request: chat not found"})
    assert not bad.retryable and "chat not found" in bad.detail
    assert not tg.outcome(200, {}, "<html>proxy</html>").ok


def test_generic_is_the_record_plus_event():
    g = Generic("https://hooks.example/liq")
    rec = alert()
    assert g.create(rec).json == rec | {"event": "alert.created"}
    assert g.update(alert(version=2), SENT).json == alert(version=2) | {"event": "alert.updated"}
    assert g.outcome(204, {}, None).ok
    assert g.outcome(429, {"Retry-After": "4"}, None).retry_after == 4.0
    assert not g.outcome(410, {}, None).retryable
