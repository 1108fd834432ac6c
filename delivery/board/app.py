"""The board's HTTP routes: the page and its static files, the Server-Sent Events stream
of spikes and alerts, and the chart's JSON endpoints backed by ClickHouse."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import orjson
from aiohttp import web

from delivery.board import chart
from delivery.board.state import BoardState
from storage import Store, StoreError

log = logging.getLogger("liqwatch.board")

STATIC_DIR = Path(__file__).parent / "static"
STATE = web.AppKey("state", BoardState)
STORE = web.AppKey("store", Store)
SECTORS = web.AppKey("sectors", dict)
HEARTBEAT_S = web.AppKey("heartbeat_s", float)


def sse(event: str, data: object, seq: int | None = None) -> bytes:
    """One Server-Sent Events message (orjson output has no newlines, so one data line)."""
    head = f"id: {seq}\n" if seq is not None else ""
    return f"{head}event: {event}\ndata: ".encode() + orjson.dumps(data) + b"\n\n"


def _json(data: object, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json",
                        headers={"Cache-Control": "no-store"})


async def index(request: web.Request) -> web.FileResponse:
    """The single page."""
    return web.FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})


async def events(request: web.Request) -> web.StreamResponse:
    """`snapshot` (every held spike and alert, and the sectors) on connect, then one
    `spike` or `alert` message per newer version, with heartbeat comments between."""
    state, heartbeat = request.app[STATE], request.app[HEARTBEAT_S]
    resp = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                       "Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    await resp.prepare(request)
    snapshot, sub = state.subscribe()
    log.info("board client connected peer=%s clients=%d", request.remote, state.subscribers)
    try:
        await resp.write(b"retry: 2000\n\n" + sse(
            "snapshot", {**snapshot, "sectors": request.app[SECTORS]}, snapshot["seq"]))
        while True:
            try:
                update = await asyncio.wait_for(sub.queue.get(), heartbeat)
            except asyncio.TimeoutError:
                await resp.write(b": heartbeat\n\n")
                continue
            if update is None:
                break
            await resp.write(sse(update.kind, update.record, update.seq))
    except ConnectionResetError:
        pass
    finally:
        state.unsubscribe(sub)
        log.info("board client left peer=%s clients=%d", request.remote, state.subscribers)
    return resp


async def assets(request: web.Request) -> web.Response:
    """Assets with liquidations in the store, largest first."""
    try:
        rows = await asyncio.to_thread(chart.assets, request.app[STORE])
    except StoreError as exc:
        log.warning("board assets query failed error=%s", exc)
        return _json({"error": str(exc)}, 503)
    return _json({"assets": rows})


async def chart_data(request: web.Request) -> web.Response:
    """Liquidations per minute by side, spikes and AI news for ?assets=&hours=&end=."""
    try:
        query = chart.ChartQuery.from_params(request.query)
    except ValueError as exc:
        return _json({"error": str(exc)}, 400)
    try:
        data = await asyncio.to_thread(chart.chart, request.app[STORE], query)
    except StoreError as exc:
        log.warning("board chart query failed error=%s", exc)
        return _json({"error": str(exc)}, 503)
    return _json(data)


async def _end_streams(app: web.Application) -> None:
    app[STATE].close_all()


def make_app(state: BoardState, store: Store, sectors: dict[str, list[str]] | None = None,
             heartbeat_s: float = 15.0) -> web.Application:
    """The board application; open event streams end when it shuts down."""
    app = web.Application()
    app[STATE], app[STORE], app[HEARTBEAT_S] = state, store, heartbeat_s
    app[SECTORS] = {name: list(members) for name, members in (sectors or {}).items()}
    app.router.add_get("/", index)
    app.router.add_get("/events", events)
    app.router.add_get("/api/assets", assets)
    app.router.add_get("/api/chart", chart_data)
    app.router.add_static("/static/", STATIC_DIR)
    app.on_shutdown.append(_end_streams)
    return app
