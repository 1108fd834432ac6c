"""News sources for `liqwatch run`: RSS/Atom feeds and JSON APIs polled over HTTP, and
news JSON-lines files tailed as they grow.

Every source turns what it reads into raw news dicts {news_id, source, published_at (ms
UTC), title, body, url} (see streams.records.validate_raw_news) or `BadLine`s for the
dead-letter topic; the poller de-duplicates stories across outlets and publishes them
to liqwatch.news in event-time order.
"""
