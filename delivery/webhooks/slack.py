"""Slack incoming webhooks: `text` (the notification fallback) plus Block Kit `blocks`.

An incoming webhook answers 200 "ok" and returns no message id, so its messages cannot be
edited or threaded (https://api.slack.com/messaging/webhooks). A later version of an alert
therefore posts nothing, except when its severity rises above what the channel was last
told: an escalation is news a desk must see, so it gets one follow-up message.
"""

from __future__ import annotations

from delivery.webhooks.base import (SEVERITY_RANK, Request, Sent, Service, clip, context_line,
                                    headline)

HEADER_MAX = 150     # plain_text limit of a header block
SECTION_MAX = 3000   # mrkdwn limit of a section block


def escape(text: str) -> str:
    """Slack mrkdwn control characters (&, <, >) as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def message(alert: dict, lead: str = "") -> dict:
    """The webhook payload for `alert`; `lead` prefixes the header (e.g. 'Escalated')."""
    head = f"{lead}: {headline(alert)}" if lead else headline(alert)
    return {
        "text": escape(f"{head} · {alert['title']}"),
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": clip(head, HEADER_MAX),
                                        "emoji": True}},
            {"type": "section", "text": {"type": "mrkdwn",
                                         "text": clip(escape(alert["body"]), SECTION_MAX)}},
            {"type": "context", "elements": [{"type": "mrkdwn",
                                              "text": escape(context_line(alert))}]},
        ],
    }


class Slack(Service):
    """Posts new alerts; posts again only on a severity escalation (see module docstring)."""

    kind = "slack"

    def create(self, alert: dict) -> Request:
        return Request("POST", self.url, message(alert), "create")

    def update(self, alert: dict, sent: Sent) -> Request | None:
        if SEVERITY_RANK.get(alert["severity"], 0) <= SEVERITY_RANK.get(sent.severity, 0):
            return None
        return Request("POST", self.url,
                       message(alert, f"Escalated to {alert['severity'].upper()}"), "follow_up")
