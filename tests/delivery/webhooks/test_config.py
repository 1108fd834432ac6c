"""The [webhooks] section: channels named in TOML, secrets only from the environment,
mistakes that end in one line saying what to write, and the masked endpoint in logs."""

from __future__ import annotations

from pathlib import Path

import pytest

from delivery.webhooks import from_config
from delivery.webhooks.channels import mask
from liqwatch.config import ConfigError, load

TOML = """
[webhooks]
max_attempts = 4

[[webhooks.channels]]
name = "desk"
kind = "slack"
url_env = "LIQWATCH_SLACK_WEBHOOK"
min_severity = "high"

[[webhooks.channels]]
kind = "telegram"
token_env = "LIQWATCH_TELEGRAM_TOKEN"
chat_id_env = "LIQWATCH_TELEGRAM_CHAT"

[[webhooks.channels]]
kind = "discord"
url_env = "LIQWATCH_DISCORD_WEBHOOK"
rate_per_min = 10
burst = 1
"""
ENV = {"LIQWATCH_SLACK_WEBHOOK": "https://hooks.slack.com/services/T0/B0/s3cr3t",
       "LIQWATCH_TELEGRAM_TOKEN": "123:ABC-tok", "LIQWATCH_TELEGRAM_CHAT": "-1001",
       "LIQWATCH_DISCORD_WEBHOOK": "https://discord.com/api/webhooks/1/tok"}


def config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "liqwatch.toml"
    path.write_text(text)
    return path


def test_channels_from_toml_and_secrets_from_env(tmp_path):
    cfg = load(config(tmp_path, TOML), env={})
    assert cfg.webhooks.max_attempts == 4
    assert [(c.name, c.kind) for c in cfg.webhooks.channels] == [
        ("desk", "slack"), ("telegram", "telegram"), ("discord", "discord")]
    hooks = from_config(cfg.webhooks, ENV)
    slack, tg, discord = hooks.channels
    assert (slack.url, slack.min_severity, slack.rate_per_min, slack.burst) == (
        ENV["LIQWATCH_SLACK_WEBHOOK"], "high", 60, 3)
    assert (tg.url, tg.chat_id, tg.rate_per_min) == (
        "https://api.telegram.org/bot123:ABC-tok", "-1001", 20)
    assert (discord.rate_per_min, discord.burst) == (10, 1)
    assert "s3cr3t" not in repr(hooks.channels) and "ABC-tok" not in repr(hooks.channels)
    assert slack.masked == "https://hooks.slack.com/***" and tg.masked == mask(tg.url)


def test_no_channels_no_dispatcher(tmp_path):
    assert from_config(load(config(tmp_path, "[webhooks]\nenabled = true\n"), env={}).webhooks) is None
    off = load(config(tmp_path, TOML.replace("max_attempts = 4", "enabled = false")), env={})
    assert from_config(off.webhooks, ENV) is None


def test_missing_secret_names_the_variable_not_a_value(tmp_path):
    cfg = load(config(tmp_path, TOML), env={})
    env = dict(ENV, LIQWATCH_TELEGRAM_TOKEN="")
    with pytest.raises(ConfigError, match="LIQWATCH_TELEGRAM_TOKEN is not set"):
        from_config(cfg.webhooks, env)
    with pytest.raises(ConfigError) as err:
        from_config(cfg.webhooks, dict(ENV, LIQWATCH_SLACK_WEBHOOK="xoxb-s3cr3t"))
    assert "LIQWATCH_SLACK_WEBHOOK does not hold an http(s) URL" in str(err.value)
    assert "s3cr3t" not in str(err.value)


@pytest.mark.parametrize("table, message", [
    ('kind = "teams"', "kind = 'teams': choose one of slack, discord, telegram, generic"),
    ('kind = "slack"', "url_env = '': name the environment variable"),
    ('kind = "slack"\nurl_env = "https://hooks.slack.com/x"', "url_env = 'https://"),
    ('kind = "telegram"\ntoken_env = "T"', "a telegram channel needs chat_id"),
    ('kind = "generic"\nurl_env = "U"\nmin_severity = "urgent"', "min_severity = 'urgent'"),
    ('kind = "generic"\nurl_env = "U"\nrate_per_min = -1', "rate_per_min = -1"),
])
def test_mistakes_say_what_to_write(tmp_path, table, message):
    with pytest.raises(ConfigError, match="webhooks.channels\\[0\\]") as err:
        load(config(tmp_path, f"[[webhooks.channels]]\n{table}\n"), env={})
    assert message in str(err.value)


def test_duplicate_names_and_bad_attempts(tmp_path):
    two = '[[webhooks.channels]]\nkind = "generic"\nurl_env = "A"\n' * 2
    with pytest.raises(ConfigError, match="channels\\[1\\].name = 'generic': give each channel"):
        load(config(tmp_path, two), env={})
    with pytest.raises(ConfigError, match="max_attempts = 0"):
        load(config(tmp_path, "[webhooks]\nmax_attempts = 0\n"), env={})
