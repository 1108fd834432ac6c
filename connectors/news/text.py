"""HTML fragments (feed descriptions, API bodies) to plain text.

Feeds put markup, entities and scripts in titles and descriptions; the lexicon and the
analysts want the words only.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK_TAGS = frozenset({"p", "br", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5",
                         "h6", "blockquote", "tr", "table", "figcaption", "section"})
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template"})
_SPACE = re.compile(r"\s+")


class _TextExtractor(HTMLParser):
    """Collects character data, with a space at block boundaries, skipping scripts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _SKIP_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(fragment: str | None) -> str:
    """Tags removed, entities decoded, white space collapsed to single spaces."""
    if not fragment:
        return ""
    parser = _TextExtractor()
    parser.feed(fragment)
    parser.close()
    return _SPACE.sub(" ", "".join(parser.parts)).strip()
