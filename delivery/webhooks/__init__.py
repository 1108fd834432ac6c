"""Alert webhooks: Slack, Discord, Telegram and generic JSON channels fed from the alerts
topic (see README, Webhooks). `from_config` builds the dispatcher `run`, `worker`,
`replay` and `demo` start when channels are configured."""

from delivery.webhooks.dispatcher import WebhookDispatcher, from_config

__all__ = ["WebhookDispatcher", "from_config"]
