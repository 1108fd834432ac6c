"""Play a raw recording back through local exchange servers to the real connectors.

Each recorded venue gets an ExchangeServer speaking its protocol; the connectors connect
and subscribe as they would live. Recorded pushes then go back to the connection with
the same subscription, in receive order, paced by receive time (or as fast as the
connector takes them); recorded acks and pongs are left out because the server makes
its own; a recorded reconnect drops that connection so the connector reconnects,
resubscribes and reports the gap as it did live. A `ReplayClock` stands in for the wall
clock, so receive times, gaps and watermarks carry the recorded times.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from connectors.live.recording import CONNECT, MSG, RawEvent
from connectors.live.session import Session
from connectors.testing.protocols import protocols_for
from connectors.testing.server import ExchangeProtocol, ExchangeServer
from connectors.testing.waiting import until
from connectors.venue import Venue

log = logging.getLogger("liqwatch.connectors")
Progress = Callable[[int, int], None]


class ReplayClock:
    """Recorded time: the receive time of the frame being played, moving on with the wall
    clock × speed between frames when paced."""

    def __init__(self, start_ms: int, speed: float | None) -> None:
        self.speed = speed
        self._t = start_ms
        self._set_at = time.monotonic()

    def set(self, t_ms: int) -> None:
        """The frame received at `t_ms` is being played now."""
        self._t = max(self._t, t_ms)
        self._set_at = time.monotonic()

    def __call__(self) -> int:
        if self.speed is None:
            return self._t
        return self._t + int((time.monotonic() - self._set_at) * 1000 * self.speed)


@dataclass(frozen=True, slots=True)
class _Route:
    server: ExchangeServer
    protocol: ExchangeProtocol
    path: str
    topics: frozenset[str]


class Playback:
    """Servers for the recorded venues and the routing of recorded connections to them."""

    def __init__(self, venue_names: Iterable[str]) -> None:
        self.servers = {name: ExchangeServer(protocols_for(name)) for name in venue_names}
        self.routes: dict[tuple[str, str], _Route] = {}
        self.stats: Counter = Counter()

    async def start(self) -> None:
        """Listen on free loopback ports."""
        for server in self.servers.values():
            await server.start()

    async def stop(self) -> None:
        """Close every connection and stop listening."""
        for server in self.servers.values():
            await server.stop()

    def ws_url(self, venue: str) -> str:
        """What to configure as the venue's `ws_url`."""
        return self.servers[venue].url("")

    def route(self, venue: Venue, trade_symbols: Sequence[str]) -> None:
        """Learn where each of the venue's connections lands and what it subscribes to."""
        server = self.servers[venue.name]
        for sub in venue.subscriptions(trade_symbols):
            url = urlsplit(sub.url)
            proto = server.protocols[url.path]
            topics = type(proto)().topics_of(dict(parse_qsl(url.query)), sub.frames)
            self.routes[(venue.name, sub.key)] = _Route(server, proto, url.path, topics)

    async def wait_subscribed(self, timeout_s: float = 30.0) -> None:
        """Wait until every connection is up and subscribed."""
        for route in self.routes.values():
            await route.server.wait_for(
                lambda r=route: r.server.has_subscriber(r.path, r.topics), timeout_s)

    async def play(self, events: Iterable[RawEvent], sessions: Sequence[Session],
                   clock: ReplayClock, progress: Progress | None = None, total: int = 0,
                   ack_timeout_s: float = 10.0) -> Counter:
        """Play `events`; each push waits until its session has handled it, so the clock
        never runs ahead of what the connector has seen. Returns counts by outcome."""
        by_key = {(s.venue.name, s.sub.key): s for s in sessions}
        seen_connect: set[tuple[str, str]] = set()
        wall0, first_t = time.monotonic(), None
        for n, ev in enumerate(events, start=1):
            key = (ev.venue, ev.conn)
            route, session = self.routes.get(key), by_key.get(key)
            if route is None or session is None:
                self.stats["unrouted"] += 1
                continue
            first_t = ev.t if first_t is None else first_t
            await self._pace(clock, wall0, ev.t - first_t)
            if ev.kind == CONNECT:
                if key in seen_connect:
                    clock.set(ev.t)
                    await self._reconnect(route, session)
                seen_connect.add(key)
            elif ev.kind == MSG and route.protocol.is_push(ev.text):
                clock.set(ev.t)
                goal = session.messages + 1
                if await route.server.send_to(route.path, route.topics, ev.text):
                    await self._handled(session, goal, ack_timeout_s)
                else:
                    self.stats["not_connected"] += 1
            else:
                self.stats["control"] += 1
            if progress is not None and n % 1_000 == 0:
                progress(n, total)
        return self.stats

    async def _pace(self, clock: ReplayClock, wall0: float, offset_ms: int) -> None:
        if clock.speed is None:
            return
        wait = wall0 + offset_ms / 1000 / clock.speed - time.monotonic()
        if wait > 0.001:
            await asyncio.sleep(wait)

    async def _handled(self, session: Session, goal: int, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while session.messages < goal:
            if time.monotonic() > deadline:
                self.stats["unacknowledged"] += 1
                log.warning("playback: %s %s did not take a frame within %.0f s",
                            session.venue.name, session.sub.key, timeout_s)
                return
            await asyncio.sleep(0)
        self.stats["pushed"] += 1

    async def _reconnect(self, route: _Route, session: Session) -> None:
        connects = session.connects
        await route.server.drop_subscriber(route.path, route.topics)
        await until(lambda: session.connects > connects
                    and route.server.has_subscriber(route.path, route.topics), 60.0,
                    f"{session.venue.name} {session.sub.key} reconnecting")
        self.stats["reconnects"] += 1
