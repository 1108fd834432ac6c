"""AI-news classification: weighted entity and term lexicon, assets touched, event vs coverage.

Relevance is a noisy-OR of the weights of the distinct concepts a story names: an entity
or term counts once whichever of its aliases appears, fully in the title and at
`body_weight` in the body, so one strong entity or several weak terms make an AI story.

Matching: an alias written all in lower case matches in any case ("deepseek" finds
"DeepSeek" and "DEEPSEEK"); one with a capital letter matches only as written, which keeps
"Meta" from matching "meta" and "AI" from matching "ai". Whole words only, a plural "s"
allowed, and words of a phrase may be joined by spaces or hyphens.

Assets: the crypto assets named, a sector's tokens when the sector is named ("AI
tokens") and for every AI story, and the market's majors when the story speaks of the
whole market ("crypto markets", "crypto liquidations").

Kind: a story is `coverage` when one of its clauses reports liquidations after the fact
("liquidations jumped 850%", "$1B of leveraged positions wiped out"), and an AI story
also when a clause reports a crypto market move: a crypto subject (a coin, AI tokens, the
market) followed within a few words by a realised move ("bitcoin fell below $98,000",
"AI tokens tumbled", "down 11%"). A clause with forward-looking, conditional,
questioning or historical wording ("could", "poised to", "whether", "last year") reports
nothing. Other AI stories are `event`s: new information that can trigger a cascade,
which coverage never does. The rest is `other` (a non-AI story that mentions a price
move in passing is not coverage of a cascade).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

DEFAULT_ENTITIES: dict[str, float] = {
    "DeepSeek": 1.0, "OpenAI": 0.8, "ChatGPT": 0.8, "Anthropic": 0.8, "Claude": 0.5,
    "Nvidia": 0.7, "Google Gemini": 0.8, "Google DeepMind": 0.7, "Microsoft": 0.35,
    "Meta": 0.3, "Llama": 0.6, "xAI": 0.7, "Grok": 0.5, "Stargate": 0.6, "Mistral": 0.6,
    "TSMC": 0.4, "Broadcom": 0.3, "AMD": 0.3, "ASML": 0.3, "SoftBank": 0.25,
    "Alibaba Qwen": 0.8, "Moonshot AI": 0.8, "Perplexity": 0.6, "Hugging Face": 0.6,
    "Huawei Ascend": 0.6,
}
DEFAULT_TERMS: dict[str, float] = {
    "artificial intelligence": 0.6, "AI": 0.45, "model release": 0.5, "AI model": 0.6,
    "large language model": 0.6, "LLM": 0.5, "reasoning model": 0.6, "frontier model": 0.6,
    "open-source model": 0.5, "open-weight": 0.5, "distillation": 0.5,
    "export controls": 0.45, "AI capex": 0.6, "AI spending": 0.5, "AI chips": 0.6,
    "chatbot": 0.5, "AI agent": 0.5, "AI lab": 0.6, "AI trade": 0.5, "AI stocks": 0.5,
    "AI bubble": 0.5, "GPU": 0.35, "data center": 0.25, "hyperscaler": 0.4,
    "chipmaker": 0.25, "AI tokens": 0.6, "training run": 0.5,
}
# Canonical entity or term → other ways stories write it (see the matching rule above).
DEFAULT_ALIASES: dict[str, list[str]] = {
    "DeepSeek": ["deepseek", "DeepSeek-R1", "DeepSeek-V3"],
    "OpenAI": ["openai", "Sam Altman", "Altman", "GPT-4o", "GPT-4", "GPT-4.5", "GPT-5",
               "o3-mini", "Sora"],
    "ChatGPT": ["chatgpt"],
    "Anthropic": ["anthropic", "Dario Amodei"],
    "Nvidia": ["nvidia", "NVDA", "Jensen Huang", "H100", "H20", "H800", "Blackwell", "GB200",
               "CUDA"],
    "Google Gemini": ["Gemini AI", "Gemini model", "Gemini 2.0", "Gemini 2.5", "Gemini Pro",
                      "Gemini Ultra", "Gemini Flash", "Bard"],
    "Google DeepMind": ["DeepMind", "Demis Hassabis"],
    "Microsoft": ["MSFT", "Satya Nadella", "Copilot"],
    "Meta": ["Meta Platforms", "Mark Zuckerberg", "Zuckerberg"],
    "xAI": ["Elon Musk's xAI"],
    "Mistral": ["Mistral AI"],
    "Broadcom": ["AVGO"],
    "Alibaba Qwen": ["Qwen"],
    "Moonshot AI": ["Kimi"],
    "artificial intelligence": ["generative AI", "GenAI"],
    "model release": ["releases model", "launches model", "model launch", "unveils model"],
    "AI model": ["AI models", "AI system"],
    "large language model": ["language model", "foundation model"],
    "reasoning model": ["reasoning models"],
    "open-weight": ["open weights", "open-source AI"],
    "distillation": ["distilled", "distilling", "distill"],
    "export controls": ["export control", "export curbs", "export restrictions",
                        "chip curbs", "chip export", "AI diffusion rule", "diffusion rule",
                        "entity list"],
    "AI capex": ["capital expenditure on AI", "AI infrastructure", "AI investment"],
    "AI spending": ["AI spend", "spending on AI"],
    "AI chips": ["AI chip", "AI accelerators", "AI semiconductors"],
    "chatbot": ["AI assistant", "AI app"],
    "AI agent": ["AI agents", "agentic"],
    "AI lab": ["AI labs", "AI startup", "AI start-up", "AI company", "AI companies"],
    "AI trade": ["AI rally", "AI boom", "AI-linked stocks", "AI shares"],
    "data center": ["data centre", "datacenter"],
    "GPU": ["graphics processor"],
}
DEFAULT_ASSET_NAMES: dict[str, list[str]] = {
    "BTC": ["bitcoin", "BTC", "XBT"], "ETH": ["ether", "ethereum", "ETH"],
    "SOL": ["solana", "SOL"], "XRP": ["XRP", "Ripple"], "DOGE": ["dogecoin", "DOGE"],
    "FET": ["FET", "fetch.ai", "artificial superintelligence alliance"],
    "RENDER": ["RENDER", "RNDR", "Render Network", "Render token"],
    "TAO": ["bittensor", "TAO"], "WLD": ["worldcoin", "WLD"],
    "AGIX": ["singularitynet", "AGIX"], "OCEAN": ["Ocean Protocol", "OCEAN"],
    "ARKM": ["arkham", "ARKM"], "AI16Z": ["ai16z"], "VIRTUAL": ["Virtuals Protocol", "VIRTUAL"],
    "NEAR": ["NEAR Protocol", "NEAR"], "GRT": ["The Graph", "GRT"],
}
# Sector → phrases that name its tokens as a group.
DEFAULT_SECTOR_NAMES: dict[str, list[str]] = {
    "ai": ["AI tokens", "AI token", "AI-linked tokens", "AI-related tokens", "AI coins",
           "AI crypto", "AI cryptocurrencies", "AI-sector", "AI agent tokens",
           "artificial intelligence tokens"],
}
DEFAULT_MARKET_NAMES: list[str] = [
    "crypto market", "crypto markets", "cryptocurrency market", "cryptocurrency markets",
    "crypto prices", "cryptocurrencies", "digital assets", "digital asset market",
    "crypto liquidations", "crypto sell-off", "crypto selloff", "crypto rout",
    "crypto crash", "crypto traders", "leveraged crypto positions",
]
DEFAULT_MARKET_ASSETS: list[str] = ["BTC", "ETH", "SOL", "XRP", "DOGE"]

# Regexes (case-insensitive). A clause with one of these reports liquidations, in any story.
DEFAULT_COVERAGE: list[str] = [
    r"\bliquidat(?:ed|ions?)\b(?!\s+(?:price|level|heatmap|map|cluster|zone|engine|"
    r"threshold|point)s?\b)",
    r"\bcoinglass\b", r"\bforced (?:selling|sellers|buying|out)\b",
    r"\b(?:longs|shorts|(?:long|short|leveraged) (?:positions|bets|traders)|(?:bullish|bearish) "
    r"bets)\b(?:\W+\w+){0,4}?\W+(?:were |was |got |are )?(?:wiped out|forced out|closed out|"
    r"squeezed)\b",
]
# Crypto things that move; asset, sector and market names count as well.
DEFAULT_MARKET_SUBJECTS: list[str] = [
    r"\bcrypto(?:currency|currencies)?\b", r"\bcoins\b", r"\b(?:alt|meme)coins?\b",
    r"\bcrypto tokens\b", r"\bdigital assets?\b", r"\b(?:longs|shorts)\b",
    r"\bleveraged (?:positions|bets|traders|longs|shorts)\b", r"\bopen interest\b",
    r"\bperpetuals?\b", r"\bfunding rates?\b",
]
# Words between a crypto subject and a move that make something else the mover
# ("bitcoin miners rallied", "crypto stocks fell").
DEFAULT_OTHER_MOVERS: list[str] = [
    r"\b(?:miners?|mining|stocks?|shares|equit(?:y|ies)|ETFs?|funds?|treasur(?:y|ies)|"
    r"companies|firms?|exchanges?|startups?)\b",
]
# A realised move, when it follows a crypto subject closely.
DEFAULT_MOVES: list[str] = [
    r"\b(?:fall|falls|fell|falling|drop|drops|dropped|dropping|slide|slides|slid|sliding|"
    r"slip|slips|slipped|plunge|plunges|plunged|plunging|tumble|tumbles|tumbled|tumbling|"
    r"sink|sinks|sank|sunk|sinking|crash|crashes|crashed|crashing|slump|slumps|slumped|"
    r"tank|tanks|tanked|dive|dives|dived|dove|plummet|plummets|plummeted|plummeting|"
    r"retreat|retreats|retreated|decline|declines|declined|lost|shed|sheds|"
    r"jump|jumps|jumped|soar|soars|soared|surge|surges|surged|spike|spikes|spiked|"
    r"rally|rallies|rallied|rise|rises|rose|rising|climb|climbs|climbed|rebound|rebounds|"
    r"rebounded|recover|recovers|recovered|recovering|tops|topped|hits|exceeded|touched|"
    r"erased|wiped)\b",
    r"\b(?:down|up|lower|higher|off) (?:by )?(?:about |around |roughly |nearly |almost |"
    r"more than |over |as much as |between )?\$?\d",
    r"\b(?:losses|sell-?off|rout|wipeout|drawdown|bloodbath)\b",
]
# Wording that makes a clause forward-looking, conditional, a question or history.
DEFAULT_NOT_REPORT: list[str] = [
    r"\b(?:will|would|could|might|should|shall|can)\b", r"(?-i:\bmay\b)",
    r"\b(?:poised|set|expected|likely|unlikely|due|about|on track|bound|tipped) to\b",
    r"\b(?:set|headed|on course) for\b", r"\b(?:if|unless|whether)\b", r"\bin case\b",
    r"\b(?:at risk of|the risk of|risks? (?:a|an|further|more))\b", r"\bfears? (?:of|that)\b",
    r"\bwarn(?:s|ed|ing)?\b", r"\bbrac(?:e|es|ed|ing) for\b",
    r"\b(?:predict|forecast|anticipate)(?:s|ed|ing)?\b", r"\?",
    r"\blast year\b", r"\b(?:a|one|two|three|several|\d+) (?:years?|months?) ago\b",
    r"\bback in\b",
    r"\b(?:in (?:(?:january|february|march|april|may|june|july|august|september|october|"
    r"november|december) )?(?:19|20)\d\d|last (?:january|february|march|april|may|june|july|"
    r"august|september|october|november|december))\b",
]
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[\"“'‘(A-Z0-9])|\n+")
_CLAUSE = re.compile(r"\s*[;:]\s*|\s+[—–-]{1,2}\s+|,\s*(?=(?:and|but|while|whereas|although|"
                     r"though|yet)\s)|\s+(?=(?:but|whereas|although|though)\s)")
_WORDS = re.compile(r"\S+")


@dataclass
class LexiconConfig:
    """What counts as AI news, which assets a story touches and what is coverage
    (liqwatch.toml [stream.lexicon]). Aliases and names follow the module's matching
    rule; the coverage, subject, mover, move and not-report lists are case-insensitive
    regexes."""

    entities: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_ENTITIES))
    terms: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_TERMS))
    aliases: dict[str, list[str]] = field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_ALIASES.items()})
    asset_names: dict[str, list[str]] = field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_ASSET_NAMES.items()})
    sector_names: dict[str, list[str]] = field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_SECTOR_NAMES.items()})
    market_names: list[str] = field(default_factory=lambda: list(DEFAULT_MARKET_NAMES))
    market_assets: list[str] = field(default_factory=lambda: list(DEFAULT_MARKET_ASSETS))
    ai_sector: str = "ai"
    coverage_patterns: list[str] = field(default_factory=lambda: list(DEFAULT_COVERAGE))
    market_subjects: list[str] = field(default_factory=lambda: list(DEFAULT_MARKET_SUBJECTS))
    other_movers: list[str] = field(default_factory=lambda: list(DEFAULT_OTHER_MOVERS))
    move_patterns: list[str] = field(default_factory=lambda: list(DEFAULT_MOVES))
    not_report_patterns: list[str] = field(default_factory=lambda: list(DEFAULT_NOT_REPORT))
    subject_window: int = 6
    body_weight: float = 0.6
    ai_threshold: float = 0.5


@dataclass(slots=True)
class Classification:
    """The lexicon's verdict on one story."""

    ai_score: float
    entities: list[str]
    assets: list[str]
    kind: str


def _phrase(alias: str) -> str:
    """Regex source of one alias under the module's matching rule."""
    core = r"[\s\-]+".join(re.escape(word) for word in alias.split())
    if alias.islower():
        core = f"(?i:{core})"
    return rf"(?<!\w){core}s?(?!\w)"


def _any(aliases: list[str]) -> re.Pattern[str]:
    """One regex matching any of the aliases (longest first); none: matches nothing."""
    ordered = sorted(set(aliases), key=lambda a: (-len(a), a))
    return _regexes([_phrase(a) for a in ordered], flags=0)


def _regexes(patterns: list[str], flags: int = re.IGNORECASE) -> re.Pattern[str]:
    """One regex matching any of the patterns; an empty list matches nothing."""
    return re.compile("|".join(f"(?:{p})" for p in patterns) or "(?!)", flags)


def clauses(text: str) -> list[str]:
    """Sentences split further at semicolons, colons, dashes and joined main clauses."""
    return [c for sentence in _SENTENCE.split(text) for c in _CLAUSE.split(sentence) if c]


class Lexicon:
    """Compiled lexicon; `classify` is pure and deterministic."""

    def __init__(self, cfg: LexiconConfig, sectors: dict[str, list[str]]) -> None:
        self.cfg = cfg
        self.sectors = sectors
        weights = {**cfg.terms, **cfg.entities}
        self._concepts = [(name, weight, _any([name, *cfg.aliases.get(name, [])]))
                          for name, weight in weights.items()]
        self._entities = set(cfg.entities)
        self._assets = [(asset, _any(names)) for asset, names in cfg.asset_names.items()]
        self._sectors = [(sector, _any(names)) for sector, names in cfg.sector_names.items()
                         if sector in sectors]
        self._market = _any(cfg.market_names)
        names = [*(n for ns in cfg.asset_names.values() for n in ns),
                 *(n for ns in cfg.sector_names.values() for n in ns), *cfg.market_names]
        self._subjects = _regexes([*(f"(?i:{s})" for s in cfg.market_subjects),
                                   *(_phrase(n) for n in names)], flags=0)
        self._moves = _regexes(cfg.move_patterns)
        self._other_movers = _regexes(cfg.other_movers)
        self._coverage = _regexes(cfg.coverage_patterns)
        self._not_report = _regexes(cfg.not_report_patterns)

    def score(self, title: str, body: str = "") -> tuple[float, list[str]]:
        """AI relevance in [0, 1] and the entities named (sorted)."""
        miss = 1.0
        entities: list[str] = []
        for name, weight, rx in self._concepts:
            if rx.search(title):
                w = weight
            elif body and rx.search(body):
                w = weight * self.cfg.body_weight
            else:
                continue
            miss *= 1.0 - min(w, 1.0)
            if name in self._entities:
                entities.append(name)
        return round(1.0 - miss, 4), sorted(entities)

    def assets(self, text: str, ai: bool) -> list[str]:
        """Assets named, sectors named (and the AI sector for AI news), the market's
        majors for whole-market stories."""
        found = {asset for asset, rx in self._assets if rx.search(text)}
        for sector, rx in self._sectors:
            if rx.search(text):
                found.update(self.sectors[sector])
        if ai:
            found.update(self.sectors.get(self.cfg.ai_sector, ()))
        if self._market.search(text):
            found.update(self.cfg.market_assets)
        return sorted(found)

    def _moves_after(self, clause: str) -> bool:
        window = self.cfg.subject_window
        for subject in self._subjects.finditer(clause):
            move = self._moves.search(clause, subject.end())
            if move is None:
                continue
            between = clause[subject.end():move.start()]
            if len(_WORDS.findall(between)) <= window and not self._other_movers.search(between):
                return True
        return False

    def reports(self, text: str) -> tuple[bool, bool]:
        """(reports liquidations, reports a crypto market move), clause by clause, after
        the fact: forward-looking, conditional or historical clauses do not count."""
        liquidations = move = False
        for clause in clauses(text):
            if self._not_report.search(clause):
                continue
            liquidations = liquidations or bool(self._coverage.search(clause))
            move = move or self._moves_after(clause)
            if liquidations and move:
                break
        return liquidations, move

    def classify(self, title: str, body: str = "") -> Classification:
        """Score AI relevance, list entities and assets, and tell event from coverage."""
        score, entities = self.score(title, body)
        ai = score >= self.cfg.ai_threshold
        text = f"{title}\n{body}"
        liquidations, move = self.reports(text)
        if liquidations or (ai and move):
            kind = "coverage"
        elif ai:
            kind = "event"
        else:
            kind = "other"
        return Classification(score, entities, self.assets(text, ai), kind)
