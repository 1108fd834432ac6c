"""A local websocket server that speaks an exchange's protocol, for tests and raw replays.

Each exchange's server-side behaviour (subscribe handshake and acks, ping/pong, message
framing) is an `ExchangeProtocol` in `connectors/testing/protocols/`; the server hosts
one protocol per URL path, tracks what each connection subscribed to, lets the caller
push exchange messages to subscribers, and can drop every connection or refuse new
ones, to exercise reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from aiohttp import WSMsgType, web


@dataclass(slots=True)
class Reply:
    """What the server answers to a client frame: text frames to send and topics the
    connection is now subscribed to."""

    frames: list[str] = field(default_factory=list)
    subscribe: list[str] = field(default_factory=list)


class ExchangeProtocol(ABC):
    """The server side of one exchange's websocket protocol."""

    def on_connect(self, query: dict[str, str]) -> Reply:
        """A client connected (URL query given); e.g. Binance subscribes by URL."""
        return Reply()

    @abstractmethod
    def on_text(self, text: str) -> Reply:
        """Answer one client text frame (subscribe, ping, …)."""

    def topic_of(self, message: str) -> str | None:
        """The topic a pushed message belongs to (None: send to every subscriber)."""
        return None

    def is_push(self, message: str) -> bool:
        """True for data the exchange pushes to subscribers; False for answers to client
        frames (acks, pongs, errors, greetings), which this server makes itself, so a raw
        replay leaves recorded ones out."""
        try:
            return self.topic_of(message) is not None
        except ValueError:
            return False

    def topics_of(self, query: dict[str, str], frames: Iterable[str]) -> frozenset[str]:
        """The topics a connection with this URL query sending `frames` subscribes to."""
        topics = set(self.on_connect(query).subscribe)
        for frame in frames:
            topics.update(self.on_text(frame).subscribe)
        return frozenset(topics)


@dataclass(eq=False)
class _Conn:
    ws: web.WebSocketResponse
    path: str
    topics: set[str] = field(default_factory=set)


class ExchangeServer:
    """Serves several exchange protocols on one loopback port, one URL path each."""

    def __init__(self, protocols: dict[str, ExchangeProtocol], port: int = 0) -> None:
        self.protocols = protocols
        self.port = port
        self.conns: list[_Conn] = []
        self.connections_total = 0
        self.refuse = False
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Condition()

    def url(self, path: str) -> str:
        """Websocket URL of a protocol's path."""
        return f"ws://127.0.0.1:{self.port}{path}"

    async def start(self) -> None:
        """Listen (on the same port as before after a stop)."""
        app = web.Application()
        for path in self.protocols:
            app.router.add_get(path, self._handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        if not self.port:
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        """Close every connection and stop listening."""
        await self.drop_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def drop_all(self) -> None:
        """Close every open connection abruptly (a venue outage)."""
        await self.drop(lambda conn: True)

    async def drop_subscriber(self, path: str, topics: frozenset[str]) -> None:
        """Close the connections on `path` subscribed to exactly `topics`."""
        await self.drop(lambda conn: conn.path == path and conn.topics == topics)

    async def drop(self, which: Callable[[_Conn], bool]) -> None:
        """Close the connections `which(conn)` selects."""
        for conn in [c for c in self.conns if which(c)]:
            with contextlib.suppress(Exception):
                await conn.ws.close(code=1011, message=b"server going away")
        await self._notify()

    async def push(self, path: str, messages: Iterable[str]) -> int:
        """Send exchange messages to the path's connections subscribed to their topic;
        returns how many frames were sent."""
        proto = self.protocols[path]
        sent = 0
        for text in messages:
            topic = proto.topic_of(text)
            for conn in list(self.conns):
                if conn.path == path and conn.topics and (topic is None or topic in conn.topics):
                    with contextlib.suppress(ConnectionError, RuntimeError):
                        await conn.ws.send_str(text)
                        sent += 1
        return sent

    async def send_to(self, path: str, topics: frozenset[str], text: str) -> int:
        """Send one frame to the connections on `path` subscribed to exactly `topics`
        (a recorded connection's messages go back to the same connection)."""
        sent = 0
        for conn in list(self.conns):
            if conn.path == path and conn.topics == topics:
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await conn.ws.send_str(text)
                    sent += 1
        return sent

    def has_subscriber(self, path: str, topics: frozenset[str]) -> bool:
        """True when a connection on `path` is subscribed to exactly `topics`."""
        return any(c.path == path and c.topics == topics for c in self.conns)

    def subscribed(self, path: str, topic: str | None = None) -> bool:
        """True when a connection on `path` is subscribed (to `topic`, if given)."""
        return any(c.path == path and c.topics and (topic is None or topic in c.topics)
                   for c in self.conns)

    async def wait_for(self, predicate, timeout_s: float = 10.0) -> None:
        """Wait until `predicate()` holds (re-checked on every connection change)."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout_s)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _handle(self, request: web.Request) -> web.WebSocketResponse:
        if self.refuse:
            raise web.HTTPServiceUnavailable()
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        proto = self.protocols[request.path]
        conn = _Conn(ws, request.path)
        self.conns.append(conn)
        self.connections_total += 1
        try:
            await self._apply(conn, proto.on_connect(dict(request.query)))
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                await self._apply(conn, proto.on_text(msg.data))
        finally:
            self.conns.remove(conn)
            await self._notify()
        return ws

    async def _apply(self, conn: _Conn, reply: Reply) -> None:
        for frame in reply.frames:
            await conn.ws.send_str(frame)
        if reply.subscribe:
            conn.topics.update(reply.subscribe)
            await self._notify()
