"""News stories for scenarios: the record written to news.jsonl plus its ground-truth labels.

Outlets and URLs are fictional (reserved `.example` domains); facts in the DeepSeek
stories follow what was published at the time, the wording is ours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

OUTLETS: dict[str, str] = {
    "Markets Wire": "marketswire.example",
    "Block Ledger": "blockledger.example",
    "Tech Brief": "techbrief.example",
    "Macro Desk": "macrodesk.example",
    "Chain Daily": "chaindaily.example",
    "Silicon Report": "siliconreport.example",
}


@dataclass(frozen=True)
class Story:
    """One news item and how it relates to the injected cascades."""

    id: str
    published_at: datetime
    source: str
    title: str
    body: str
    ai: bool
    kind: str  # "event" | "coverage" | "other"
    triggers: str | None = None
    covers: str | None = None

    @property
    def url(self) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-")[:80].rstrip("-")
        return f"https://{OUTLETS[self.source]}/{self.published_at:%Y/%m/%d}/{slug}"

    def record(self) -> dict[str, str]:
        """The news.jsonl object."""
        return {"id": self.id, "published_at": self.published_at.isoformat(),
                "source": self.source, "title": self.title, "body": self.body, "url": self.url}

    def label(self) -> dict[str, object]:
        """The truth.json entry."""
        return {"id": self.id, "ai": self.ai, "kind": self.kind,
                "triggers": self.triggers, "covers": self.covers,
                "published_at": self.published_at.isoformat()}


# name -> (source, ai, kind, title, body); bodies may hold {placeholders} filled by `story`.
TEMPLATES: dict[str, tuple[str, bool, str, str, str]] = {
    "r1_release": (
        "Tech Brief", True, "event",
        "DeepSeek releases R1 reasoning model, says it rivals OpenAI's o1 at a fraction "
        "of the cost",
        "Chinese AI lab DeepSeek released R1, an open-weight reasoning model it says matches "
        "OpenAI's o1 on maths, coding and reasoning benchmarks. The company published the "
        "weights under an MIT licence and priced API access far below US rivals. Researchers "
        "noted the model was trained on a budget that is small next to the billions US labs "
        "spend on Nvidia hardware."),
    "app_store_top": (
        "Tech Brief", True, "event",
        "DeepSeek's AI assistant overtakes ChatGPT as the top free app on the US App Store",
        "DeepSeek's chatbot app, built on its R1 model, climbed to number one among free apps "
        "on Apple's US App Store on Sunday, ahead of OpenAI's ChatGPT. The surge has put a "
        "spotlight on how cheaply the Chinese lab says it trained its models, and traders are "
        "asking whether the AI spending boom behind Nvidia and the AI-linked tokens is "
        "overdone."),
    "futures_preview": (
        "Markets Wire", True, "event",
        "Nasdaq futures set for a weak open as DeepSeek stokes doubts over AI spending",
        "US stock index futures were poised to open lower when trading resumes on Sunday "
        "evening, with chipmakers seen under pressure after DeepSeek's low-cost AI model "
        "raced up the app charts. Strategists said the model, if its cost claims hold, "
        "challenges the case for heavy AI capex that has driven Nvidia, Broadcom and the "
        "wider risk trade, crypto included."),
    "nvidia_premarket": (
        "Markets Wire", True, "event",
        "Nvidia slides in premarket trading as DeepSeek shakes the AI trade",
        "Nvidia shares fell more than 10% in premarket trading on Monday as investors "
        "weighed whether DeepSeek's cheap, capable models reduce demand for high-end AI "
        "chips. Other chip and power stocks tied to AI data centres also fell, and Nasdaq "
        "100 futures were down about 3%."),
    "ai_tokens_slide": (
        "Block Ledger", True, "coverage",
        "AI tokens FET, RENDER and TAO tumble double digits in DeepSeek sell-off",
        "Tokens tied to artificial intelligence projects led crypto losses overnight, with "
        "FET, RENDER, WLD and TAO down between 11% and 15% as the DeepSeek shock hit AI "
        "stocks. Derivatives data showed a wave of long liquidations in AI-sector perpetuals "
        "in the hours after the sell-off began."),
    "liquidations_top": (
        "Block Ledger", True, "coverage",
        "Crypto liquidations top {total} as DeepSeek rattles markets",
        "More than {total} of leveraged crypto positions were liquidated in 24 hours as "
        "{move}, CoinGlass data show. "
        "Longs accounted for {longs} of the total. Bitcoin positions made up {btc} and "
        "ether {eth}. The sell-off followed DeepSeek's rise to the top of the US App Store, "
        "which hit AI-linked stocks and tokens."),
    "sacks_distillation": (
        "Markets Wire", True, "coverage",
        "White House AI czar David Sacks says there is substantial evidence DeepSeek "
        "distilled OpenAI models",
        "David Sacks, the White House AI and crypto czar, told Fox News there was "
        "\"substantial evidence\" that DeepSeek used distillation to extract knowledge from "
        "OpenAI's models. Crypto markets are still recovering from Monday's rout, when "
        "liquidations jumped more than 850% and about $1 billion of leveraged positions was "
        "wiped out as bitcoin dropped below $98,000."),
    "openai_ft": (
        "Tech Brief", True, "coverage",
        "OpenAI says it found signs DeepSeek used its models (Financial Times)",
        "OpenAI told the Financial Times it had seen evidence that DeepSeek used outputs "
        "from its models to train a competitor, a practice known as distillation. The "
        "DeepSeek shock earlier this week wiped close to $600 billion off Nvidia's market "
        "value and triggered nearly $1 billion of crypto liquidations, most of them longs."),
    "stargate": (
        "Tech Brief", True, "event",
        "OpenAI, SoftBank and Oracle announce $500 billion Stargate AI infrastructure venture",
        "President Trump announced Stargate, a joint venture of OpenAI, SoftBank and Oracle "
        "that plans to invest up to $500 billion in US AI data centres over four years, "
        "starting with $100 billion. Partners named Microsoft, Nvidia and Arm as technology "
        "partners."),
    "operator_agent": (
        "Tech Brief", True, "event",
        "Early reviews of OpenAI's Operator agent find a capable but slow web assistant",
        "Testers of Operator, the browser agent OpenAI launched for Pro subscribers last "
        "week, say it can book restaurants and fill in forms on its own but stalls on "
        "longer tasks and asks for confirmation often. OpenAI says the agent runs on a "
        "new model it calls Computer-Using Agent."),
    "etf_flows": (
        "Block Ledger", False, "other",
        "Spot bitcoin ETFs pull in {flow} as inflow streak extends",
        "US spot bitcoin exchange-traded funds took in {flow} on the day, extending a run "
        "of inflows led by the largest issuers. Ether funds saw smaller flows. Analysts "
        "pointed to steady demand from advisers and hedge funds running basis trades."),
    "fed_preview": (
        "Macro Desk", False, "other",
        "Fed expected to hold rates steady next week as inflation progress stalls",
        "Federal Reserve officials are widely expected to keep the policy rate at "
        "4.25%-4.50% at next week's meeting, pausing after three cuts last year. Futures "
        "markets price the next cut no earlier than June, and investors will watch the "
        "press conference for views on tariffs and the labour market."),
    "fed_holds": (
        "Macro Desk", False, "other",
        "Fed holds rates at 4.25%-4.50%, signals no rush to cut",
        "The Federal Reserve left its benchmark rate unchanged, saying inflation remains "
        "somewhat elevated and the labour market solid. Chair Jerome Powell said the "
        "committee does not need to be in a hurry to adjust policy."),
    "crypto_order": (
        "Block Ledger", False, "other",
        "Trump signs executive order setting up a working group on digital asset policy",
        "President Trump signed an executive order creating a working group to propose a "
        "federal framework for digital assets and to evaluate a national digital asset "
        "stockpile. The order also bars agencies from work on a US central bank digital "
        "currency. Bitcoin rose after the signing."),
    "listing": (
        "Block Ledger", False, "other",
        "Derivatives exchange to list USDT perpetuals for two new memecoins",
        "A large crypto derivatives venue said it will list USDT-margined perpetual "
        "contracts for two recently launched memecoins, with leverage capped at 20x at "
        "launch. Trading opens later today after a short pre-market period."),
    "tiktok": (
        "Tech Brief", False, "other",
        "TikTok restores US service as Trump moves to delay ban",
        "TikTok restored access for its US users after President Trump said he would sign "
        "an order giving its Chinese owner ByteDance more time to find an approved buyer. "
        "Apple and Google have not yet put the app back in their stores."),
}


def story(name: str, story_id: str, at: datetime, triggers: str | None = None,
          covers: str | None = None, **fields: str) -> Story:
    """A story from a template, published at `at`, with its relation to cascades."""
    source, ai, kind, title, body = TEMPLATES[name]
    return Story(id=story_id, published_at=at, source=source, title=title.format(**fields),
                 body=body.format(**fields), ai=ai, kind=kind, triggers=triggers, covers=covers)
