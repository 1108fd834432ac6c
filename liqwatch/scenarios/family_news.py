"""News for the scenario family: triggers, coverage, AI stories with no reaction, other news.

Placement rules keep every label unambiguous for a correlator with a lead window of up to
LEAD_WINDOW (6 h):
  - a triggered cascade's story is published TRIGGER_DELAY before its onset;
  - the only AI story in any cascade's lead window (LEAD_WINDOW + QUIET_MARGIN before its
    onset) is that cascade's own trigger, and no AI story falls during a cascade or in the
    hour after it, except its own coverage;
  - coverage comes COVERAGE_DELAY after onset, after the cascade's end, and keeps out of
    every other cascade's lead window and span; it reports the injected numbers;
  - AI stories with no market reaction keep clear of all of that, and AI_STORY_SPACING
    from other AI stories.
Other (non-AI) news goes anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from liqwatch.scenarios.cascades import Plan
from liqwatch.scenarios.market import ASSETS
from liqwatch.scenarios.news import Story
from liqwatch.scenarios.stories import (CAUSE_FRAMES, COVERAGE, CRYPTO_LINES, EVENTS, NO_CAUSE,
                                        OTHERS, Fields, Template, make_story, usd)
from liqwatch.scenarios.timeline import Interval, around, pick_time

LEAD_WINDOW = timedelta(hours=6)
QUIET_MARGIN = timedelta(minutes=10)
TRIGGER_DELAY = (5.0, 180.0)  # minutes, log-uniform
COVERAGE_DELAY = (timedelta(hours=1), timedelta(hours=24))
AFTER_END = timedelta(hours=1)
AI_STORY_SPACING = timedelta(hours=1)
CRYPTO_LINE_SHARE = {"trigger": 0.7, "quiet": 0.5}
NAMES = {"BTC": "bitcoin", "ETH": "ether", "SOL": "solana", "XRP": "XRP", "DOGE": "dogecoin",
         "FET": "FET", "RENDER": "RENDER", "TAO": "TAO", "WLD": "WLD"}
TONE = {"long": "bearish", "short": "bullish"}


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _lead_time(delay: timedelta) -> str:
    minutes = delay.total_seconds() / 60
    if minutes < 90:
        return f"about {max(5, int(round(minutes / 5)) * 5)} minutes"
    return f"about {minutes / 60:.1f} hours".replace(".0 hours", " hours")


def _pct(x: float) -> str:
    return f"{abs(x) * 100:.1f}%"


@dataclass(frozen=True)
class _Event:
    """An AI event story with the template and fields it was written from."""

    story: Story
    template: Template
    fields: Fields


class _Bank:
    """Templates drawn without replacement while they last, then again from the start."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def draw(self, templates: tuple[Template, ...]) -> Template:
        fresh = [t for t in templates if t.name not in self.used] or list(templates)
        choice = fresh[int(self.rng.integers(len(fresh)))]
        self.used.add(choice.name)
        return choice


class _Desk:
    """Writes the stories of one scenario and keeps their ids unique."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.bank = _Bank(rng)
        self.stories: list[Story] = []

    def _id(self, at: datetime, template: Template) -> str:
        base = f"news-{at:%Y%m%d-%H%M}-{template.name.replace('_', '-')}"
        taken = {s.id for s in self.stories}
        story_id, n = base, 1
        while story_id in taken:
            n += 1
            story_id = f"{base}-{n}"
        return story_id

    def _crypto_line(self, assets: tuple[str, ...], share: float) -> str:
        if self.rng.random() >= share:
            return ""
        line = CRYPTO_LINES[int(self.rng.integers(len(CRYPTO_LINES)))]
        names = [NAMES[a] for a in assets[:3]]
        return line.format(names=_join(names), have="has" if len(names) == 1 else "have")

    def event(self, at: datetime, templates: tuple[Template, ...], assets: tuple[str, ...],
              line_share: float, triggers: str | None = None) -> _Event:
        """An AI event story (kept with its fields, so coverage can name it as the cause)."""
        template = self.bank.draw(templates)
        fields = Fields(self.rng)
        story = make_story(template, self._id(at, template), at, fields, ai=True, kind="event",
                           extra=self._crypto_line(assets, line_share), triggers=triggers)
        self.stories.append(story)
        return _Event(story, template, fields)

    def coverage(self, at: datetime, plan: Plan, cause: str, triggered: bool) -> Story:
        """A story reporting the cascade's numbers after the fact; AI if news set it off."""
        c = plan.cascade
        template = self.bank.draw(COVERAGE[c.liquidated_side])
        by_size = sorted(c.assets, key=lambda a: -c.notional_usd[a])
        names = _join([NAMES[a] for a in by_size[:3]])
        sector = c.scope == "sector" and c.key == "ai"
        if sector:
            names = f"AI tokens {names}"
        x = float(c.notional_x or 0.0)
        length = (c.end - c.onset).total_seconds() / 60
        fields = Fields(self.rng, {
            "names": names, "lead": NAMES[by_size[0]], "s": "s" if len(c.assets) == 1 else "",
            "group": "AI tokens" if sector else "crypto" if c.scope == "market" else names,
            "total": usd(sum(c.notional_usd.values())), "move": _pct(plan.moves[by_size[0]]),
            "minutes": str(max(5, int(round(length / 5)) * 5)),
            "orders": f"{max(10, int(round(plan.orders, -1))):,}",
            "jump_hour": f"{round(x / 4 * 100, -1):,.0f}%",
            "jump_day": f"{round(x / 96 * 100, -1):,.0f}%", "weekday": f"{c.onset:%A}"})
        story = make_story(template, self._id(at, template), at, fields,
                           ai=sector or triggered, kind="coverage",
                           extra=cause, covers=c.id)
        self.stories.append(story)
        return story

    def other(self, at: datetime) -> Story:
        """A non-AI story: macro, flows, listings, regulation of crypto."""
        template = self.bank.draw(OTHERS)
        story = make_story(template, self._id(at, template), at, Fields(self.rng), ai=False,
                           kind="other")
        self.stories.append(story)
        return story


def _tone(tone: str) -> tuple[Template, ...]:
    return tuple(t for t in EVENTS if t.tone == tone)


def _cause(rng: np.random.Generator, plan: Plan, trigger: _Event | None) -> str:
    """The sentence that ends coverage: what set the cascade off, or that nothing did."""
    if trigger is None:
        return NO_CAUSE[int(rng.integers(len(NO_CAUSE)))]
    frame = CAUSE_FRAMES[int(rng.integers(len(CAUSE_FRAMES)))]
    return frame.format(cause=trigger.template.cause.format_map(trigger.fields),
                        lead_time=_lead_time(plan.cascade.onset - trigger.story.published_at))


def place_news(rng: np.random.Generator, start: datetime, end: datetime, plans: list[Plan],
               quiet: int, others: int,
               coverage_share: float) -> tuple[list[Story], dict[str, str]]:
    """The scenario's stories in publication order, and each triggered cascade's story id."""
    desk = _Desk(rng)
    triggers: dict[str, _Event] = {}
    for p in plans:
        if p.triggered:
            delay = timedelta(minutes=float(np.exp(rng.uniform(*np.log(TRIGGER_DELAY)))))
            at = (p.cascade.onset - delay).replace(microsecond=0)
            triggers[p.cascade.id] = desk.event(
                at, _tone(TONE[p.cascade.liquidated_side]), p.cascade.assets,
                CRYPTO_LINE_SHARE["trigger"], triggers=p.cascade.id)
    zones = {p.cascade.id: (p.cascade.onset - LEAD_WINDOW - QUIET_MARGIN,
                            p.cascade.end + AFTER_END) for p in plans}
    for p in plans:
        if rng.random() >= coverage_share:
            continue
        c = p.cascade
        lo = max(c.onset + COVERAGE_DELAY[0], c.end + timedelta(minutes=15))
        at = pick_time(rng, start, lo, min(c.onset + COVERAGE_DELAY[1], end),
                       [z for cid, z in zones.items() if cid != c.id])
        if at is not None:
            trigger = triggers.get(c.id)
            desk.coverage(at, p, _cause(rng, p, trigger), trigger is not None)
    for _ in range(quiet):
        taken: list[Interval] = [around(s.published_at, AI_STORY_SPACING)
                                 for s in desk.stories if s.ai]
        at = pick_time(rng, start, start, end - timedelta(minutes=10), [*zones.values(), *taken])
        if at is not None:
            assets = tuple(str(a) for a in rng.choice(tuple(ASSETS), int(rng.integers(1, 4)),
                                                       replace=False))
            desk.event(at, EVENTS, assets, CRYPTO_LINE_SHARE["quiet"])
    for _ in range(others):
        at = pick_time(rng, start, start, end - timedelta(minutes=10))
        if at is not None:
            desk.other(at)
    stories = sorted(desk.stories, key=lambda s: (s.published_at, s.id))
    return stories, {cid: event.story.id for cid, event in triggers.items()}
