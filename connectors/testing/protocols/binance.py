"""Binance futures market streams, server side: subscribe by URL (`/stream?streams=a/b`,
or a protocol hosted on `/ws/<a>/<b>`) or by a SUBSCRIBE frame answered
`{"result": null, "id": N}`. Pushed messages are sent as given; combined-stream ones
(`{"stream", "data"}`) reach only that stream's subscribers."""

from __future__ import annotations

import json

from connectors.testing.server import ExchangeProtocol, Reply


class BinanceProtocol(ExchangeProtocol):
    """What fstream/dstream answer; `path` is where it is hosted (streams after /ws/)."""

    def __init__(self, path: str = "") -> None:
        _, sep, tail = path.partition("/ws/")
        self.path_streams = [s for s in tail.split("/") if s] if sep else []

    def on_connect(self, query: dict[str, str]) -> Reply:
        """Streams named in the URL are subscribed at once, without an answer."""
        streams = [s for s in query.get("streams", "").split("/") if s]
        return Reply(subscribe=self.path_streams + streams)

    def on_text(self, text: str) -> Reply:
        """SUBSCRIBE is acked; anything else gets Binance's error answer."""
        try:
            req = json.loads(text)
        except ValueError:
            req = None
        if not isinstance(req, dict):
            return Reply([json.dumps({"code": 3, "msg": "Invalid JSON", "id": None})])
        req_id, params = req.get("id"), req.get("params")
        if (req.get("method") == "SUBSCRIBE" and isinstance(params, list)
                and all(isinstance(p, str) for p in params)):
            return Reply([json.dumps({"result": None, "id": req_id})], subscribe=params)
        return Reply([json.dumps({"code": 2, "msg": "Invalid request", "id": req_id})])

    def topic_of(self, message: str) -> str | None:
        """The combined-stream name; raw payloads go to every subscriber."""
        msg = json.loads(message)
        return msg.get("stream") if isinstance(msg, dict) else None
