"""liqwatch: crypto liquidation cascades, AI-news triggers and their history, live."""
