"""Generic JSON webhook: the alert record as published on liqwatch.alerts, plus `event`
("alert.created" for the first message, "alert.updated" for later versions). Any 2xx is
delivered; the receiver keys on alert_id and keeps the highest version."""

from __future__ import annotations

from delivery.webhooks.base import Request, Sent, Service


class Generic(Service):
    """POSTs every new version; receivers de-duplicate on (alert_id, version)."""

    kind = "generic"

    def create(self, alert: dict) -> Request:
        return Request("POST", self.url, alert | {"event": "alert.created"}, "create")

    def update(self, alert: dict, sent: Sent) -> Request | None:
        return Request("POST", self.url, alert | {"event": "alert.updated"}, "update")
