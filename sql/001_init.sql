-- liqwatch schema, version 001. Applied by `liqwatch migrate` (storage/migrate.py), which
-- records it in liqwatch.schema_migrations. Runs unchanged on chDB and ClickHouse server >= 24.
-- Times are DateTime64(3, 'UTC'). ReplacingMergeTree keys make a re-delivered row replace
-- itself: read with FINAL (or argMax) for exact answers. TTLs use ingested_at, never event
-- time, so replayed history is not expired on insert.

CREATE DATABASE IF NOT EXISTS liqwatch;

-- Applied schema versions (one row per sql/NNN_*.sql file). Key: version.
CREATE TABLE IF NOT EXISTS liqwatch.schema_migrations
(
    version     UInt32,
    name        String,
    applied_at  DateTime64(3, 'UTC'),
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(applied_at)
ORDER BY version;

-- Raw liquidation events from every exchange, one row per event. Key: (asset, ts, event_id);
-- event_id is a deterministic hash, so a redelivered or replayed event replaces itself.
CREATE TABLE IF NOT EXISTS liqwatch.liquidations
(
    event_id        String,
    exchange        LowCardinality(String),
    symbol          LowCardinality(String),
    asset           LowCardinality(String),
    liquidated_side LowCardinality(String),
    price           Float64,
    qty_base        Float64,
    notional_usd    Float64,
    ts              DateTime64(3, 'UTC'),
    received_ts     DateTime64(3, 'UTC'),
    is_sampled      Bool,
    ingested_at     DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(ts)
ORDER BY (asset, ts, event_id)
TTL toDateTime(ingested_at) + INTERVAL 400 DAY;

-- One-minute OHLCV bars per exchange and symbol, with taker buy/sell notional.
-- Key: (asset, exchange, symbol, minute); a rewritten bar replaces the older one.
CREATE TABLE IF NOT EXISTS liqwatch.trade_bars_1m
(
    exchange          LowCardinality(String),
    symbol            LowCardinality(String),
    asset             LowCardinality(String),
    minute            DateTime64(3, 'UTC'),
    open              Float64,
    high              Float64,
    low               Float64,
    close             Float64,
    volume_base       Float64,
    notional_usd      Float64,
    buy_notional_usd  Float64,
    sell_notional_usd Float64,
    trades            UInt32,
    ingested_at       DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(minute)
ORDER BY (asset, exchange, symbol, minute)
TTL toDateTime(ingested_at) + INTERVAL 400 DAY;

-- News items with AI relevance (ai_score, entities), touched assets and kind
-- ('event' = new information, 'coverage' = reports a move after the fact, 'other'). Key: news_id.
CREATE TABLE IF NOT EXISTS liqwatch.news
(
    news_id      String,
    source       LowCardinality(String),
    published_at DateTime64(3, 'UTC'),
    title        String,
    body         String,
    url          String,
    ai_score     Float64,
    entities     Array(String),
    assets       Array(String),
    kind         LowCardinality(String),
    ingested_at  DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(ingested_at)
ORDER BY news_id
TTL toDateTime(ingested_at) + INTERVAL 400 DAY;

-- Detected liquidation spikes over their lifecycle (open -> resolved; end_ts is NULL while
-- open). Key: spike_id; the row with the highest version wins.
CREATE TABLE IF NOT EXISTS liqwatch.spikes
(
    spike_id        String,
    scope           LowCardinality(String),
    key             String,
    assets          Array(String),
    liquidated_side LowCardinality(String),
    horizon         LowCardinality(String),
    onset_ts        DateTime64(3, 'UTC'),
    detected_at     DateTime64(3, 'UTC'),
    peak_ts         DateTime64(3, 'UTC'),
    end_ts          Nullable(DateTime64(3, 'UTC')),
    notional_usd    Float64,
    baseline_usd    Float64,
    ratio           Float64,
    zscore          Float64,
    event_count     UInt64,
    severity        LowCardinality(String),
    status          LowCardinality(String),
    version         UInt32,
    ingested_at     DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(version)
ORDER BY spike_id;

-- Alerts: a spike and the news story that triggered or covered it (news_id NULL when none).
-- Key: alert_id; the row with the highest version wins.
CREATE TABLE IF NOT EXISTS liqwatch.alerts
(
    alert_id          String,
    created_at        DateTime64(3, 'UTC'),
    spike_id          String,
    news_id           Nullable(String),
    relation          LowCardinality(String),
    correlation_score Float64,
    severity          LowCardinality(String),
    title             String,
    body              String,
    version           UInt32,
    ingested_at       DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(version)
ORDER BY alert_id;

-- Per-minute liquidation rollup, written by the stream processor (not a materialized view,
-- so it stays exact under redelivery). Key: (asset, exchange, liquidated_side, minute).
CREATE TABLE IF NOT EXISTS liqwatch.liquidations_1m
(
    minute          DateTime64(3, 'UTC'),
    asset           LowCardinality(String),
    exchange        LowCardinality(String),
    liquidated_side LowCardinality(String),
    events          UInt64,
    notional_usd    Float64,
    max_event_usd   Float64,
    ingested_at     DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(minute)
ORDER BY (asset, exchange, liquidated_side, minute);

-- Daily liquidation totals per asset and side (UTC days), across exchanges, from the rollup.
CREATE VIEW IF NOT EXISTS liqwatch.liquidations_1d AS
SELECT
    toDate(minute)    AS day,
    asset,
    liquidated_side,
    sum(events)       AS events,
    sum(notional_usd) AS notional_usd
FROM liqwatch.liquidations_1m FINAL
GROUP BY day, asset, liquidated_side;

-- Dead-letter records: input that could not be parsed or validated, with the reason and the
-- raw text. Key: dlq_id (deterministic hash of source and raw input).
CREATE TABLE IF NOT EXISTS liqwatch.dlq
(
    dlq_id      String,
    source      LowCardinality(String),
    reason      LowCardinality(String),
    detail      String,
    raw         String,
    ts          DateTime64(3, 'UTC'),
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(ingested_at)
ORDER BY dlq_id
TTL toDateTime(ingested_at) + INTERVAL 30 DAY;
