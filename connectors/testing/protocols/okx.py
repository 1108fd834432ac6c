"""OKX v5 public websocket, server side: `{"op": "subscribe", "args": [...]}` answered
with one `{"event": "subscribe", "arg", "connId"}` per arg, text "ping" with "pong",
anything else with OKX's error event. Pushes (`{"arg", "data"}`) reach the subscribers
of their channel and instType (liquidation-orders) or instId (trades)."""

from __future__ import annotations

import json
import uuid

from connectors.testing.server import ExchangeProtocol, Reply


def topic(arg: object) -> str | None:
    """`channel:instId` or `channel:instType` of a subscription or push arg."""
    if not isinstance(arg, dict) or not isinstance(arg.get("channel"), str):
        return None
    return f"{arg['channel']}:{arg.get('instId') or arg.get('instType') or ''}"


class OkxProtocol(ExchangeProtocol):
    """What ws.okx.com:8443/ws/v5/public answers."""

    def __init__(self) -> None:
        self.conn_id = uuid.uuid4().hex[:8]

    def on_text(self, text: str) -> Reply:
        """Ack each subscribed arg, pong a ping, refuse the rest as OKX does."""
        if text == "ping":
            return Reply(["pong"])
        try:
            req = json.loads(text)
        except ValueError:
            req = None
        args = req.get("args") if isinstance(req, dict) else None
        topics = [topic(a) for a in args] if isinstance(args, list) else []
        if (not isinstance(req, dict) or req.get("op") != "subscribe" or not topics
                or None in topics):
            return Reply([json.dumps({"event": "error", "code": "60012",
                                      "msg": f"Invalid request: {text[:200]}",
                                      "connId": self.conn_id})])
        acks = [json.dumps({"event": "subscribe", "arg": a, "connId": self.conn_id})
                for a in args]
        return Reply(acks, [t for t in topics if t])

    def topic_of(self, message: str) -> str | None:
        """The push's channel and instType/instId."""
        msg = json.loads(message)
        return topic(msg.get("arg")) if isinstance(msg, dict) else None

    def is_push(self, message: str) -> bool:
        """Pushes carry `data`; subscribe acks carry `event` and the same `arg`."""
        try:
            msg = json.loads(message)
        except ValueError:
            return False
        return isinstance(msg, dict) and "data" in msg and "event" not in msg
