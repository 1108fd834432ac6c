"""Story bank for the scenario family: AI event stories, cascade coverage and other news.

Each template is a headline and a body with {placeholders}. `Fields` fills them on first
use from coherent pools (a lab with its model, a cloud company with its capex figures, a
chipmaker with its chip), so a story's headline and body agree. Companies and people are
real, the events, products and figures are invented; outlets and URLs are fictional.

What the labels rely on (a lexicon reads these stories, streams/lexicon.py):
  - an AI `event` names an AI company or product and an AI term in its headline, and
    announces something new: it never reports liquidations or price falls after the fact;
  - `coverage` reports a cascade after the fact: liquidated notional, side, the assets and
    how far they moved ("wiped out", "liquidated", "jumped 640%");
  - `other` news (macro, ETF flows, listings) carries no AI words and no liquidation report.
`tone` says which way an event would push risk assets: long cascades are triggered by
bearish stories, short squeezes by bullish ones, neutral stories trigger nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, TypeVar

import numpy as np

from liqwatch.scenarios.news import Story

Draw = Callable[[np.random.Generator], dict[str, str]]
T = TypeVar("T")


@dataclass(frozen=True)
class Template:
    """A headline and body with placeholders; `cause` is how coverage refers back to it."""

    name: str
    source: str
    title: str
    body: str
    tone: str = "neutral"  # "bearish" | "bullish" | "neutral"
    cause: str = ""


def _usd_b(x: float) -> str:
    """'$85 billion', '$1.5 billion'."""
    return f"${x:.0f} billion" if x >= 10 else f"${x:.1f} billion"


def usd(x: float) -> str:
    """A dollar figure as a headline writes it: '$640,000', '$2.4 million', '$31 million'."""
    if x >= 1e7:
        return f"${x / 1e6:.0f} million"
    if x >= 1e6:
        return f"${x / 1e6:.1f} million"
    return f"${round(x, -4):,.0f}"


def _pick(rng: np.random.Generator, items: Sequence[T]) -> T:
    return items[int(rng.integers(len(items)))]


LABS = (("OpenAI", "GPT-5.5"), ("Anthropic", "Claude Opus 5"), ("Google", "Gemini 3 Ultra"),
        ("Meta", "Llama 5"), ("xAI", "Grok 5"), ("Mistral", "Mistral Large 3"),
        ("DeepSeek", "DeepSeek-V4"), ("Alibaba", "Qwen 4"))
CHINESE_LABS = (("DeepSeek", "DeepSeek-R2"), ("DeepSeek", "DeepSeek-V4"),
                ("Alibaba", "Qwen 4 Max"), ("Alibaba", "Qwen3.5-Omni"))
# private lab -> (raise range, valuation range), USD billions
PRIVATE_LABS = {"OpenAI": ((20, 40), (300, 500)), "Anthropic": ((5, 15), (150, 250)),
                "xAI": ((6, 12), (100, 200)), "Mistral": ((1, 3), (10, 20))}
CLOUDS = ("Microsoft", "Meta", "Alphabet", "Amazon", "Oracle")
CHIPS = (("Nvidia", "H20"), ("Nvidia", "H200"), ("AMD", "MI308"))


def _lab(rng: np.random.Generator) -> dict[str, str]:
    lab, model = _pick(rng, LABS)
    return {"lab": lab, "model": model}


def _chinese_lab(rng: np.random.Generator) -> dict[str, str]:
    lab, model = _pick(rng, CHINESE_LABS)
    return {"cn_lab": lab, "cn_model": model, "gpus": f"{int(rng.integers(2, 12)) * 1000:,}",
            "weeks": str(int(rng.integers(5, 11)))}


def _rival(rng: np.random.Generator) -> dict[str, str]:
    rival = _pick(rng, ("OpenAI", "Anthropic"))
    return {"rival": rival, "accuser": rival}


def _private_lab(rng: np.random.Generator) -> dict[str, str]:
    lab = _pick(rng, tuple(PRIVATE_LABS))
    (r_lo, r_hi), (v_lo, v_hi) = PRIVATE_LABS[lab]
    return {"private_lab": lab, "raise_amount": _usd_b(float(rng.uniform(r_lo, r_hi))),
            "valuation": _usd_b(float(rng.uniform(v_lo, v_hi))),
            "investor": _pick(rng, ("SoftBank", "Thrive Capital", "Lightspeed",
                                    "a Gulf sovereign fund", "Fidelity")),
            "partner": _pick(rng, ("SoftBank", "Oracle", "Crusoe", "a Gulf sovereign fund")),
            "infra_amount": _usd_b(float(rng.integers(4, 40)) * 10.0),
            "gw": str(int(rng.integers(2, 9))),
            "sites": _pick(rng, ("Texas and Ohio", "Texas and Wyoming", "Norway and the UAE",
                                 "Pennsylvania and Arizona"))}


def _cloud(rng: np.random.Generator) -> dict[str, str]:
    hi = float(rng.integers(60, 130))
    return {"cloud": _pick(rng, CLOUDS), "capex_hi": _usd_b(hi),
            "capex_lo": _usd_b(hi - float(rng.integers(8, 25))),
            "mw": f"{int(rng.integers(4, 20)) * 100:,}"}


def _results(rng: np.random.Generator) -> dict[str, str]:
    rev = float(rng.uniform(42, 70))
    guide = rev * float(rng.uniform(1.03, 1.12))
    return {"rev": _usd_b(rev), "est_below": _usd_b(rev * float(rng.uniform(0.94, 0.98))),
            "guide": _usd_b(guide),
            "guide_est_above": _usd_b(guide * float(rng.uniform(1.03, 1.06))),
            "dc_rev": _usd_b(rev * float(rng.uniform(0.86, 0.9))),
            "quarter": _pick(rng, ("current", "July", "October", "January", "April"))}


def _chip(rng: np.random.Generator) -> dict[str, str]:
    vendor, chip = _pick(rng, CHIPS)
    return {"vendor": vendor, "chip": chip, "countries": str(int(rng.integers(8, 40))),
            "charge": _usd_b(float(rng.uniform(1.5, 6.0)))}


def _numbers(rng: np.random.Generator) -> dict[str, str]:
    return {"tariff": str(int(rng.integers(5, 21)) * 5), "year": str(int(rng.integers(2026, 2028))),
            "ai_share": f"{int(rng.integers(28, 42))}%", "gver": _pick(rng, ("3", "3.5", "4")),
            "price_up": _pick(rng, ("$2", "$3", "$5")),
            "exec_from": _pick(rng, ("Amazon", "Microsoft", "Google"))}


def _market_numbers(rng: np.random.Generator) -> dict[str, str]:
    return {"flow": f"${int(rng.integers(12, 95)) * 10} million",
            "streak": str(int(rng.integers(5, 13))), "cpi": f"{rng.uniform(2.3, 3.4):.1f}",
            "core": f"{rng.uniform(0.1, 0.4):.1f}", "jobs": f"{int(rng.integers(90, 260))},000",
            "unemp": f"{rng.uniform(3.9, 4.4):.1f}",
            "meme": _pick(rng, ("BONK", "PNUT", "WIF", "POPCAT", "MEW")),
            "lev": _pick(rng, ("20", "25", "50")), "supply": _usd_b(float(rng.uniform(205, 260))),
            "alt": _pick(rng, ("solana", "XRP", "litecoin", "dogecoin")),
            "month": _pick(rng, ("May", "June", "October", "November")),
            "btc_n": f"{int(rng.integers(3, 60)) * 100:,}",
            "unlock_token": _pick(rng, ("ARB", "SUI", "APT", "OP")),
            "unlock_amt": f"${int(rng.integers(6, 40)) * 10} million",
            "tenor": _pick(rng, ("10-year", "30-year", "7-year"))}


# Placeholder -> the draw that provides it (each draw's keys, read off one trial draw).
PROVIDERS: dict[str, Draw] = {
    key: draw
    for draw in (_lab, _chinese_lab, _rival, _private_lab, _cloud, _results, _chip, _numbers,
                 _market_numbers)
    for key in draw(np.random.default_rng(0))
}


class Fields(dict):
    """Placeholder values: given ones, the rest drawn on first use with their group."""

    def __init__(self, rng: np.random.Generator, given: dict[str, str] | None = None) -> None:
        super().__init__(given or {})
        self.rng = rng

    def __missing__(self, key: str) -> str:
        for name, value in PROVIDERS[key](self.rng).items():
            self.setdefault(name, value)
        return self[key]


EVENTS: tuple[Template, ...] = (
    Template(
        "cheap_rival_model", "Silicon Report",
        "{cn_lab} unveils {cn_model}, says it matches {rival} at a fraction of the cost",
        "{cn_lab} released {cn_model}, an open-weight reasoning model that it says equals "
        "{rival}'s strongest system on coding and maths benchmarks while costing about a tenth "
        "as much to serve. The lab said it trained the model on {gpus} export-grade GPUs in "
        "{weeks} weeks, a budget analysts called tiny next to what US companies plan to spend "
        "on AI this year.",
        "bearish", "{cn_lab}'s low-cost {cn_model} AI model, pitched as a rival to {rival}"),
    Template(
        "export_curbs", "Markets Wire",
        "US widens AI chip export controls to cover {vendor}'s {chip}",
        "The Commerce Department will require licences for sales of {vendor}'s {chip} "
        "accelerator and comparable AI chips to China and {countries} other countries, "
        "officials said, closing a route chipmakers had used to keep serving Chinese "
        "customers. {vendor} said it expects a charge of about {charge} this quarter on "
        "inventory it may no longer be able to sell.",
        "bearish", "the new US export controls on {vendor}'s {chip} AI chips"),
    Template(
        "capex_cut", "Markets Wire",
        "{cloud} lowers its AI capex outlook to {capex_lo} and pauses some data center projects",
        "{cloud} told investors it now expects capital expenditure of about {capex_lo} this "
        "fiscal year, down from the {capex_hi} it had guided to, and that it will slow or pause "
        "several early-stage data center projects. Executives said demand for AI services "
        "remains strong but that more efficient models need fewer GPUs for the same work.",
        "bearish", "{cloud}'s cut to its AI spending and GPU orders"),
    Template(
        "nvidia_guide_miss", "Markets Wire",
        "Nvidia guides to {guide} in quarterly revenue, short of the {guide_est_above} "
        "Wall Street expected",
        "Nvidia forecast revenue of about {guide} for the {quarter} quarter, below the "
        "{guide_est_above} analysts had pencilled in, as export limits cut into its AI chip "
        "sales to China. Data center revenue came to {dc_rev} in the latest quarter. Chief "
        "executive Jensen Huang said on the call that large customers are spreading out "
        "orders for its newest systems.",
        "bearish", "Nvidia's weaker-than-expected forecast for AI chip sales"),
    Template(
        "chatbot_tops_store", "Tech Brief",
        "{cn_lab}'s AI assistant overtakes ChatGPT as the top free app on the US App Store",
        "The chatbot app from {cn_lab}, built on its {cn_model} model, climbed to number one "
        "among free iPhone apps in the United States, ahead of OpenAI's ChatGPT. Investors are "
        "asking whether cheap, capable models from Chinese labs undercut the case for the "
        "hundreds of billions US companies plan to spend on AI infrastructure.",
        "bearish", "{cn_lab}'s AI chatbot overtaking ChatGPT on the US App Store"),
    Template(
        "ftc_probe", "Macro Desk",
        "FTC opens antitrust probe into Microsoft's partnership with OpenAI",
        "The Federal Trade Commission has opened a formal investigation into whether "
        "Microsoft's multibillion-dollar investment in OpenAI and its exclusive cloud deal "
        "harm competition in AI, people familiar with the matter said. The agency has sent "
        "civil investigative demands to both companies and to several cloud rivals.",
        "bearish", "the FTC's antitrust probe into Microsoft and OpenAI's AI partnership"),
    Template(
        "bubble_warning", "Macro Desk",
        "IMF warns the artificial intelligence investment boom could end in a sharp correction",
        "In its latest financial stability report the International Monetary Fund said "
        "valuations of companies exposed to AI, led by Nvidia and Microsoft, look stretched, "
        "and that a disappointment on AI earnings could spill over into other risk assets, "
        "crypto included. The fund estimates that AI-related stocks now make up {ai_share} of "
        "the S&P 500's market value.",
        "bearish", "the IMF's warning that AI stocks such as Nvidia look like a bubble"),
    Template(
        "lease_walkaway", "Markets Wire",
        "{cloud} walks away from {mw} megawatts of AI data center leases, analysts say",
        "{cloud} has cancelled or let lapse leases for about {mw} megawatts of data center "
        "capacity in the US and Europe, according to brokerage analysts who track the sector, "
        "raising questions about whether it sees an oversupply of AI compute. The company said "
        "it continues to invest heavily in AI and adjusts its plans to demand.",
        "bearish", "reports that {cloud} is scaling back AI spending on data center leases"),
    Template(
        "chip_tariffs", "Macro Desk",
        "White House weighs tariffs of up to {tariff}% on imported AI chips and servers",
        "The administration is considering tariffs of up to {tariff}% on imported "
        "semiconductors, including the AI chips and servers that cloud companies buy by the "
        "hundred thousand, officials said, as part of a push to move production to the US. "
        "TSMC, which makes most of Nvidia's processors in Taiwan, declined to comment.",
        "bearish", "talk of US tariffs on AI chips that TSMC makes for Nvidia"),
    Template(
        "distillation_claim", "Tech Brief",
        "{accuser} says {cn_lab} distilled its AI models and blocks accounts linked to the lab",
        "{accuser} said it had found evidence that accounts linked to {cn_lab} used its API to "
        "collect model outputs for training, a practice known as distillation, and that it has "
        "blocked them. The company said it is working with the US government to stop frontier "
        "AI models from being copied.",
        "bearish", "{accuser}'s distillation claims against {cn_lab}'s AI lab"),
    Template(
        "ai_act_fine", "Macro Desk",
        "EU regulators move to fine {lab} under the AI Act over its general-purpose models",
        "The European Commission's AI Office opened non-compliance proceedings against {lab}, "
        "saying the company has not supplied the technical documentation the AI Act requires "
        "for general-purpose AI models such as {model}. Fines can reach 3% of global turnover.",
        "bearish", "the EU's AI Act case against {lab} over its {model} large language model"),
    Template(
        "nvidia_beat", "Markets Wire",
        "Nvidia beats forecasts with {rev} in revenue and guides to {guide} on AI demand",
        "Nvidia reported quarterly revenue of {rev}, ahead of the {est_below} analysts "
        "expected, and guided to about {guide} for the {quarter} quarter. Data center sales "
        "reached {dc_rev}. Jensen Huang said demand for its newest AI systems exceeds supply "
        "well into next year.",
        "bullish", "Nvidia's stronger-than-expected AI chip results"),
    Template(
        "capex_raise", "Markets Wire",
        "{cloud} lifts its AI capex plan to {capex_hi} as demand outruns supply",
        "{cloud} raised its capital spending forecast for the year to about {capex_hi}, from "
        "{capex_lo}, saying it is short of capacity to serve demand for AI services. Most of "
        "the money will go to data center construction, GPUs and custom accelerators.",
        "bullish", "{cloud}'s bigger AI capex plan for GPUs and data centers"),
    Template(
        "infra_venture", "Tech Brief",
        "{private_lab} and {partner} announce a {infra_amount} plan for new AI data centers",
        "{private_lab} and {partner} said they will build AI data center campuses with up to "
        "{gw} gigawatts of capacity over the next four years, starting with sites in {sites}. "
        "The partners put the total cost at {infra_amount} and said Nvidia will supply most "
        "of the chips.",
        "bullish", "the {infra_amount} AI data center plan from {private_lab} and {partner}"),
    Template(
        "funding_round", "Tech Brief",
        "{private_lab} raises {raise_amount} at a {valuation} valuation",
        "{private_lab} closed a funding round of {raise_amount} led by {investor}, valuing the "
        "AI developer at {valuation}, people familiar with the deal said. The company plans to "
        "spend most of the money on compute to train its next models.",
        "bullish", "{private_lab}'s {raise_amount} AI funding round"),
    Template(
        "export_easing", "Markets Wire",
        "US to let {vendor} resume {chip} AI chip sales to China under new licences",
        "The Commerce Department will grant licences for {vendor} to sell its {chip} AI "
        "accelerator to Chinese customers again, reversing part of the export controls imposed "
        "earlier this year. {vendor} had said the curbs would cost it about {charge} in sales.",
        "bullish", "the easing of US export controls on {vendor}'s {chip} AI chips"),
    Template(
        "agent_payments", "Chain Daily",
        "{private_lab} lets its AI agents pay with stablecoins in a new pilot",
        "{private_lab} said its AI agents will be able to pay for services with USDC and other "
        "dollar stablecoins in a pilot with a large US crypto exchange, letting software settle "
        "small purchases without a card network. Developers of AI-focused crypto projects "
        "welcomed the move.",
        "bullish", "{private_lab}'s stablecoin payments pilot for AI agents"),
    Template(
        "tsmc_orders", "Silicon Report",
        "TSMC says AI chip orders will keep its advanced lines full through {year}",
        "TSMC told analysts that orders for AI accelerators from Nvidia, Broadcom and cloud "
        "companies will keep its most advanced production lines fully booked through {year}, "
        "and raised its forecast for AI-related revenue growth. The company plans to double "
        "its advanced packaging capacity again next year.",
        "bullish", "TSMC's upbeat outlook for the AI chips it makes for Nvidia"),
    Template(
        "model_launch", "Silicon Report",
        "{lab} launches {model}, its most capable AI model yet",
        "{lab} released {model}, which it says sets new highs on reasoning, coding and agent "
        "benchmarks, and made it available to paying users and through its API from today. "
        "The company said the model was trained on its largest cluster so far."),
    Template(
        "gemini_rollout", "Tech Brief",
        "Google rolls out Gemini {gver} to all users with new AI agent features",
        "Google began making Gemini {gver} available to every user of the Gemini app and "
        "Workspace, adding agents that can book travel and sort email. The company said the "
        "model is faster and cheaper to run than its predecessor."),
    Template(
        "lab_hire", "Tech Brief",
        "Anthropic names a former {exec_from} cloud chief to lead its AI compute build-out",
        "Anthropic has hired a senior infrastructure executive from {exec_from} to oversee its "
        "growing fleet of AI data centers, the company said in a blog post. The hire comes as "
        "Anthropic brings its Claude models to more enterprise customers."),
    Template(
        "safety_framework", "Tech Brief",
        "OpenAI publishes an updated safety framework for frontier AI models",
        "OpenAI released a revised preparedness framework that sets out how it tests new "
        "models for risks in cybersecurity, biology and autonomous replication before release, "
        "and said an external panel will review its next launch. The company did not say when "
        "it plans to ship its next large model."),
    Template(
        "copilot_price", "Markets Wire",
        "Microsoft raises Microsoft 365 prices as Copilot AI features come to every plan",
        "Microsoft will raise the price of its consumer Microsoft 365 subscriptions by "
        "{price_up} a month and bundle its Copilot AI assistant into every plan, the company "
        "said. Analysts see the move as a way to recoup some of its heavy AI spending."),
    Template(
        "meta_chip", "Silicon Report",
        "Meta tests its first in-house AI training chip, built with Broadcom",
        "Meta has begun a small deployment of a custom accelerator designed to train its Llama "
        "models, built with Broadcom and made by TSMC, people familiar with the project said. "
        "If the tests go well, Meta plans to rely less on Nvidia GPUs from {year}."),
    Template(
        "uk_ai_testing", "Macro Desk",
        "UK sets up a statutory testing regime for the most powerful AI models",
        "The UK government said developers of the most powerful AI models, including OpenAI, "
        "Anthropic and Google DeepMind, will have to give its AI Security Institute access to "
        "new models before release, under a bill to be introduced this session. Officials said "
        "the rules are meant to be light-touch."),
    Template(
        "qwen_coder", "Silicon Report",
        "Alibaba releases an open-weight Qwen coding model that tops a popular AI leaderboard",
        "Alibaba's cloud unit released a Qwen model tuned for writing software under an Apache "
        "licence, and said it ranks first among open models on a widely followed coding "
        "benchmark. The release adds to a run of capable open-weight models from Chinese AI "
        "labs."),
)

# Coverage: {names} the assets as a phrase, {lead} the biggest one, {group} what moved,
# {total} the liquidated notional, {move} the price move, {minutes} the cascade's length,
# {orders} how many liquidations, {jump_hour}/{jump_day} the rise against a normal hour/day,
# {s} the verb ending that agrees with {names} ("s" for one asset).
COVERAGE: dict[str, tuple[Template, ...]] = {
    "long": (
        Template("longs_wiped_out", "Block Ledger",
                 "Longs wiped out as {names} slide{s} {move}",
                 "About {total} of long positions in {names} were liquidated within {minutes} "
                 "minutes on {weekday}, as prices dropped as much as {move} from where the "
                 "selling started. Liquidations in those contracts jumped {jump_hour} from "
                 "their usual hourly pace."),
        Template("minute_selloff", "Markets Wire",
                 "{lead} drops {move} in a {minutes}-minute sell-off, liquidating {total} of longs",
                 "A burst of forced selling hit {names} on {weekday}: exchange data show about "
                 "{orders} long liquidations worth {total} in the space of {minutes} minutes, "
                 "the heaviest in {lead}. The day's liquidation total was up {jump_day} on a "
                 "normal day."),
        Template("liquidations_top", "Chain Daily",
                 "Crypto liquidations top {total} as {names} tumble{s}",
                 "Traders betting on higher prices were forced out of {total} of positions as "
                 "{names} dropped up to {move} on {weekday}. Liquidations soared {jump_hour} "
                 "against the usual pace for that hour, exchange data compiled by analysts "
                 "show."),
        Template("long_liquidations_sink", "Block Ledger",
                 "{total} in long liquidations as {names} sink{s} {move}",
                 "Derivatives traders who had piled into long positions in {names} lost "
                 "{total} on {weekday} as prices sank {move} in about {minutes} minutes. "
                 "Roughly {orders} positions were closed out by exchanges."),
        Template("bulls_caught", "Markets Wire",
                 "Leveraged bulls caught out as {names} slide{s}; {total} liquidated",
                 "Prices of {names} slid {move} in a matter of minutes on {weekday}, and "
                 "exchanges liquidated about {total} of long positions, {jump_hour} more than "
                 "in a typical hour."),
        Template("slump_wave", "Chain Daily",
                 "{names} slump{s} {move}, setting off a wave of long liquidations",
                 "About {orders} long positions worth a combined {total} were force-closed as "
                 "{names} lost {move} on {weekday}. Most of the selling came in the first "
                 "{minutes} minutes."),
        Template("bullish_bets_forced", "Block Ledger",
                 "Sell-off in {group} forces out {total} of bullish bets within the hour",
                 "A sharp drop in {names} on {weekday} liquidated about {total} of long "
                 "positions, data from the largest derivatives exchanges show, with prices down "
                 "{move} at the low. Liquidations ran {jump_hour} above their normal hourly "
                 "level."),
        Template("liquidations_jump", "Markets Wire",
                 "Liquidations jump {jump_hour} as {lead} slides {move}",
                 "Forced selling of long positions in {names} reached about {total} on "
                 "{weekday}, as {lead} slid {move} in roughly {minutes} minutes. Around {orders} "
                 "liquidation orders hit the books."),
    ),
    "short": (
        Template("squeeze_lifts", "Block Ledger",
                 "Short squeeze lifts {names} {move}, liquidating {total} of bearish bets",
                 "Traders betting on lower prices were caught out on {weekday} as {names} "
                 "climbed {move} in about {minutes} minutes, and exchanges liquidated about "
                 "{total} of short positions, {jump_hour} more than in a normal hour."),
        Template("shorts_liquidated", "Markets Wire",
                 "{lead} jumps {move} as {total} of short positions are liquidated",
                 "A rapid move higher in {names} on {weekday} forced out about {orders} short "
                 "positions worth {total} within {minutes} minutes, exchange data show. The "
                 "day's liquidation total was up {jump_day} on a normal day."),
        Template("shorts_wiped_out", "Chain Daily",
                 "Shorts wiped out as {names} rip{s} {move} higher",
                 "About {total} of short positions in {names} were liquidated on {weekday} as "
                 "prices ripped {move} higher in minutes. Short liquidations jumped {jump_hour} "
                 "against their usual hourly pace."),
        Template("bears_squeezed", "Block Ledger",
                 "Bears squeezed: {total} of short liquidations as {names} surge{s} {move}",
                 "Roughly {orders} short positions in {names} were closed out by exchanges over "
                 "{minutes} minutes on {weekday}, for a combined {total}, as prices surged "
                 "{move}."),
        Template("sudden_rally", "Markets Wire",
                 "{names} squeeze{s} out {total} of shorts in a sudden {move} rally",
                 "Short sellers in {names} were liquidated to the tune of {total} on {weekday} "
                 "as prices rallied {move} in about {minutes} minutes, {jump_hour} more "
                 "liquidations than in a typical hour."),
    ),
}

# How coverage refers to a trigger ({cause}, {lead_time}) or says there was none.
CAUSE_FRAMES = ("The move began {lead_time} after {cause}.",
                "Traders tied it to {cause}, which had hit the wires {lead_time} earlier.",
                "It came {lead_time} after {cause}.")
NO_CAUSE = ("No single headline explained the move; analysts pointed to crowded positioning "
            "and thin order books.",
            "Traders could find no obvious news behind it and blamed stretched funding rates.",
            "There was no clear catalyst, and prices steadied within hours.")

# Sentences an AI event story may end with, naming crypto assets it could touch ({names},
# {have} agreeing with them).
CRYPTO_LINES = ("In crypto markets, {names} {have} tended to trade with technology shares this "
                "year.",
                "Funding rates on {names} perpetual futures were elevated going into the "
                "announcement.",
                "Crypto traders who hold {names} are watching for how the news lands in the "
                "US session.",
                "Open interest in {names} futures stood near a record ahead of the news.")

OTHERS: tuple[Template, ...] = (
    Template("etf_inflows", "Block Ledger",
             "Spot bitcoin ETFs take in {flow} as their inflow streak reaches {streak} days",
             "US spot bitcoin exchange-traded funds recorded net inflows of {flow} on the day, "
             "the {streak}th session of new money in a row, led by the largest issuers. Ether "
             "funds saw smaller flows."),
    Template("etf_outflows", "Markets Wire",
             "Bitcoin ETFs see {flow} of outflows as advisers trim exposure",
             "US spot bitcoin funds had net outflows of {flow}, data from issuers show, as "
             "wealth managers rebalanced after a strong quarter. Analysts said basis-trade "
             "unwinds by hedge funds accounted for part of the redemptions."),
    Template("fed_minutes", "Macro Desk",
             "Fed minutes show officials in no hurry to cut rates",
             "Minutes of the Federal Reserve's latest meeting showed most officials want more "
             "evidence that inflation is heading back to 2% before cutting rates again, with "
             "several pointing to upside risks from tariffs."),
    Template("cpi", "Macro Desk",
             "US inflation comes in at {cpi}% as core prices hold steady",
             "Consumer prices in the United States were {cpi}% higher than a year earlier, in "
             "line with economists' forecasts, Labor Department data showed. Core prices, which "
             "exclude food and energy, were up {core}% on the month."),
    Template("payrolls", "Macro Desk",
             "US employers add {jobs} jobs; unemployment rate steady at {unemp}%",
             "Nonfarm payrolls grew by {jobs} last month and the unemployment rate held at "
             "{unemp}%, the Labor Department said. Wage growth slowed slightly, and traders kept "
             "bets on the timing of the next rate cut little changed."),
    Template("listing", "Block Ledger",
             "Derivatives exchange to list {meme} perpetuals with up to {lev}x leverage",
             "A large crypto derivatives venue said it will list USDT-margined perpetual "
             "contracts on the memecoin {meme}, with leverage capped at {lev}x at launch. "
             "Trading opens later today after a short pre-market period."),
    Template("stablecoin_supply", "Chain Daily",
             "Stablecoin supply climbs to a record {supply}",
             "The combined supply of dollar stablecoins reached a record {supply}, on-chain data "
             "show, as new issuance of USDT and USDC continued. Analysts read the growth as "
             "fresh cash waiting on the sidelines of crypto markets."),
    Template("sec_delay", "Block Ledger",
             "SEC delays its decision on spot {alt} ETF applications to {month}",
             "The Securities and Exchange Commission extended its review of several "
             "applications to list spot {alt} exchange-traded funds, pushing a decision to "
             "{month}. Issuers said they continue to work with the agency's staff."),
    Template("mining_difficulty", "Chain Daily",
             "Bitcoin mining difficulty sets a record as hashrate keeps climbing",
             "The network's mining difficulty adjusted upward to a new high, reflecting more "
             "computing power pointed at bitcoin, as large miners plug in new machines ahead "
             "of the summer. Miners' revenue per unit of hashrate is near its lowest in a year."),
    Template("treasury_buy", "Markets Wire",
             "Listed company adds {btc_n} bitcoin to its corporate treasury",
             "A US-listed company said it bought {btc_n} bitcoin over the past week, funded by "
             "a convertible bond sale, taking its holdings to a new high. Its shares trade at a "
             "premium to the value of the coins it holds."),
    Template("stablecoin_bill", "Macro Desk",
             "Senate committee advances a stablecoin bill with bipartisan support",
             "The Senate Banking Committee voted to send a bill setting federal rules for "
             "dollar stablecoin issuers to the full chamber, with support from both parties. "
             "The bill requires one-to-one reserves and monthly disclosures."),
    Template("treasury_auction", "Macro Desk",
             "Dollar firms as Treasury yields climb before a {tenor} auction",
             "The dollar strengthened against major currencies and Treasury yields moved higher "
             "ahead of a {tenor} note auction, as investors made room for fresh supply. Gold "
             "held near its record."),
    Template("token_unlock", "Chain Daily",
             "{unlock_token} faces a {unlock_amt} token unlock this week",
             "About {unlock_amt} worth of {unlock_token} tokens held by early investors and the "
             "team become transferable this week under the project's vesting schedule, one of "
             "the larger unlocks of the month."),
)


def _sentence_start(text: str) -> str:
    """Capitalize a headline's first letter, leaving names that start lower-case (xAI)."""
    first = text.split(" ", 1)[0]
    if any(c.isupper() for c in first[1:]):
        return text
    return text[:1].upper() + text[1:]


def fill(template: Template, fields: Fields) -> tuple[str, str]:
    """The template's headline and body with its placeholders filled."""
    return (_sentence_start(template.title.format_map(fields)),
            template.body.format_map(fields))


def make_story(template: Template, story_id: str, at: datetime, fields: Fields, ai: bool,
               kind: str, extra: str = "", triggers: str | None = None,
               covers: str | None = None) -> Story:
    """A Story from a template; `extra` (already filled) ends the body."""
    title, body = fill(template, fields)
    body = f"{body} {extra}" if extra else body
    return Story(id=story_id, published_at=at, source=template.source, title=title, body=body,
                 ai=ai, kind=kind, triggers=triggers, covers=covers)
