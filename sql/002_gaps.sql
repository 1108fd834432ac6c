-- Periods a live feed was down (exchange, channel, from, to), so analysts can tell
-- "no liquidations" from "no data". Key: gap_id (hash of exchange, channel and start).
CREATE TABLE IF NOT EXISTS liqwatch.gaps
(
    gap_id      String,
    exchange    LowCardinality(String),
    channel     LowCardinality(String),
    from_ts     DateTime64(3, 'UTC'),
    to_ts       DateTime64(3, 'UTC'),
    reason      String,
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(ingested_at)
ORDER BY (exchange, channel, from_ts, gap_id);
