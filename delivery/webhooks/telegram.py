"""Telegram Bot API: sendMessage with HTML parse mode, then editMessageText on the
message_id sendMessage returned (https://core.telegram.org/bots/api#sendmessage,
#editmessagetext). Answers are {"ok": true, "result": ...} or {"ok": false, "error_code",
"description", "parameters": {"retry_after": s}} (#responseparameters); an edit that
changes nothing is refused with "message is not modified", which is success here."""

from __future__ import annotations

import html
from collections.abc import Mapping

from delivery.webhooks.base import (Outcome, Request, Sent, Service, clip, context_line,
                                    headline, http_outcome)

TITLE_MAX, BODY_MAX = 400, 3000  # the whole text must stay under 4096 characters


def text(alert: dict) -> str:
    """The HTML message: headline, bold title, body, italic context; all text escaped."""
    esc = lambda s: html.escape(s, quote=False)  # noqa: E731 - &, <, > as Telegram wants
    return (f"<b>{esc(headline(alert))}</b>\n<b>{esc(clip(alert['title'], TITLE_MAX))}</b>\n"
            f"{esc(clip(alert['body'], BODY_MAX))}\n<i>{esc(context_line(alert))}</i>")


class Telegram(Service):
    """sendMessage, then editMessageText on later versions. Link previews are off
    (`link_preview_options`, which replaced `disable_web_page_preview` in Bot API 7.0)."""

    kind = "telegram"

    def _body(self, alert: dict) -> dict:
        return {"chat_id": self.chat_id, "text": text(alert), "parse_mode": "HTML",
                "link_preview_options": {"is_disabled": True}}

    def create(self, alert: dict) -> Request:
        return Request("POST", f"{self.url}/sendMessage", self._body(alert), "create")

    def update(self, alert: dict, sent: Sent) -> Request | None:
        if sent.ref is None:
            return None
        body = self._body(alert) | {"message_id": int(sent.ref)}
        return Request("POST", f"{self.url}/editMessageText", body, "edit")

    def outcome(self, status: int, headers: Mapping[str, str], body: object) -> Outcome:
        doc = body if isinstance(body, dict) else {}
        if doc.get("ok") is True:
            result = doc.get("result")
            ref = result.get("message_id") if isinstance(result, dict) else None
            return Outcome(True, ref=None if ref is None else str(ref))
        description = str(doc.get("description", ""))
        if status == 400 and "message is not modified" in description:
            return Outcome(True)
        out = http_outcome(status, headers)
        params = doc.get("parameters")
        wait = params.get("retry_after") if isinstance(params, dict) else None
        detail = f"{out.detail} {description[:200]}".strip()
        if out.ok:  # 200 without ok: true is not a Bot API answer
            return Outcome(False, False, detail=f"unexpected answer {detail}")
        return Outcome(False, out.retryable,
                       float(wait) if isinstance(wait, (int, float)) else out.retry_after,
                       detail=detail)
