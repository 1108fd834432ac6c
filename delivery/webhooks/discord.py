"""Discord webhooks: Execute Webhook with `?wait=true`, so Discord answers with the message
object whose `id` later versions edit via PATCH .../messages/{id}
(https://discord.com/developers/docs/resources/webhook#execute-webhook and
#edit-webhook-message). A 429 carries `retry_after` in seconds in its body (and a
Retry-After header; https://discord.com/developers/docs/topics/rate-limits)."""

from __future__ import annotations

from collections.abc import Mapping

from yarl import URL

from delivery.webhooks.base import (Outcome, Request, Sent, Service, clip, context_line,
                                    headline, http_outcome, iso)

# Embed colours by severity (the sidebar a reader scans first).
COLOURS = {"critical": 0xE01E5A, "high": 0xF2711C, "medium": 0xF2C744, "low": 0x3498DB,
           "info": 0x95A5A6}
TITLE_MAX, DESCRIPTION_MAX, CONTENT_MAX = 256, 4096, 2000


def message(alert: dict) -> dict:
    """The execute/edit body: a short `content` line and one embed; no pings."""
    return {
        "content": clip(headline(alert), CONTENT_MAX),
        "embeds": [{
            "title": clip(alert["title"], TITLE_MAX),
            "description": clip(alert["body"], DESCRIPTION_MAX),
            "color": COLOURS.get(alert["severity"], COLOURS["info"]),
            "timestamp": iso(alert["created_at"]),
            "footer": {"text": context_line(alert)},
        }],
        "allowed_mentions": {"parse": []},
    }


class Discord(Service):
    """Creates with wait=true and edits the same message on later versions."""

    kind = "discord"

    def create(self, alert: dict) -> Request:
        url = URL(self.url)
        return Request("POST", str(url.update_query(wait="true")), message(alert), "create")

    def update(self, alert: dict, sent: Sent) -> Request | None:
        if sent.ref is None:
            return None
        url = URL(self.url)
        edit = url.with_path(f"{url.path.rstrip('/')}/messages/{sent.ref}").with_query(url.query)
        return Request("PATCH", str(edit), message(alert), "edit")

    def outcome(self, status: int, headers: Mapping[str, str], body: object) -> Outcome:
        doc = body if isinstance(body, dict) else {}
        out = http_outcome(status, headers, str(doc["id"]) if "id" in doc else None)
        if status == 429 and isinstance(doc.get("retry_after"), (int, float)):
            return Outcome(False, True, float(doc["retry_after"]), detail=out.detail)
        return out
