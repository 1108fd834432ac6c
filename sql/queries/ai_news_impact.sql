-- AI news impact: AI stories ranked by how abnormal liquidations were in the hour after
-- them (the event study of liqwatch.news_impact; a ratio of 1 is a normal hour, 5 is five
-- times the usual rate over the 24 h before). Coverage (stories reporting a move after the
-- fact) is left out unless asked for.
--
-- Parameters:
--   start (DateTime64(3), default 1970-01-01 00:00:00): stories published at or after, UTC.
--   end (DateTime64(3), default 2100-01-01 00:00:00): stories published before, UTC.
--   kind (String, default event): 'event', 'coverage', 'other', or '' for every kind.
--   min_ai_score (Float64, default 0.5): least AI relevance (news_impact holds >= 0.5).
--   top (UInt32, default 20): how many stories.
-- default: start=1970-01-01 00:00:00
-- default: end=2100-01-01 00:00:00
-- default: kind=event
-- default: min_ai_score=0.5
-- default: top=20
--
-- Columns, most abnormal first (stories without a measurable ratio_1h last):
--   published_at (DateTime64(3, 'UTC')), news_id, kind, ai_score (Float64),
--   ratio_1h, ratio_4h, ratio_24h (Nullable(Float64): abnormal notional ratios, NULL when
--   not measurable), events_ratio_1h (Nullable(Float64): the same for event counts),
--   assets_ratio_1h (Nullable(Float64): only the story's own assets),
--   long_ratio_1h, short_ratio_1h (Nullable(Float64): by liquidated side),
--   after_1h_usd, before_24h_usd (Float64: notional in the hour after, the 24 h before),
--   title (String).
SELECT published_at, news_id, kind, ai_score,
       round(ratio_1h, 2) AS ratio_1h, round(ratio_4h, 2) AS ratio_4h,
       round(ratio_24h, 2) AS ratio_24h, round(events_ratio_1h, 2) AS events_ratio_1h,
       round(assets_ratio_1h, 2) AS assets_ratio_1h,
       round(ratio_1h_long, 2) AS long_ratio_1h, round(ratio_1h_short, 2) AS short_ratio_1h,
       after_1h_usd, before_24h_usd, title
FROM liqwatch.news_impact
WHERE published_at >= {start:DateTime64(3)} AND published_at < {end:DateTime64(3)}
  AND ({kind:String} = '' OR kind = {kind:String})
  AND ai_score >= {min_ai_score:Float64}
ORDER BY ratio_1h DESC NULLS LAST, published_at, news_id
LIMIT {top:UInt32};
