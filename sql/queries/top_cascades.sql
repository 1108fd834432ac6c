-- Top cascades: the largest liquidation spikes that began in a period, with the news
-- story linked to each (its likely trigger, else a story covering it).
--
-- Parameters:
--   start (DateTime64(3)): first onset time counted, UTC, e.g. '2025-01-26 00:00:00'.
--   end (DateTime64(3)): onset times before this, UTC, e.g. '2025-01-28 00:00:00'.
--   scope (String, default all): 'asset', 'sector', 'market', or '' for every scope.
--   top (UInt32, default 10): how many spikes.
-- default: scope=
-- default: top=10
--
-- Columns, largest notional first:
--   onset_ts (DateTime64(3, 'UTC')), scope, key (the asset, sector or 'market'),
--   liquidated_side, notional_usd (Float64), ratio (Float64: notional over its baseline),
--   events (UInt64), minutes (Nullable(Float64): onset to end, NULL while open),
--   relation ('trigger', 'coverage' or 'none'), lead_min (Nullable(Float64): minutes from
--   the story's publication to the onset), news_id (Nullable(String)),
--   story_title (Nullable(String)), spike_id (String).
WITH
    links AS (
        SELECT spike_id,
               argMax(tuple(relation, news_id),
                      tuple(relation = 'trigger', relation = 'coverage', correlation_score))
                   AS best
        FROM liqwatch.alerts FINAL
        GROUP BY spike_id
    ),
    stories AS (
        SELECT news_id, published_at, title FROM liqwatch.news FINAL
    )
SELECT s.onset_ts AS onset_ts, s.scope AS scope, s.key AS key,
       s.liquidated_side AS liquidated_side, s.notional_usd AS notional_usd,
       round(s.ratio, 1) AS ratio, s.event_count AS events,
       round(dateDiff('millisecond', s.onset_ts, s.end_ts) / 60000, 1) AS minutes,
       if(l.spike_id = '', 'none', tupleElement(l.best, 1)) AS relation,
       if(n.news_id = '', NULL,
          toNullable(round(dateDiff('millisecond', n.published_at, s.onset_ts) / 60000, 1)))
           AS lead_min,
       if(relation = 'none', NULL, tupleElement(l.best, 2)) AS news_id,
       if(n.news_id = '', NULL, toNullable(n.title)) AS story_title,
       s.spike_id AS spike_id
FROM liqwatch.spikes AS s FINAL
LEFT JOIN links AS l ON l.spike_id = s.spike_id
LEFT JOIN stories AS n ON n.news_id = tupleElement(l.best, 2)
WHERE s.onset_ts >= {start:DateTime64(3)} AND s.onset_ts < {end:DateTime64(3)}
  AND ({scope:String} = '' OR s.scope = {scope:String})
ORDER BY notional_usd DESC, spike_id
LIMIT {top:UInt32};
