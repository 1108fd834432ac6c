-- liqwatch schema, version 004: long-lived liquidation rollups and retention (issue 5).
--
-- Raw data is kept for weeks, rollups for years:
--   liquidations, trade_bars_1m: 90 days; dlq: 30 days (as before);
--   liquidations_1m_agg (per minute): 2 years; liquidations_1d_agg (per UTC day): 5 years.
-- Every TTL counts from ingested_at, never from event time, so replayed history is not
-- expired on insert (see 001). Changing a TTL rewrites the TTL info of existing parts and
-- drops rows already past it.
--
-- The rollups are AggregatingMergeTree tables fed by materialized views on inserts into
-- liqwatch.liquidations; query them through the views liqwatch.liquidations_minutely and
-- liqwatch.liquidations_daily, which finalize the aggregate states (the ...Merge functions).
--
-- Exactness. liqwatch.liquidations is a ReplacingMergeTree keyed by event_id, a
-- deterministic hash of the event, so a re-delivered or replayed event replaces itself
-- there. A materialized view sees inserts, not the merged table: it counts an event once
-- per insert. What keeps inserts unique: each stream worker drops a repeated event_id
-- (within the lateness window of its partition) and late events go to the DLQ, so a single
-- run or replay inserts every event once. What does not: a worker restarted from an older
-- Kafka offset, or replaying the same files again into the same database, inserts the
-- events again and the rollups count them twice. No aggregate state can drop repeated
-- events without keeping every event_id, i.e. without becoming the raw table, so the
-- rollups stay insert-driven. For exact numbers within the raw retention use
-- liqwatch.liquidations FINAL or liqwatch.liquidations_1m FINAL (written by the stream
-- processor, exact under redelivery). To repair a day after a double insert (while its raw
-- rows are kept), rebuild it from the raw table, e.g. for 2025-01-27:
--   ALTER TABLE liqwatch.liquidations_1m_agg DELETE WHERE toDate(minute) = '2025-01-27'
--     SETTINGS mutations_sync = 1;
--   INSERT INTO liqwatch.liquidations_1m_agg <the backfill SELECT below, FROM
--     liqwatch.liquidations AS l FINAL WHERE toDate(ts) = '2025-01-27' GROUP BY ...>;
-- and the same for liquidations_1d_agg. The backfill below fills the rollups from what
-- the raw table holds when this migration runs (once: only while they are empty); run
-- `liqwatch migrate` before starting writers, as the compose file does.

ALTER TABLE liqwatch.liquidations MODIFY TTL toDateTime(ingested_at) + INTERVAL 90 DAY;

ALTER TABLE liqwatch.trade_bars_1m MODIFY TTL toDateTime(ingested_at) + INTERVAL 90 DAY;

ALTER TABLE liqwatch.dlq MODIFY TTL toDateTime(ingested_at) + INTERVAL 30 DAY;

-- Liquidations per minute, asset, exchange and liquidated side. Key: (asset, exchange,
-- liquidated_side, minute); rows with the same key are merged by their aggregate states.
CREATE TABLE IF NOT EXISTS liqwatch.liquidations_1m_agg
(
    minute          DateTime64(3, 'UTC'),
    asset           LowCardinality(String),
    exchange        LowCardinality(String),
    liquidated_side LowCardinality(String),
    events          AggregateFunction(count),
    sampled_events  AggregateFunction(countIf, UInt8),
    notional_usd    AggregateFunction(sum, Float64),
    qty_base        AggregateFunction(sum, Float64),
    max_event_usd   AggregateFunction(max, Float64),
    ingested_at     SimpleAggregateFunction(max, DateTime64(3, 'UTC')) DEFAULT now64(3)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (asset, exchange, liquidated_side, minute)
TTL toDateTime(ingested_at) + INTERVAL 730 DAY;

-- Liquidations per UTC day, asset, exchange and liquidated side. Key: (asset, exchange,
-- liquidated_side, day).
CREATE TABLE IF NOT EXISTS liqwatch.liquidations_1d_agg
(
    day             Date,
    asset           LowCardinality(String),
    exchange        LowCardinality(String),
    liquidated_side LowCardinality(String),
    events          AggregateFunction(count),
    sampled_events  AggregateFunction(countIf, UInt8),
    notional_usd    AggregateFunction(sum, Float64),
    qty_base        AggregateFunction(sum, Float64),
    max_event_usd   AggregateFunction(max, Float64),
    ingested_at     SimpleAggregateFunction(max, DateTime64(3, 'UTC')) DEFAULT now64(3)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYear(day)
ORDER BY (asset, exchange, liquidated_side, day)
TTL toDateTime(ingested_at) + INTERVAL 1826 DAY;

-- Backfill from the raw table, once (see the header).
INSERT INTO liqwatch.liquidations_1m_agg
SELECT toStartOfInterval(ts, INTERVAL 1 MINUTE) AS minute, asset, exchange, liquidated_side,
       countState() AS events, countIfState(toUInt8(is_sampled)) AS sampled_events,
       sumState(notional_usd) AS notional_usd, sumState(qty_base) AS qty_base,
       maxState(l.notional_usd) AS max_event_usd, max(ingested_at) AS ingested_at
FROM liqwatch.liquidations AS l FINAL
WHERE (SELECT count() FROM liqwatch.liquidations_1m_agg) = 0
GROUP BY minute, asset, exchange, liquidated_side;

INSERT INTO liqwatch.liquidations_1d_agg
SELECT toDate(ts) AS day, asset, exchange, liquidated_side,
       countState() AS events, countIfState(toUInt8(is_sampled)) AS sampled_events,
       sumState(notional_usd) AS notional_usd, sumState(qty_base) AS qty_base,
       maxState(l.notional_usd) AS max_event_usd, max(ingested_at) AS ingested_at
FROM liqwatch.liquidations AS l FINAL
WHERE (SELECT count() FROM liqwatch.liquidations_1d_agg) = 0
GROUP BY day, asset, exchange, liquidated_side;

CREATE MATERIALIZED VIEW IF NOT EXISTS liqwatch.liquidations_1m_mv
TO liqwatch.liquidations_1m_agg AS
SELECT toStartOfInterval(ts, INTERVAL 1 MINUTE) AS minute, asset, exchange, liquidated_side,
       countState() AS events, countIfState(toUInt8(is_sampled)) AS sampled_events,
       sumState(notional_usd) AS notional_usd, sumState(qty_base) AS qty_base,
       maxState(l.notional_usd) AS max_event_usd, max(ingested_at) AS ingested_at
FROM liqwatch.liquidations AS l
GROUP BY minute, asset, exchange, liquidated_side;

CREATE MATERIALIZED VIEW IF NOT EXISTS liqwatch.liquidations_1d_mv
TO liqwatch.liquidations_1d_agg AS
SELECT toDate(ts) AS day, asset, exchange, liquidated_side,
       countState() AS events, countIfState(toUInt8(is_sampled)) AS sampled_events,
       sumState(notional_usd) AS notional_usd, sumState(qty_base) AS qty_base,
       maxState(l.notional_usd) AS max_event_usd, max(ingested_at) AS ingested_at
FROM liqwatch.liquidations AS l
GROUP BY day, asset, exchange, liquidated_side;

-- Liquidations per minute, asset, exchange and liquidated side, kept 2 years.
-- Columns: minute (DateTime64(3, 'UTC')), asset, exchange, liquidated_side, events (UInt64),
-- sampled_events (UInt64: from sampled feeds such as Binance's, a lower bound there),
-- notional_usd, qty_base, max_event_usd (Float64: the largest single liquidation).
CREATE VIEW IF NOT EXISTS liqwatch.liquidations_minutely AS
SELECT minute, asset, exchange, liquidated_side,
       countMerge(events) AS events, countIfMerge(sampled_events) AS sampled_events,
       sumMerge(notional_usd) AS notional_usd, sumMerge(qty_base) AS qty_base,
       maxMerge(max_event_usd) AS max_event_usd
FROM liqwatch.liquidations_1m_agg
GROUP BY minute, asset, exchange, liquidated_side;

-- Liquidations per UTC day, asset, exchange and liquidated side, kept 5 years.
-- Columns: day (Date) and the rest as in liquidations_minutely.
CREATE VIEW IF NOT EXISTS liqwatch.liquidations_daily AS
SELECT day, asset, exchange, liquidated_side,
       countMerge(events) AS events, countIfMerge(sampled_events) AS sampled_events,
       sumMerge(notional_usd) AS notional_usd, sumMerge(qty_base) AS qty_base,
       maxMerge(max_event_usd) AS max_event_usd
FROM liqwatch.liquidations_1d_agg
GROUP BY day, asset, exchange, liquidated_side;
