-- liqwatch schema, version 003: news_impact, an event study of every AI story (issue 4).
--
-- One row per story in liqwatch.news with ai_score >= 0.5: liquidations across every
-- exchange and asset (from the minute rollup liqwatch.liquidations_1m) in the 24 h before
-- publication and the 1 h, 4 h and 24 h after, and how abnormal the after-windows are.
-- Analysts rank stories by ratio_1h (filter kind = 'event' to leave coverage out).
--
-- Windows are whole rollup minutes. window_start is the first minute boundary at or after
-- published_at, so the after-windows hold only liquidations after publication:
--   before_24h = [window_start - 24 h, window_start), after_Nh = [window_start, + N h).
-- Abnormal ratio over N h = after_Nh / (N * before_24h / 24): 1 is a normal N hours, 5 is
-- five times the usual rate. When data starts less than 24 h before the story, the
-- baseline is the hourly rate over the hours observed: after_Nh / (N * before / observed_before_h).
-- A ratio is NULL when it cannot be measured: the N hours after are not all observed yet
-- (see observed_after_h), less than 1 h of data precedes the story, or the baseline has
-- no liquidations. Sums are shown as observed so far. What is observed runs from the first
-- to the end of the last minute in the rollup (any asset): a quiet feed cannot be told
-- from a stopped one here; liqwatch.gaps records outages.
-- Columns:
--   news_id, published_at, source, title, kind, ai_score, entities, assets: the story.
--   window_start: first minute boundary at or after published_at (DateTime64(3, 'UTC')).
--   observed_before_h, observed_after_h: hours of rollup data in the windows (max 24).
--   before_24h_usd / _events, after_1h_usd / _events, after_4h_..., after_24h_...:
--     liquidation notional (USD) and event counts, all assets and sides.
--   before_24h_long_usd, before_24h_short_usd, after_1h_long_usd, after_1h_short_usd:
--     the same split by liquidated side.
--   ratio_1h, ratio_4h, ratio_24h: abnormal notional ratios.
--   events_ratio_1h, events_ratio_4h, events_ratio_24h: abnormal event-count ratios
--     (steadier than notional, which a few large orders dominate).
--   ratio_1h_long, ratio_1h_short: abnormal notional ratio over 1 h per liquidated side.
--   assets_before_24h_usd / _events, assets_after_1h_usd / _events, ...: the same sums
--     restricted to the story's assets (0 when the story names none).
--   assets_ratio_1h, _4h, _24h, assets_events_ratio_1h, _4h, _24h: abnormal ratios of
--     the story's assets (NULL when it names none).

CREATE VIEW IF NOT EXISTS liqwatch.news_impact AS
WITH
    stories AS (
        SELECT news_id, published_at, source, title, kind, ai_score, entities, assets,
               intDiv(toUnixTimestamp64Milli(published_at) + 59999, 60000) AS t0
        FROM liqwatch.news FINAL
        WHERE ai_score >= 0.5
    ),
    asset_minutes AS (
        SELECT intDiv(toUnixTimestamp64Milli(minute), 60000) AS m, asset,
               sumIf(notional_usd, liquidated_side = 'long') AS long_usd,
               sumIf(notional_usd, liquidated_side = 'short') AS short_usd,
               sum(notional_usd) AS usd,
               sum(events) AS events
        FROM liqwatch.liquidations_1m FINAL
        GROUP BY m, asset
    ),
    market_minutes AS (
        SELECT m, sum(long_usd) AS long_usd, sum(short_usd) AS short_usd,
               sum(usd) AS usd, sum(events) AS events
        FROM asset_minutes
        GROUP BY m
    ),
    observed AS (
        SELECT minOrNull(m) AS first_m, maxOrNull(m) + 1 AS end_m FROM market_minutes
    ),
    market AS (
        SELECT news_id,
               sumIf(usd, m < t0) AS before_24h_usd,
               sumIf(events, m < t0) AS before_24h_events,
               sumIf(long_usd, m < t0) AS before_24h_long_usd,
               sumIf(short_usd, m < t0) AS before_24h_short_usd,
               sumIf(usd, m >= t0 AND m < t0 + 60) AS after_1h_usd,
               sumIf(events, m >= t0 AND m < t0 + 60) AS after_1h_events,
               sumIf(long_usd, m >= t0 AND m < t0 + 60) AS after_1h_long_usd,
               sumIf(short_usd, m >= t0 AND m < t0 + 60) AS after_1h_short_usd,
               sumIf(usd, m >= t0 AND m < t0 + 240) AS after_4h_usd,
               sumIf(events, m >= t0 AND m < t0 + 240) AS after_4h_events,
               sumIf(usd, m >= t0) AS after_24h_usd,
               sumIf(events, m >= t0) AS after_24h_events
        FROM (SELECT news_id, t0, t0 + arrayJoin(range(-1440, 1440)) AS m FROM stories) AS w
        INNER JOIN market_minutes USING (m)
        GROUP BY news_id
    ),
    own_assets AS (
        SELECT news_id,
               sumIf(usd, m < t0) AS assets_before_24h_usd,
               sumIf(events, m < t0) AS assets_before_24h_events,
               sumIf(usd, m >= t0 AND m < t0 + 60) AS assets_after_1h_usd,
               sumIf(events, m >= t0 AND m < t0 + 60) AS assets_after_1h_events,
               sumIf(usd, m >= t0 AND m < t0 + 240) AS assets_after_4h_usd,
               sumIf(events, m >= t0 AND m < t0 + 240) AS assets_after_4h_events,
               sumIf(usd, m >= t0) AS assets_after_24h_usd,
               sumIf(events, m >= t0) AS assets_after_24h_events
        FROM (SELECT news_id, t0, arrayJoin(assets) AS asset,
                     t0 + arrayJoin(range(-1440, 1440)) AS m FROM stories) AS w
        INNER JOIN asset_minutes USING (m, asset)
        GROUP BY news_id
    ),
    sums AS (
        SELECT s.news_id AS news_id, s.published_at AS published_at, s.source AS source,
               s.title AS title, s.kind AS kind, s.ai_score AS ai_score,
               s.entities AS entities, s.assets AS assets, s.t0 AS t0,
               ifNull(least(24.0, greatest(0.0, (s.t0 - o.first_m) / 60)), 0) AS observed_before_h,
               ifNull(least(24.0, greatest(0.0, (o.end_m - s.t0) / 60)), 0) AS observed_after_h,
               ifNull(mk.before_24h_usd, 0) AS before_24h_usd,
               ifNull(mk.before_24h_events, 0) AS before_24h_events,
               ifNull(mk.before_24h_long_usd, 0) AS before_24h_long_usd,
               ifNull(mk.before_24h_short_usd, 0) AS before_24h_short_usd,
               ifNull(mk.after_1h_usd, 0) AS after_1h_usd,
               ifNull(mk.after_1h_events, 0) AS after_1h_events,
               ifNull(mk.after_1h_long_usd, 0) AS after_1h_long_usd,
               ifNull(mk.after_1h_short_usd, 0) AS after_1h_short_usd,
               ifNull(mk.after_4h_usd, 0) AS after_4h_usd,
               ifNull(mk.after_4h_events, 0) AS after_4h_events,
               ifNull(mk.after_24h_usd, 0) AS after_24h_usd,
               ifNull(mk.after_24h_events, 0) AS after_24h_events,
               ifNull(oa.assets_before_24h_usd, 0) AS assets_before_24h_usd,
               ifNull(oa.assets_before_24h_events, 0) AS assets_before_24h_events,
               ifNull(oa.assets_after_1h_usd, 0) AS assets_after_1h_usd,
               ifNull(oa.assets_after_1h_events, 0) AS assets_after_1h_events,
               ifNull(oa.assets_after_4h_usd, 0) AS assets_after_4h_usd,
               ifNull(oa.assets_after_4h_events, 0) AS assets_after_4h_events,
               ifNull(oa.assets_after_24h_usd, 0) AS assets_after_24h_usd,
               ifNull(oa.assets_after_24h_events, 0) AS assets_after_24h_events
        FROM stories AS s
        CROSS JOIN observed AS o
        LEFT JOIN market AS mk ON mk.news_id = s.news_id
        LEFT JOIN own_assets AS oa ON oa.news_id = s.news_id
    ),
    -- Hourly rates in the window before (NULL when unmeasurable, see the header).
    rates AS (
        SELECT *,
               if(observed_before_h >= 1, observed_before_h, NULL) AS baseline_h,
               nullIf(before_24h_usd, 0) / baseline_h AS usd_h,
               nullIf(before_24h_events, 0) / baseline_h AS events_h,
               nullIf(before_24h_long_usd, 0) / baseline_h AS long_usd_h,
               nullIf(before_24h_short_usd, 0) / baseline_h AS short_usd_h,
               nullIf(assets_before_24h_usd, 0) / baseline_h AS assets_usd_h,
               nullIf(assets_before_24h_events, 0) / baseline_h AS assets_events_h
        FROM sums
    )
SELECT
    news_id, published_at, source, title, kind, ai_score, entities, assets,
    fromUnixTimestamp64Milli(t0 * 60000, 'UTC') AS window_start,
    observed_before_h, observed_after_h,
    before_24h_usd, before_24h_events, before_24h_long_usd, before_24h_short_usd,
    after_1h_usd, after_1h_events, after_1h_long_usd, after_1h_short_usd,
    after_4h_usd, after_4h_events, after_24h_usd, after_24h_events,
    if(observed_after_h >= 1, after_1h_usd / usd_h, NULL) AS ratio_1h,
    if(observed_after_h >= 4, after_4h_usd / (4 * usd_h), NULL) AS ratio_4h,
    if(observed_after_h >= 24, after_24h_usd / (24 * usd_h), NULL) AS ratio_24h,
    if(observed_after_h >= 1, after_1h_events / events_h, NULL) AS events_ratio_1h,
    if(observed_after_h >= 4, after_4h_events / (4 * events_h), NULL) AS events_ratio_4h,
    if(observed_after_h >= 24, after_24h_events / (24 * events_h), NULL) AS events_ratio_24h,
    if(observed_after_h >= 1, after_1h_long_usd / long_usd_h, NULL) AS ratio_1h_long,
    if(observed_after_h >= 1, after_1h_short_usd / short_usd_h, NULL) AS ratio_1h_short,
    assets_before_24h_usd, assets_before_24h_events,
    assets_after_1h_usd, assets_after_1h_events, assets_after_4h_usd, assets_after_4h_events,
    assets_after_24h_usd, assets_after_24h_events,
    if(observed_after_h >= 1, assets_after_1h_usd / assets_usd_h, NULL) AS assets_ratio_1h,
    if(observed_after_h >= 4, assets_after_4h_usd / (4 * assets_usd_h), NULL) AS assets_ratio_4h,
    if(observed_after_h >= 24, assets_after_24h_usd / (24 * assets_usd_h), NULL)
        AS assets_ratio_24h,
    if(observed_after_h >= 1, assets_after_1h_events / assets_events_h, NULL)
        AS assets_events_ratio_1h,
    if(observed_after_h >= 4, assets_after_4h_events / (4 * assets_events_h), NULL)
        AS assets_events_ratio_4h,
    if(observed_after_h >= 24, assets_after_24h_events / (24 * assets_events_h), NULL)
        AS assets_events_ratio_24h
FROM rates;
