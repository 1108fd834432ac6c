"""BitMEX realtime, server side: a welcome message on connect, `{"op": "subscribe",
"args": [...]}` answered per arg with `{"success": true, "subscribe": arg, "request"}`
followed by the table's (empty) partial, text "ping" with "pong", anything else with
BitMEX's `{"status": 400, "error"}`. Pushes (`{"table", "action", "data"}`) reach the
subscribers of `liquidation` or of `<table>:<symbol>`."""

from __future__ import annotations

import json

from connectors.testing.server import ExchangeProtocol, Reply

KEYS = {"liquidation": ["orderID"], "trade": [], "instrument": ["symbol"]}


class BitmexProtocol(ExchangeProtocol):
    """What ws.bitmex.com/realtime answers."""

    def on_connect(self, query: dict[str, str]) -> Reply:
        """BitMEX greets every connection."""
        return Reply([json.dumps({"info": "Welcome to the BitMEX Realtime API.",
                                  "version": "2.0.0", "timestamp": "2025-01-27T07:00:00.000Z",
                                  "docs": "https://www.bitmex.com/app/wsAPI",
                                  "heartbeatEnabled": False,
                                  "limit": {"remaining": 39}})])

    def on_text(self, text: str) -> Reply:
        """Ack each subscribed topic and send its partial; pong a ping."""
        if text == "ping":
            return Reply(["pong"])
        try:
            req = json.loads(text)
        except ValueError:
            req = None
        args = req.get("args") if isinstance(req, dict) else None
        if (not isinstance(req, dict) or req.get("op") != "subscribe" or not isinstance(args, list)
                or not all(isinstance(a, str) and a.split(":")[0] in KEYS for a in args)):
            return Reply([json.dumps({"status": 400, "error": f"Unknown or invalid request: "
                                      f"{text[:200]}", "meta": {}, "request": req})])
        frames = []
        for arg in args:
            table, _, symbol = arg.partition(":")
            frames.append(json.dumps({"success": True, "subscribe": arg, "request": req}))
            frames.append(json.dumps({"table": table, "action": "partial",
                                      "keys": KEYS[table], "types": {},
                                      "filter": {"symbol": symbol} if symbol else {},
                                      "data": []}))
        return Reply(frames, list(args))

    def topic_of(self, message: str) -> str | None:
        """`liquidation` (all symbols) or `<table>:<symbol>` of the push's first row."""
        msg = json.loads(message)
        table = msg.get("table") if isinstance(msg, dict) else None
        if table is None or table == "liquidation":
            return table
        rows = msg.get("data")
        first = rows[0] if isinstance(rows, list) and rows else None
        return f"{table}:{first.get('symbol', '') if isinstance(first, dict) else ''}"
