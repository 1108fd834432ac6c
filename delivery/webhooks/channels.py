"""Channels resolved from the [webhooks] config and the environment, and masked forms of
their secrets for logs (a webhook URL or bot token is a credential: never log it whole)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from liqwatch.config import ConfigError, WebhookChannel

_HTTP_URL = re.compile(r"https?://[^/\s?#]+[^\s]*")

# Requests per minute and burst when the config leaves them 0, from each service's
# published limits: Slack incoming webhooks ~1 message/s with short bursts
# (https://api.slack.com/docs/rate-limits, "Posting messages: 1 per second"); a Telegram
# bot in one group at most 20 messages/min (https://core.telegram.org/bots/faq, "My bot is
# hitting limits"); Discord webhooks 5 per 2 s and 30 per 60 s per channel
# (discord/discord-api-docs#367).
DEFAULT_RATES: dict[str, tuple[float, int]] = {
    "slack": (60.0, 3), "discord": (30.0, 5), "telegram": (20.0, 3), "generic": (600.0, 10)}


def mask(url: str) -> str:
    """Scheme and host only: 'https://hooks.slack.com/***'."""
    m = re.match(r"(https?://[^/\s?#]+)", url)
    return f"{m.group(1)}/***" if m else "***"


@dataclass(frozen=True)
class ChannelSpec:
    """A channel ready to send: its endpoint (secret), Telegram chat, filter and pacing."""

    name: str
    kind: str
    url: str
    chat_id: str = ""
    min_severity: str = "info"
    rate_per_min: float = 60.0
    burst: int = 1

    @property
    def masked(self) -> str:
        """The endpoint as it may be logged."""
        return mask(self.url)

    def __repr__(self) -> str:  # keeps the secret out of tracebacks and debug output
        return f"ChannelSpec(name={self.name!r}, kind={self.kind!r}, url={self.masked!r})"


def _secret(env: Mapping[str, str], var: str, where: str, what: str) -> str:
    value = env.get(var, "").strip()
    if not value:
        raise ConfigError(f"{where}: environment variable {var} is not set; export it with "
                          f"the {what}")
    return value


def resolve(channel: WebhookChannel, env: Mapping[str, str]) -> ChannelSpec:
    """The channel with its secrets read from `env`; ConfigError names a missing or
    malformed variable (never its value)."""
    where = f"[webhooks] channel {channel.name!r} ({channel.kind})"
    chat_id = ""
    if channel.kind == "telegram":
        token = _secret(env, channel.token_env, where, "bot token from @BotFather")
        url = f"{channel.api_url.rstrip('/')}/bot{token}"
        chat_id = channel.chat_id or _secret(env, channel.chat_id_env, where, "chat id")
    else:
        url = _secret(env, channel.url_env, where, f"{channel.kind} webhook URL")
        if not _HTTP_URL.fullmatch(url):
            raise ConfigError(f"{where}: {channel.url_env} does not hold an http(s) URL")
    rate, burst = DEFAULT_RATES[channel.kind]
    return ChannelSpec(channel.name, channel.kind, url, chat_id, channel.min_severity,
                       channel.rate_per_min or rate, channel.burst or burst)
