"""The live web board: alerts as they happen (Server-Sent Events), a liquidations chart
with spikes and news, and instant filters, served by aiohttp with no outside assets."""

from delivery.board.board import BoardError, WebBoard

__all__ = ["BoardError", "WebBoard"]
