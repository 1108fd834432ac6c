"""Deribit JSON-RPC over websocket, server side: public/subscribe answered with the
subscribed channels, public/set_heartbeat with "ok" and a heartbeat test_request (which
the client must answer with public/test), public/test with the version,
anything else with a JSON-RPC error. Pushes (`{"method": "subscription", "params":
{"channel", "data"}}`) reach that channel's subscribers."""

from __future__ import annotations

import json

from connectors.testing.server import ExchangeProtocol, Reply


TEST_REQUEST = json.dumps({"jsonrpc": "2.0", "method": "heartbeat",
                           "params": {"type": "test_request"}})


class DeribitProtocol(ExchangeProtocol):
    """What www.deribit.com/ws/api/v2 answers to public methods; counts public/test calls
    (answers to test_requests)."""

    def __init__(self) -> None:
        self.tests_answered = 0

    def on_text(self, text: str) -> Reply:
        """Answer one JSON-RPC request."""
        try:
            req = json.loads(text)
        except ValueError:
            req = None
        if not isinstance(req, dict):
            return Reply([_answer(None, error={"code": -32700, "message": "Parse error"})])
        req_id, method = req.get("id"), req.get("method")
        params = req.get("params") if isinstance(req.get("params"), dict) else {}
        channels = params.get("channels")
        if method == "public/subscribe" and isinstance(channels, list) and channels:
            return Reply([_answer(req_id, result=channels)], [str(c) for c in channels])
        if method == "public/set_heartbeat" and isinstance(params.get("interval"), int):
            return Reply([_answer(req_id, result="ok"), TEST_REQUEST])
        if method == "public/test":
            self.tests_answered += 1
            return Reply([_answer(req_id, result={"version": "1.2.26"})])
        return Reply([_answer(req_id, error={"code": -32601, "message": "Method not found"})])

    def topic_of(self, message: str) -> str | None:
        """The notification's channel."""
        msg = json.loads(message)
        params = msg.get("params") if isinstance(msg, dict) else None
        return params.get("channel") if isinstance(params, dict) else None


def _answer(req_id: object, **outcome: object) -> str:
    """A JSON-RPC answer with Deribit's timing fields."""
    return json.dumps({"jsonrpc": "2.0", "id": req_id, **outcome, "usIn": 1737962700000000,
                       "usOut": 1737962700000120, "usDiff": 120, "testnet": False})
