-- Around a story: liquidations per minute by liquidated side from some hours before a news
-- story's publication to some hours after (every minute listed, 0 when there were none),
-- to see whether a cascade followed it. From the minute rollup (kept 2 years).
--
-- Parameters:
--   news_id (String): the story, e.g. 'small-trigger' (see liqwatch.news or top_cascades).
--   before_min (UInt32, default 120): minutes before publication.
--   after_min (UInt32, default 360): minutes after publication.
-- default: before_min=120
-- default: after_min=360
--
-- Columns, by minute: minute (DateTime64(3, 'UTC')), offset_min (Int64: minutes from the
-- minute of publication, which is 0), long_usd, short_usd (Float64: notional of longs and
-- shorts liquidated), long_events, short_events (UInt64), total_usd (Float64),
-- cumulative_usd (Float64: total since the window start). No rows when the story is unknown.
WITH
    story AS (
        SELECT intDiv(toUnixTimestamp64Milli(published_at), 60000) AS m0
        FROM liqwatch.news FINAL
        WHERE news_id = {news_id:String}
    ),
    grid AS (
        SELECT m0 + arrayJoin(range(-toInt64({before_min:UInt32}),
                                    toInt64({after_min:UInt32}) + 1)) AS m,
               m - m0 AS offset_min
        FROM story
    ),
    minutes AS (
        SELECT intDiv(toUnixTimestamp64Milli(minute), 60000) AS m,
               sumIf(notional_usd, liquidated_side = 'long') AS long_usd,
               sumIf(notional_usd, liquidated_side = 'short') AS short_usd,
               sumIf(events, liquidated_side = 'long') AS long_events,
               sumIf(events, liquidated_side = 'short') AS short_events
        FROM liqwatch.liquidations_minutely
        WHERE minute >= (SELECT fromUnixTimestamp64Milli(min(m) * 60000, 'UTC') FROM grid)
          AND minute <= (SELECT fromUnixTimestamp64Milli(max(m) * 60000, 'UTC') FROM grid)
        GROUP BY m
    )
SELECT fromUnixTimestamp64Milli(g.m * 60000, 'UTC') AS minute, g.offset_min AS offset_min,
       ifNull(x.long_usd, 0) AS long_usd, ifNull(x.short_usd, 0) AS short_usd,
       ifNull(x.long_events, 0) AS long_events, ifNull(x.short_events, 0) AS short_events,
       long_usd + short_usd AS total_usd,
       sum(total_usd) OVER (ORDER BY g.m ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
           AS cumulative_usd
FROM grid AS g
LEFT JOIN minutes AS x ON x.m = g.m
ORDER BY minute;
