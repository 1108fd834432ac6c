"""One story, many outlets: the first copy is published, later copies are counted.

A story is a copy of an earlier one when it has the same news_id from another source
(same URL or guid), the same canonical URL, or a title that says the same thing:
content words (stop words dropped, light stemming, numbers such as "$1B" and
"$1 billion" made equal) overlapping by a Dice coefficient of at least `threshold`, with
at least `min_shared` words in common, published within `window_ms` of each other.
Decisions depend only on the order stories are offered in (a copy is attributed to the
most similar earlier story, then the earliest published, then the smallest id), so they
are deterministic.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass

from connectors.news.urls import canonical_url

STOP_WORDS = frozenset("""
a an the of to in on for and or as at by with from its it it's is are was were be been
has have had after says said say new over into amid than that this how why what who
his her their our your via about just now report reports reportedly
""".split())
_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "b": 1e9,
          "bn": 1e9, "billion": 1e9, "t": 1e12, "tn": 1e12, "trillion": 1e12}
_NUMBER = re.compile(r"(?<![a-z0-9])\$?(\d+(?:[.,]\d+)*)\s*"
                     r"(k|m|mn|b|bn|t|tn|thousand|million|billion|trillion)?\b")
_WORD = re.compile(r"[a-z0-9]+")


def _number(match: re.Match[str]) -> str:
    digits, scale = match.group(1), match.group(2)
    value = float(digits.replace(",", "")) * _SCALE.get(scale or "", 1.0)
    return f" {value:.0f} " if value >= 1 else f" {value:g} "


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def title_words(title: str, source: str = "") -> frozenset[str]:
    """The content words of a headline, normalized for comparison across outlets."""
    text = title.lower().replace("’", "'")
    if source:
        text = re.sub(rf"\s+[|\-–—]\s+{re.escape(source.lower())}\s*$", "", text)
    text = re.sub(r"'s\b", "", text)
    text = _NUMBER.sub(_number, text)
    return frozenset(_stem(w) for w in _WORD.findall(text) if w not in STOP_WORDS)


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    """2|A∩B| / (|A|+|B|): 1 for the same words, 0 for none in common."""
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 0.0


@dataclass(frozen=True, slots=True)
class Duplicate:
    """Why a story was held back, and the story that was published instead."""

    reason: str  # same_id | same_url | similar_title
    first_id: str
    first_source: str
    similarity: float = 1.0


@dataclass(slots=True)
class _Seen:
    news_id: str
    source: str
    published_at: int
    words: frozenset[str]
    url: str


class StoryDeduper:
    """Remembers the last `memory` stories kept (ids, URLs and headline words, the words
    indexed for lookup) and tells whether an offered story repeats one of them."""

    def __init__(self, window_ms: int, threshold: float, min_shared: int = 3,
                 memory: int = 20_000) -> None:
        self.window_ms = window_ms
        self.threshold = threshold
        self.min_shared = min_shared
        self.memory = memory
        self._ids: OrderedDict[str, _Seen] = OrderedDict()
        self._urls: dict[str, _Seen] = {}
        self._by_word: dict[str, set[str]] = {}

    def offer(self, item: dict) -> Duplicate | None:
        """None if `item` is a new story (now remembered), else why it is a copy."""
        first = self._ids.get(item["news_id"])
        if first is not None:
            return Duplicate("same_id", first.news_id, first.source)
        url = canonical_url(item.get("url") or "")
        first = self._urls.get(url) if url else None
        if first is not None:
            return Duplicate("same_url", first.news_id, first.source)
        words = title_words(item["title"], item["source"])
        match = self._similar(words, item["published_at"])
        if match is not None:
            return match
        self._remember(_Seen(item["news_id"], item["source"], item["published_at"], words,
                             url))
        return None

    def _similar(self, words: frozenset[str], published_at: int) -> Duplicate | None:
        shared: dict[str, int] = {}
        for word in words:
            for news_id in self._by_word.get(word, ()):
                shared[news_id] = shared.get(news_id, 0) + 1
        candidates = []
        for news_id, n in shared.items():
            old = self._ids[news_id]
            if n < self.min_shared or abs(old.published_at - published_at) > self.window_ms:
                continue
            score = dice(words, old.words)
            if score >= self.threshold:
                candidates.append((-score, old.published_at, news_id))
        if not candidates:
            return None
        score, _, news_id = min(candidates)
        old = self._ids[news_id]
        return Duplicate("similar_title", old.news_id, old.source, round(-score, 3))

    def _remember(self, seen: _Seen) -> None:
        self._ids[seen.news_id] = seen
        if seen.url:
            self._urls[seen.url] = seen
        for word in seen.words:
            self._by_word.setdefault(word, set()).add(seen.news_id)
        while len(self._ids) > self.memory:
            _, old = self._ids.popitem(last=False)
            if self._urls.get(old.url) is old:
                del self._urls[old.url]
            for word in old.words:
                ids = self._by_word[word]
                ids.discard(old.news_id)
                if not ids:
                    del self._by_word[word]
