"""Local stand-ins for Slack, Discord and Telegram and a generic JSON receiver. Each checks
the payload the way its service documents it and answers in the service's shape (Slack
"ok", Discord's message object with `id` when wait=true, Telegram {"ok", "result"}), so a
test fails on a payload the real service would refuse. `script` makes the next answers
of a service fail (e.g. 503 then 429 with Retry-After); `always` makes every one fail (generic receivers are keyed "hook/<name>")."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

import orjson
from aiohttp import web

from connectors.testing.http import LoopbackSite

TELEGRAM_TOKEN = "123456:TEST-token"
TELEGRAM_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code",
                 "pre", "tg-spoiler", "span", "blockquote"}


class _TelegramHtml(HTMLParser):
    """Telegram's HTML parse mode: only its tags; `<`, `>`, `&` in text must be escaped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.errors: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in TELEGRAM_TAGS:
            self.errors.append(f"unsupported tag <{tag}>")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def telegram_text_errors(text: str) -> list[str]:
    """Why Telegram would refuse `text` in HTML mode (empty list: it would accept it)."""
    if re.search(r"&(?!(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)", text):
        return ["unescaped &"]
    parser = _TelegramHtml()
    parser.feed(text)
    parser.close()
    plain = "".join(parser.text)
    if not 1 <= len(plain) <= 4096:
        parser.errors.append(f"text length {len(plain)} not in 1..4096")
    return parser.errors


def slack_errors(doc: object) -> list[str]:
    """Why a Slack incoming webhook would answer invalid_payload / no_text."""
    if not isinstance(doc, dict):
        return ["invalid_payload"]
    errors = []
    if not doc.get("text") and not doc.get("blocks"):
        errors.append("no_text")
    for block in doc.get("blocks", []):
        kind = block.get("type")
        if kind == "header" and (block["text"]["type"] != "plain_text"
                                 or len(block["text"]["text"]) > 150):
            errors.append("invalid_blocks: header")
        elif kind == "section" and len(block["text"]["text"]) > 3000:
            errors.append("invalid_blocks: section")
        elif kind == "context" and not block.get("elements"):
            errors.append("invalid_blocks: context")
        elif kind not in ("header", "section", "context", "divider"):
            errors.append(f"invalid_blocks: {kind}")
    for text in re.findall(r"<[^>]*>", doc.get("text", "")):
        errors.append(f"unescaped control sequence {text}")
    return errors


def discord_errors(doc: object) -> list[str]:
    """Why Discord would answer 400 to an execute/edit body."""
    if not isinstance(doc, dict):
        return ["not an object"]
    errors = []
    if not doc.get("content") and not doc.get("embeds"):
        errors.append("Cannot send an empty message")
    if len(doc.get("content") or "") > 2000:
        errors.append("content over 2000")
    embeds = doc.get("embeds") or []
    if len(embeds) > 10:
        errors.append("over 10 embeds")
    for e in embeds:
        if len(e.get("title", "")) > 256 or len(e.get("description", "")) > 4096:
            errors.append("embed field too long")
        if not isinstance(e.get("color", 0), int) or not 0 <= e.get("color", 0) <= 0xFFFFFF:
            errors.append("bad colour")
    return errors


@dataclass
class Receivers:
    """One local server holding every service's endpoint and what each received."""

    slack: list[dict] = field(default_factory=list)
    discord: dict[str, dict] = field(default_factory=dict)         # id -> current message
    discord_log: list[tuple[str, str]] = field(default_factory=list)  # (op, id)
    telegram: dict[int, dict] = field(default_factory=dict)        # message_id -> message
    telegram_log: list[tuple[str, int]] = field(default_factory=list)
    generic: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=dict)
    script: dict[str, list[tuple[int, dict, object]]] = field(default_factory=dict)
    always: dict[str, int] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    site: LoopbackSite = field(default_factory=LoopbackSite)

    def url(self, path: str) -> str:
        return self.site.url(path)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/slack/{hook:.*}", self._slack)
        app.router.add_post("/api/webhooks/{id}/{token}", self._discord_execute)
        app.router.add_patch("/api/webhooks/{id}/{token}/messages/{mid}", self._discord_edit)
        app.router.add_post("/bot{token}/{method}", self._telegram)
        app.router.add_post("/hook/{name}", self._generic)
        await self.site.start(app)

    async def stop(self) -> None:
        await self.site.stop()

    def _scripted(self, service: str) -> web.Response | None:
        """A scripted or permanent failure for `service`, if any is due."""
        self.requests[service] = self.requests.get(service, 0) + 1
        if service in self.always:
            return web.Response(status=self.always[service], text="unavailable")
        queue = self.script.get(service)
        if queue:
            status, headers, body = queue.pop(0)
            data = body if isinstance(body, str) else orjson.dumps(body).decode()
            return web.Response(status=status, headers=headers, text=data,
                                content_type="application/json")
        return None

    async def _json(self, request: web.Request, service: str) -> object:
        if request.content_type != "application/json":
            self.errors.append(f"{service}: content type {request.content_type}")
        return orjson.loads(await request.read())

    async def _slack(self, request: web.Request) -> web.Response:
        if (failed := self._scripted("slack")) is not None:
            return failed
        doc = await self._json(request, "slack")
        if errors := slack_errors(doc):
            self.errors += [f"slack: {e}" for e in errors]
            return web.Response(status=400, text=errors[0])
        self.slack.append(doc)
        return web.Response(text="ok")

    async def _discord_execute(self, request: web.Request) -> web.Response:
        if (failed := self._scripted("discord")) is not None:
            return failed
        doc = await self._json(request, "discord")
        if errors := discord_errors(doc):
            self.errors += [f"discord: {e}" for e in errors]
            return web.json_response({"message": "Invalid Form Body", "code": 50035}, status=400)
        if request.query.get("wait") != "true":
            self.errors.append("discord: execute without wait=true gives no message id")
            return web.Response(status=204)
        mid = str(10**17 + next(self._ids))
        self.discord[mid] = {"id": mid, "channel_id": "42", **doc}
        self.discord_log.append(("create", mid))
        return web.json_response(self.discord[mid])

    async def _discord_edit(self, request: web.Request) -> web.Response:
        if (failed := self._scripted("discord")) is not None:
            return failed
        mid = request.match_info["mid"]
        doc = await self._json(request, "discord")
        if mid not in self.discord:
            self.errors.append(f"discord: edit of unknown message {mid}")
            return web.json_response({"message": "Unknown Message", "code": 10008}, status=404)
        if errors := discord_errors(doc):
            self.errors += [f"discord: {e}" for e in errors]
            return web.json_response({"message": "Invalid Form Body", "code": 50035}, status=400)
        self.discord[mid].update(doc)
        self.discord_log.append(("edit", mid))
        return web.json_response(self.discord[mid])

    def _telegram_error(self, code: int, description: str) -> web.Response:
        self.errors.append(f"telegram: {description}")
        return web.json_response({"ok": False, "error_code": code, "description": description},
                                 status=code)

    async def _telegram(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TELEGRAM_TOKEN:
            return self._telegram_error(401, "Unauthorized")
        if (failed := self._scripted("telegram")) is not None:
            return failed
        method = request.match_info["method"]
        doc = await self._json(request, "telegram")
        if not isinstance(doc, dict) or not doc.get("chat_id") or not doc.get("text"):
            return self._telegram_error(400, "Bad Request: chat_id and text are required")
        errors = telegram_text_errors(doc["text"]) if doc.get("parse_mode") == "HTML" else [
            "parse_mode is not HTML"]
        if errors:
            return self._telegram_error(400, f"Bad Request: can't parse entities: {errors[0]}")
        if method == "sendMessage":
            mid = next(self._ids)
            self.telegram[mid] = {"message_id": mid, "chat": {"id": doc["chat_id"]},
                                  "text": doc["text"]}
            self.telegram_log.append(("create", mid))
            return web.json_response({"ok": True, "result": self.telegram[mid]})
        if method == "editMessageText":
            mid = doc.get("message_id")
            if mid not in self.telegram:
                return self._telegram_error(400, "Bad Request: message to edit not found")
            if self.telegram[mid]["text"] == doc["text"]:
                return web.json_response({"ok": False, "error_code": 400, "description":
                                          "Bad Request: message is not modified"}, status=400)
            self.telegram[mid]["text"] = doc["text"]
            self.telegram_log.append(("edit", mid))
            return web.json_response({"ok": True, "result": self.telegram[mid]})
        return self._telegram_error(404, "Not Found")

    async def _generic(self, request: web.Request) -> web.Response:
        if (failed := self._scripted(f"hook/{request.match_info['name']}")) is not None:
            return failed
        doc = await self._json(request, "generic")
        if not isinstance(doc, dict) or doc.get("event") not in ("alert.created",
                                                                 "alert.updated"):
            self.errors.append("generic: no event")
            return web.Response(status=400)
        self.generic.append(doc)
        return web.Response(status=204)


@contextlib.contextmanager
def serve_in_thread(rx: Receivers) -> Iterator[Receivers]:
    """Serve `rx` from its own thread and loop, for code that runs its own event loop
    (a replay's asyncio.run); read what it received once the block's work is done."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="webhook-receivers", daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(rx.start(), loop).result(10)
    try:
        yield rx
    finally:
        asyncio.run_coroutine_threadsafe(rx.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
