"""The one configuration model: liqwatch.toml plus environment overrides.

Precedence: defaults < liqwatch.toml (or --config FILE) < environment
(LIQWATCH_KAFKA, LIQWATCH_CLICKHOUSE, LIQWATCH_DATA_DIR). Secrets come only from the
environment or files and are masked whenever a URL is shown.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from streams.app import StreamConfig

ENV_KAFKA = "LIQWATCH_KAFKA"
ENV_CLICKHOUSE = "LIQWATCH_CLICKHOUSE"
ENV_DATA_DIR = "LIQWATCH_DATA_DIR"
ENV_VARS = (ENV_KAFKA, ENV_CLICKHOUSE, ENV_DATA_DIR)
DEFAULT_FILE = "liqwatch.toml"


class ConfigError(ValueError):
    """A configuration mistake; the message is one line that says what to do."""


@dataclass
class ReplayConfig:
    """How replay packs events into Kafka messages (see connectors.kafka.publisher).

    At full speed a replay batches up to `span_ms` of event time per key, so a
    partition's stream is up to that much out of order and the replay's own workers
    allow that much extra lateness; Faust pays per message, not per event, so fuller
    messages are faster. A paced replay (--speed N) batches at most 100 ms of wall time,
    like a live connector, so alerts come as soon as they would live.
    """

    span_ms: int = 1_800_000
    max_batch: int = 1_000
    timeout_s: float = 1_800.0


@dataclass
class ExchangeConfig:
    """One venue of `liqwatch run` ([exchanges.<ccxt id>]); URLs point tests and raw
    replays at local servers. `ws_url` is a scheme and host (the venue adds its
    documented paths, e.g. /ws/v5/public); `rest_url` replaces every REST API base."""

    enabled: bool = True
    ws_url: str = ""
    rest_url: str = ""

    def check(self, where: str) -> None:
        """Raise ConfigError with what to write instead when a URL is malformed."""
        if self.ws_url and not re.fullmatch(r"wss?://[^/\s?#]+/?", self.ws_url):
            raise ConfigError(f"{where}.ws_url = {self.ws_url!r}: give a scheme and host "
                              "only, e.g. 'wss://stream.bybit.com' or 'ws://127.0.0.1:9001'; "
                              "liqwatch adds the venue's paths")
        if self.rest_url and not re.fullmatch(r"https?://[^\s]+", self.rest_url):
            raise ConfigError(f"{where}.rest_url = {self.rest_url!r}: give an http(s) URL, "
                              "e.g. 'https://fapi.binance.com'")


DEFAULT_EXCHANGES = ("binanceusdm", "binancecoinm", "bybit", "okx", "bitmex", "deribit")
DEFAULT_TRADE_ASSETS = ("BTC", "ETH", "SOL", "XRP", "DOGE", "FET", "RENDER", "TAO", "WLD")


@dataclass
class LiveConfig:
    """Live monitoring ([live]): which assets' trades to follow (liquidations are always
    market-wide), how often connectors flush to Kafka, and where Prometheus metrics are
    served ("" turns them off)."""

    trade_assets: tuple[str, ...] = DEFAULT_TRADE_ASSETS
    flush_interval_ms: int = 100
    watermark_delay_ms: int = 2_000
    market_refresh_s: float = 86_400.0
    metrics_addr: str = "127.0.0.1:9464"


@dataclass
class BoardConfig:
    """The live web board ([board]) that `run`, `worker`, `replay` and `demo` serve on
    http://host:port/ (port 0: any free port; the bound URL is printed)."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = 8765

    def check(self, where: str) -> None:
        """Raise ConfigError with what to write instead for a malformed setting."""
        if not isinstance(self.enabled, bool):
            raise ConfigError(f"{where}.enabled = {self.enabled!r}: give true or false")
        if not isinstance(self.host, str) or not self.host:
            raise ConfigError(f"{where}.host = {self.host!r}: give an address to listen on, "
                              "e.g. host = \"127.0.0.1\" (\"0.0.0.0\": every interface)")
        if not isinstance(self.port, int) or isinstance(self.port, bool) or not 0 <= self.port <= 65535:
            raise ConfigError(f"{where}.port = {self.port!r}: give a TCP port, e.g. port = 8765 "
                              "(0: any free port)")


@dataclass
class NewsFeed:
    """One RSS or Atom feed ([[news.feeds]]): `name` becomes the stories' `source`."""

    name: str = ""
    url: str = ""


@dataclass
class NewsJsonSource:
    """One JSON news API ([[news.json_sources]]): `items_path` is the dotted path to the
    list of stories ("" = the document is the list); `fields` maps story parts (id,
    title, body, url, published_at) to the API's dotted field names where they differ."""

    name: str = ""
    url: str = ""
    items_path: str = ""
    fields: dict[str, str] = field(default_factory=dict)


DEFAULT_NEWS_FEEDS: tuple[tuple[str, str], ...] = (
    ("CoinDesk", "https://www.coindesk.com/arc/outboundfeeds/rss/"),
    ("Cointelegraph", "https://cointelegraph.com/rss"),
    ("Decrypt", "https://decrypt.co/feed"),
    ("The Block", "https://www.theblock.co/rss.xml"),
    ("TechCrunch AI", "https://techcrunch.com/category/artificial-intelligence/feed/"),
    ("The Verge AI", "https://www.theverge.com/rss/ai-artificial-intelligence/index.xml"),
    ("VentureBeat AI", "https://venturebeat.com/category/ai/feed/"),
    ("Ars Technica AI", "https://arstechnica.com/ai/feed/"),
)
_HTTP_URL = re.compile(r"https?://[^/\s?#]+[^\s]*")


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass
class NewsConfig:
    """News sources of `liqwatch run` ([news]).

    Defaults: on; the public crypto and AI feeds of DEFAULT_NEWS_FEEDS (giving `feeds`
    replaces the whole list; `feeds = []` polls none), no JSON APIs, no files; every
    source polled each 60 s with a 20 s timeout. Stories go to the news topic 120 s
    (`watermark_delay_s`) behind the wall clock: a story older than that on arrival is
    late and dead-lettered by the workers, and live alerts wait as long for news that
    may explain them. Copies of a story from other outlets within 6 h
    (`dedupe_window_s`) whose headlines match at `dedupe_threshold` (Dice overlap of
    content words) or that share a URL are counted, not published. `files` are news
    JSON-lines files tailed for new lines.
    """

    enabled: bool = True
    poll_interval_s: float = 60.0
    request_timeout_s: float = 20.0
    watermark_delay_s: float = 120.0
    dedupe_window_s: float = 6 * 3600.0
    dedupe_threshold: float = 0.6
    feeds: list[NewsFeed] = field(
        default_factory=lambda: [NewsFeed(n, u) for n, u in DEFAULT_NEWS_FEEDS],
        metadata={"items": NewsFeed})
    json_sources: list[NewsJsonSource] = field(default_factory=list,
                                               metadata={"items": NewsJsonSource})
    files: list[Path] = field(default_factory=list, metadata={"items": Path})

    def check(self, where: str) -> None:
        """Raise ConfigError with what to write instead for a malformed setting."""
        for name, positive, example in (("poll_interval_s", True, 60),
                                        ("request_timeout_s", True, 20),
                                        ("watermark_delay_s", False, 120),
                                        ("dedupe_window_s", False, 21600)):
            value = getattr(self, name)
            if not _is_number(value) or value < 0 or (positive and value == 0):
                limit = "above 0" if positive else "0 or more"
                raise ConfigError(f"{where}.{name} = {value!r}: give a number of seconds, "
                                  f"{limit}, e.g. {name} = {example}")
        if not _is_number(self.dedupe_threshold) or not 0 < self.dedupe_threshold <= 1:
            raise ConfigError(f"{where}.dedupe_threshold = {self.dedupe_threshold!r}: give a "
                              "number in (0, 1], e.g. dedupe_threshold = 0.6 (1: identical "
                              "headlines only)")
        for name, example in (("feeds", '[{ name = "CoinDesk", url = "https://…" }]'),
                              ("json_sources", '[{ name = "Api", url = "https://…" }]'),
                              ("files", '["news.jsonl"]')):
            if not isinstance(getattr(self, name), list):
                raise ConfigError(f"{where}.{name} = {getattr(self, name)!r}: give a list, "
                                  f"e.g. {name} = {example}")
        names: set[str] = set()
        for kind, sources, example in (
                ("feeds", self.feeds, "https://www.coindesk.com/arc/outboundfeeds/rss/"),
                ("json_sources", self.json_sources, "https://api.example.com/v1/news")):
            for i, src in enumerate(sources):
                at = f"{where}.{kind}[{i}]"
                if not isinstance(src.name, str) or not src.name or src.name in names:
                    raise ConfigError(f"{at}.name = {src.name!r}: give each source its own "
                                      "non-empty name, e.g. name = \"CoinDesk\"")
                names.add(src.name)
                if not isinstance(src.url, str) or not _HTTP_URL.fullmatch(src.url):
                    raise ConfigError(f"{at}.url = {src.url!r}: give the full http(s) URL, "
                                      f"e.g. url = \"{example}\"")


SEVERITIES = ("info", "low", "medium", "high", "critical")  # alert severities, lowest first
WEBHOOK_KINDS = ("slack", "discord", "telegram", "generic")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass
class WebhookChannel:
    """One alert destination ([[webhooks.channels]]). Secrets stay in the environment: the
    table names the variables (`url_env` for slack, discord and generic; `token_env` for
    a Telegram bot, with `chat_id` or `chat_id_env`). Alerts below `min_severity` are not
    sent; `rate_per_min`/`burst` (0: the service's default) pace requests."""

    name: str = ""
    kind: str = ""
    url_env: str = ""
    token_env: str = ""
    chat_id: str = ""
    chat_id_env: str = ""
    api_url: str = "https://api.telegram.org"
    min_severity: str = "info"
    rate_per_min: float = 0.0
    burst: int = 0

    def check(self, where: str, names: set[str]) -> None:
        """Raise ConfigError with what to write instead for a malformed channel."""
        if self.kind not in WEBHOOK_KINDS:
            raise ConfigError(f"{where}.kind = {self.kind!r}: choose one of "
                              f"{', '.join(WEBHOOK_KINDS)}, e.g. kind = \"slack\"")
        self.name = self.name or self.kind
        if not isinstance(self.name, str) or self.name in names:
            raise ConfigError(f"{where}.name = {self.name!r}: give each channel its own name, "
                              "e.g. name = \"desk-slack\"")
        names.add(self.name)
        needed = (("token_env", "LIQWATCH_TELEGRAM_TOKEN"),) if self.kind == "telegram" else (
            ("url_env", f"LIQWATCH_{self.kind.upper()}_WEBHOOK"),)
        for attr, example in needed:
            if not _ENV_NAME.fullmatch(getattr(self, attr) or ""):
                raise ConfigError(f"{where}.{attr} = {getattr(self, attr)!r}: name the environment "
                                  f"variable that holds the secret, e.g. {attr} = \"{example}\"")
        if self.kind == "telegram" and not (self.chat_id or _ENV_NAME.fullmatch(self.chat_id_env)):
            raise ConfigError(f"{where}: a telegram channel needs chat_id = \"-100…\" or "
                              "chat_id_env = \"LIQWATCH_TELEGRAM_CHAT\"")
        if self.kind == "telegram" and not _HTTP_URL.fullmatch(self.api_url):
            raise ConfigError(f"{where}.api_url = {self.api_url!r}: give the Bot API base URL, "
                              "e.g. api_url = \"https://api.telegram.org\"")
        if self.min_severity not in SEVERITIES:
            raise ConfigError(f"{where}.min_severity = {self.min_severity!r}: choose one of "
                              f"{', '.join(SEVERITIES)}, e.g. min_severity = \"high\"")
        if not _is_number(self.rate_per_min) or self.rate_per_min < 0:
            raise ConfigError(f"{where}.rate_per_min = {self.rate_per_min!r}: give messages per "
                              "minute, e.g. rate_per_min = 20 (0: the service's default)")
        if not isinstance(self.burst, int) or self.burst < 0:
            raise ConfigError(f"{where}.burst = {self.burst!r}: give a whole number of messages, "
                              "e.g. burst = 3 (0: the service's default)")


@dataclass
class WebhooksConfig:
    """Alert webhooks ([webhooks]): Slack, Discord, Telegram and generic JSON channels that
    `run`, `worker`, `replay` and `demo` deliver alerts to. A failed request is retried
    `max_attempts` times in all with exponential backoff from `backoff_s` (capped at
    `max_backoff_s`, server Retry-After honoured up to `max_retry_after_s`), then
    dead-lettered. `group_id` lets a restarted `run`/`worker` resume without re-sending."""

    enabled: bool = True
    max_attempts: int = 5
    backoff_s: float = 0.5
    max_backoff_s: float = 30.0
    max_retry_after_s: float = 120.0
    timeout_s: float = 10.0
    group_id: str = "liqwatch-webhooks"
    channels: list[WebhookChannel] = field(default_factory=list,
                                           metadata={"items": WebhookChannel})

    def check(self, where: str) -> None:
        """Raise ConfigError with what to write instead for a malformed setting."""
        if not isinstance(self.max_attempts, int) or self.max_attempts < 1:
            raise ConfigError(f"{where}.max_attempts = {self.max_attempts!r}: give 1 or more "
                              "(1: no retries), e.g. max_attempts = 5")
        for name, example in (("backoff_s", 0.5), ("max_backoff_s", 30),
                              ("max_retry_after_s", 120), ("timeout_s", 10)):
            value = getattr(self, name)
            if not _is_number(value) or value <= 0:
                raise ConfigError(f"{where}.{name} = {value!r}: give a number of seconds above "
                                  f"0, e.g. {name} = {example}")
        if not isinstance(self.channels, list):
            raise ConfigError(f"{where}.channels: give a list of tables, e.g. "
                              "[[webhooks.channels]] kind = \"slack\" url_env = \"…\"")
        names: set[str] = set()
        for i, channel in enumerate(self.channels):
            channel.check(f"{where}.channels[{i}]", names)


@dataclass
class Config:
    """Everything a liqwatch process needs."""

    kafka: str = "embedded"
    clickhouse: str = ""
    data_dir: Path = Path(".liqwatch")
    stream: StreamConfig = field(default_factory=StreamConfig)
    replay: ReplayConfig = field(default_factory=ReplayConfig)
    live: LiveConfig = field(default_factory=LiveConfig)
    exchanges: dict[str, ExchangeConfig] = field(default_factory=lambda: {
        name: ExchangeConfig() for name in DEFAULT_EXCHANGES})
    news: NewsConfig = field(default_factory=NewsConfig)
    webhooks: WebhooksConfig = field(default_factory=WebhooksConfig)
    board: BoardConfig = field(default_factory=BoardConfig)

    @property
    def clickhouse_url(self) -> str:
        """The store URL: explicit, or chDB persisted under the data dir."""
        return self.clickhouse or f"chdb://{(self.data_dir / 'chdb').resolve()}"


def _items(kind: type, values: list, where: str) -> list:
    """A TOML array as a list of `kind`: tables become dataclasses, scalars are converted."""
    out = []
    for i, value in enumerate(values):
        if dataclasses.is_dataclass(kind):
            if not isinstance(value, dict):
                raise ConfigError(f"{where}[{i}]: expected a table such as "
                                  "{ name = \"…\", url = \"…\" }")
            item = kind()
            _apply(item, value, f"{where}[{i}]")
            out.append(item)
        elif isinstance(value, str):
            out.append(kind(value))
        else:
            raise ConfigError(f"{where}[{i}] = {value!r}: give it in quotes, e.g. "
                              "\"news/today.jsonl\"")
    return out


def _apply(obj: Any, values: dict, where: str) -> None:
    fields = {f.name: f for f in dataclasses.fields(obj)}
    for key, value in values.items():
        if key not in fields:
            known = ", ".join(sorted(fields))
            raise ConfigError(f"{where}: unknown setting {key!r}; known: {known}")
        current = getattr(obj, key)
        if key == "exchanges" and isinstance(value, dict):
            for name, settings in value.items():
                if name not in current:
                    raise ConfigError(f"{where}.exchanges: unknown exchange {name!r}; known: "
                                      f"{', '.join(sorted(current))}")
                if not isinstance(settings, dict):
                    raise ConfigError(f"{where}.exchanges.{name}: expected a table of settings")
                _apply(current[name], settings, f"{where}.exchanges.{name}")
                current[name].check(f"{where}.exchanges.{name}")
        elif dataclasses.is_dataclass(current) and isinstance(value, dict):
            _apply(current, value, f"{where}.{key}")
            if hasattr(current, "check"):
                current.check(f"{where}.{key}")
        elif "items" in fields[key].metadata and isinstance(value, list):
            setattr(obj, key, _items(fields[key].metadata["items"], value, f"{where}.{key}"))
        elif isinstance(current, tuple) and isinstance(value, list):
            setattr(obj, key, tuple(value))
        else:
            setattr(obj, key, Path(value) if isinstance(current, Path) else value)


def load(path: Path | None = None, env: dict[str, str] | None = None) -> Config:
    """Build the configuration from defaults, the TOML file and the environment."""
    env = dict(os.environ) if env is None else env
    cfg = Config()
    file = path or (Path(DEFAULT_FILE) if Path(DEFAULT_FILE).exists() else None)
    if file is not None:
        if not file.exists():
            raise ConfigError(f"config file {file} does not exist; pass an existing --config FILE")
        try:
            data = tomllib.loads(file.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{file}: not valid TOML ({exc})") from None
        _apply(cfg, data, str(file))
    if env.get(ENV_DATA_DIR):
        cfg.data_dir = Path(env[ENV_DATA_DIR])
    if env.get(ENV_KAFKA):
        cfg.kafka = env[ENV_KAFKA]
    if env.get(ENV_CLICKHOUSE):
        cfg.clickhouse = env[ENV_CLICKHOUSE]
    if cfg.kafka != "embedded" and not re.fullmatch(r"[\w.\-]+:\d{1,5}(,[\w.\-]+:\d{1,5})*", cfg.kafka):
        raise ConfigError(f"{ENV_KAFKA}={cfg.kafka!r} is not 'embedded' or host:port "
                          "(e.g. localhost:9092)")
    return cfg
