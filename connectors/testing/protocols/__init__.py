"""Server-side exchange websocket protocols for connectors.testing.server."""
