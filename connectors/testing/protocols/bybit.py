"""Bybit v5 public streams, server side: `{"op": "subscribe", "args": [...]}` (at most
10 topics per request) answered with a success ack, `{"op": "ping"}` with a pong;
pushes (`{"topic", "data"}`) reach only that topic's subscribers."""

from __future__ import annotations

import json
import uuid

from connectors.exchanges.bybit import ARGS_PER_FRAME
from connectors.testing.server import ExchangeProtocol, Reply


class BybitProtocol(ExchangeProtocol):
    """What stream.bybit.com/v5/public/<category> answers."""

    def __init__(self) -> None:
        self.conn_id = str(uuid.uuid4())

    def on_text(self, text: str) -> Reply:
        """Ack subscribe requests and pings; refuse anything else as Bybit does."""
        try:
            req = json.loads(text)
        except ValueError:
            req = None
        if not isinstance(req, dict):
            return self._answer("", False, "error:request is not json")
        op, args = req.get("op"), req.get("args")
        if op == "ping":
            return self._answer("ping", True, "pong")
        if op != "subscribe":
            return self._answer(str(op), False, "error:handler not found")
        if (not isinstance(args, list) or not 0 < len(args) <= ARGS_PER_FRAME
                or not all(isinstance(a, str) for a in args)):
            return self._answer("subscribe", False, f"error:args must be 1..{ARGS_PER_FRAME}"
                                " topics", req.get("req_id"))
        reply = self._answer("subscribe", True, "", req.get("req_id"))
        reply.subscribe = args
        return reply

    def topic_of(self, message: str) -> str | None:
        """The pushed message's topic."""
        msg = json.loads(message)
        return msg.get("topic") if isinstance(msg, dict) else None

    def _answer(self, op: str, success: bool, ret_msg: str, req_id: object = None) -> Reply:
        answer = {"success": success, "ret_msg": ret_msg, "conn_id": self.conn_id, "op": op}
        if req_id is not None:
            answer["req_id"] = req_id
        return Reply([json.dumps(answer)])
