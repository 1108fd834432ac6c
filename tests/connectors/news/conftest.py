"""A local HTTP server that publishes news documents the way outlets do (ETag,
Last-Modified, 304 on a matching conditional GET), and the feed documents the tests serve.

The stories are written for the tests: real companies and the DeepSeek week of January
2025, our wording; outlets are fictional (.example domains).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime

from aiohttp import web

from connectors.testing.http import LoopbackSite


@dataclass
class Document:
    """What the server answers on one path."""

    body: bytes
    content_type: str
    last_modified: datetime
    validators: bool = True   # False: a server that ignores conditional GET
    status: int = 200


@dataclass
class NewsServer:
    """Serves `documents` by path and records every request's headers."""

    documents: dict[str, Document] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    site: LoopbackSite = field(default_factory=LoopbackSite)

    def publish(self, path: str, body: str | bytes, content_type: str,
                last_modified: datetime, **kw: object) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.documents[path] = Document(data, content_type, last_modified, **kw)

    def url(self, path: str) -> str:
        return self.site.url(path)

    def etag(self, path: str) -> str:
        return '"' + hashlib.sha1(self.documents[path].body).hexdigest()[:16] + '"'

    def headers_of(self, path: str) -> list[dict[str, str]]:
        return [h for p, h in self.requests if p == path]

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests.append((request.path, dict(request.headers)))
        doc = self.documents.get(request.path)
        if doc is None:
            return web.Response(status=404, text="not found")
        if doc.status != 200:
            return web.Response(status=doc.status, text="unavailable")
        if not doc.validators:
            return web.Response(body=doc.body, content_type=doc.content_type)
        etag = self.etag(request.path)
        modified = format_datetime(doc.last_modified.astimezone(timezone.utc), usegmt=True)
        headers = {"ETag": etag, "Last-Modified": modified}
        if (request.headers.get("If-None-Match") == etag
                or request.headers.get("If-Modified-Since") == modified):
            return web.Response(status=304, headers=headers)
        return web.Response(body=doc.body, headers=headers, content_type=doc.content_type)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._handle)
        await self.site.start(app)

    async def stop(self) -> None:
        await self.site.stop()


def utc(text: str) -> datetime:
    """'2025-01-27 07:40' → aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def ms(text: str) -> int:
    """'2025-01-27 07:40' (UTC), or ISO with a zone → epoch ms."""
    dt = datetime.fromisoformat(text)
    return int((dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)).timestamp() * 1000)


RSS_ITEMS = {
    "app_store": """
    <item>
      <title><![CDATA[DeepSeek&#8217;s AI assistant overtakes ChatGPT as top free app on US App Store]]></title>
      <link>https://www.blockledger.example/tech/2025/01/26/deepseek-app-store/?utm_source=rss&amp;utm_medium=feed</link>
      <guid isPermaLink="false">BL-7731</guid>
      <dc:creator>Staff</dc:creator>
      <pubDate>Sun, 26 Jan 2025 14:30:00 -0500</pubDate>
      <description><![CDATA[<p>The chatbot, built on the <a href="https://x.example/r1">R1 reasoning
      model</a>, climbed to number one among free apps on Sunday &mdash; ahead of
      OpenAI&#39;s ChatGPT.</p><script>track()</script><img src="https://x.example/a.png"/>]]></description>
    </item>""",
    "futures": """
    <item>
      <title>Nasdaq futures set for a weak open as DeepSeek stokes doubts over AI spending</title>
      <link>https://www.blockledger.example/markets/2025/01/26/nasdaq-futures-deepseek/</link>
      <guid isPermaLink="false">BL-7735</guid>
      <pubDate>Sun, 26 Jan 2025 22:20:00 +0000</pubDate>
      <description>US stock index futures were poised to open lower &amp; chipmakers were seen under pressure.</description>
    </item>""",
    "liquidations": """
    <item>
      <title>Crypto liquidations top $1 billion as DeepSeek rattles markets</title>
      <link>https://www.blockledger.example/markets/2025/01/27/crypto-liquidations-1-billion/</link>
      <guid isPermaLink="false">BL-7761</guid>
      <pubDate>Mon, 27 Jan 2025 16:30:00 +0100</pubDate>
      <description><![CDATA[More than <b>$1 billion</b> of leveraged positions were liquidated in 24 hours, CoinGlass data show.]]></description>
    </item>""",
    "undated": """
    <item>
      <title>Nvidia says DeepSeek is 'an excellent AI advancement'</title>
      <link>https://www.blockledger.example/tech/nvidia-deepseek-statement/</link>
      <description>The chipmaker said inference still needs significant numbers of Nvidia GPUs.</description>
    </item>""",
    "bad_date": """
    <item>
      <title>Stargate partners name first Texas site</title>
      <link>https://www.blockledger.example/tech/stargate-texas/</link>
      <pubDate>Monday morning, Eastern</pubDate>
    </item>""",
    "no_title": """
    <item>
      <link>https://www.blockledger.example/markets/untitled/</link>
      <description>A story without a headline.</description>
      <pubDate>Mon, 27 Jan 2025 09:00:00 +0000</pubDate>
    </item>""",
}


def rss(*names: str) -> str:
    """An RSS 2.0 document holding the named items, in that order."""
    items = "".join(RSS_ITEMS[n] for n in names)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>Block Ledger</title>
    <link>https://www.blockledger.example</link>
    <atom:link href="https://www.blockledger.example/rss/" rel="self" type="application/rss+xml"/>
    <description>Crypto markets and technology</description>
    <language>en-us</language>{items}
  </channel>
</rss>"""


ATOM_ENTRIES = {
    "sacks": """
  <entry>
    <title type="html">White House AI czar David Sacks says there&amp;#8217;s &amp;quot;substantial evidence&amp;quot; DeepSeek distilled OpenAI models</title>
    <id>tag:techbrief.example,2025:sacks-distillation</id>
    <link rel="alternate" type="text/html" href="https://techbrief.example/2025/1/28/sacks-deepseek-distillation"/>
    <published>2025-01-28T14:40:00-05:00</published>
    <updated>2025-01-28T15:05:00-05:00</updated>
    <summary type="html">&lt;p&gt;David Sacks told Fox News there was &amp;ldquo;substantial evidence&amp;rdquo; of distillation. Crypto liquidations jumped more than 850% on Monday.&lt;/p&gt;</summary>
  </entry>""",
    "openai_ft": """
  <entry>
    <title>OpenAI says it found signs DeepSeek used its models</title>
    <id>https://techbrief.example/2025/1/29/openai-deepseek-evidence</id>
    <link rel="alternate" href="https://techbrief.example/2025/1/29/openai-deepseek-evidence"/>
    <updated>2025-01-29T08:10:00Z</updated>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>OpenAI told the Financial Times it had seen evidence of <em>distillation</em>.</p></div></content>
  </entry>""",
}


def atom(*names: str) -> str:
    """An Atom 1.0 document holding the named entries, in that order."""
    entries = "".join(ATOM_ENTRIES[n] for n in names)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <title>Tech Brief</title>
  <id>tag:techbrief.example,2025:feed</id>
  <link rel="self" href="https://techbrief.example/rss/index.xml"/>
  <updated>2025-01-29T08:10:00Z</updated>{entries}
</feed>"""
