"""AI-news classification: weighted entity and term lexicon, assets touched, event vs coverage.

The score is a noisy-OR of the weights of distinct matches (title matches count fully,
body matches at `body_weight`), so one strong entity or several weak terms make an AI
story. A story that reports liquidations or the market's fall after the fact is
`coverage`: it can describe a cascade but never trigger one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

DEFAULT_ENTITIES: dict[str, float] = {
    "DeepSeek": 1.0, "OpenAI": 0.8, "ChatGPT": 0.8, "Anthropic": 0.8, "Claude": 0.5,
    "Nvidia": 0.7, "Google Gemini": 0.8, "Gemini": 0.5, "Microsoft": 0.35, "Meta": 0.3,
    "xAI": 0.6, "Grok": 0.5, "Sam Altman": 0.7, "Stargate": 0.6, "Mistral": 0.6,
    "TSMC": 0.4, "Broadcom": 0.3, "Jensen Huang": 0.7, "Alibaba Qwen": 0.8, "Qwen": 0.7,
}
DEFAULT_TERMS: dict[str, float] = {
    "artificial intelligence": 0.6, "AI": 0.45, "model release": 0.5,
    "large language model": 0.6, "LLM": 0.5, "reasoning model": 0.6,
    "open-source model": 0.5, "distillation": 0.5, "distilled": 0.5,
    "export controls": 0.4, "AI capex": 0.6, "AI spending": 0.5, "chatbot": 0.5,
    "GPU": 0.35, "AI chips": 0.6, "data center": 0.25, "AI tokens": 0.6,
}
DEFAULT_ASSET_NAMES: dict[str, list[str]] = {
    "BTC": ["bitcoin", "BTC"], "ETH": ["ether", "ethereum", "ETH"], "SOL": ["solana", "SOL"],
    "XRP": ["XRP", "ripple"], "DOGE": ["dogecoin", "DOGE"],
    "FET": ["FET", "fetch.ai", "artificial superintelligence alliance"],
    "RENDER": ["render", "RENDER", "RNDR"], "TAO": ["bittensor", "TAO"],
    "WLD": ["worldcoin", "WLD"],
}
DEFAULT_COVERAGE: list[str] = [
    r"liquidat\w*", r"wiped out", r"leveraged (?:positions|traders|bets)",
    r"(?:long|short) positions", r"coinglass", r"(?:soared|jumped|rose|surged) (?:by )?(?:more than )?\d+%",
    r"(?:bitcoin|crypto|ether|tokens?) (?:fell|slid|plunged|tumbled|dropped|sank)",
]


@dataclass
class LexiconConfig:
    """What counts as AI news and which assets a story touches (liqwatch.toml [lexicon])."""

    entities: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_ENTITIES))
    terms: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_TERMS))
    asset_names: dict[str, list[str]] = field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_ASSET_NAMES.items()})
    coverage_patterns: list[str] = field(default_factory=lambda: list(DEFAULT_COVERAGE))
    body_weight: float = 0.6
    ai_threshold: float = 0.5


@dataclass(slots=True)
class Classification:
    """The lexicon's verdict on one story."""

    ai_score: float
    entities: list[str]
    assets: list[str]
    kind: str


def _word(pattern: str) -> re.Pattern[str]:
    """Whole-word match; all-caps acronyms and tickers match case-sensitively."""
    flags = 0 if pattern.isupper() else re.IGNORECASE
    return re.compile(rf"(?<![\w-]){re.escape(pattern)}(?![\w-])", flags)


class Lexicon:
    """Compiled lexicon; `classify` is pure and deterministic."""

    def __init__(self, cfg: LexiconConfig, sectors: dict[str, list[str]]) -> None:
        self.cfg = cfg
        self.sectors = sectors
        self._weighted = [(name, weight, _word(name)) for name, weight in
                          [*cfg.entities.items(), *cfg.terms.items()]]
        self._entities = set(cfg.entities)
        self._assets = [(asset, [_word(n) for n in names])
                        for asset, names in cfg.asset_names.items()]
        self._coverage = [re.compile(p, re.IGNORECASE) for p in cfg.coverage_patterns]

    def classify(self, title: str, body: str = "") -> Classification:
        """Score AI relevance, list entities and assets, and tell event from coverage."""
        cfg = self.cfg
        miss = 1.0
        entities: list[str] = []
        for name, weight, rx in self._weighted:
            if rx.search(title):
                w = weight
            elif body and rx.search(body):
                w = weight * cfg.body_weight
            else:
                continue
            miss *= 1.0 - min(w, 1.0)
            if name in self._entities:
                entities.append(name)
        score = round(1.0 - miss, 4)
        text = f"{title}\n{body}"
        assets = {a for a, rxs in self._assets if any(rx.search(text) for rx in rxs)}
        for sector, members in self.sectors.items():
            if score >= cfg.ai_threshold and sector == "ai":
                assets.update(members)
        if any(rx.search(text) for rx in self._coverage):
            kind = "coverage"
        elif score >= cfg.ai_threshold:
            kind = "event"
        else:
            kind = "other"
        return Classification(score, sorted(entities), sorted(assets), kind)
