"""Where alerts go once the stream has raised them: the live web board, the terminal view
and webhooks. Each is an `AlertSurface` (delivery.surface) fed from the spikes and alerts
topics (delivery.feed), so it works beside any worker, a live run or a replay."""
