-- Long/short imbalance: per asset and time bucket (an hour by default, or a day), the
-- notional of longs and of shorts liquidated and how one-sided it was. From the minute
-- rollup (kept 2 years).
--
-- Parameters:
--   start (DateTime64(3)): first minute counted, UTC, e.g. '2025-01-27 00:00:00'.
--   end (DateTime64(3)): minutes before this, UTC, e.g. '2025-01-28 00:00:00'.
--   bucket_min (UInt32, default 60): bucket length in minutes, e.g. 60 (hour), 1440 (day);
--     buckets are aligned on the UTC epoch, so an hour or a day starts on the UTC hour or day.
--   asset (String, default all): one asset, e.g. 'BTC', or '' for every asset.
-- default: bucket_min=60
-- default: asset=
--
-- Columns, by bucket then asset: bucket_start (DateTime64(3, 'UTC')), asset,
--   long_usd, short_usd, total_usd (Float64: notional liquidated),
--   long_events, short_events (UInt64),
--   imbalance (Float64: (long - short) / (long + short), from -1 all shorts to +1 all longs),
--   long_short_ratio (Nullable(Float64): long / short, NULL when no shorts).
SELECT fromUnixTimestamp64Milli(
           intDiv(intDiv(toUnixTimestamp64Milli(minute), 60000), {bucket_min:UInt32})
               * {bucket_min:UInt32} * 60000, 'UTC') AS bucket_start,
       asset,
       sumIf(notional_usd, liquidated_side = 'long') AS long_usd,
       sumIf(notional_usd, liquidated_side = 'short') AS short_usd,
       long_usd + short_usd AS total_usd,
       sumIf(events, liquidated_side = 'long') AS long_events,
       sumIf(events, liquidated_side = 'short') AS short_events,
       round((long_usd - short_usd) / total_usd, 4) AS imbalance,
       if(short_usd > 0, toNullable(round(long_usd / short_usd, 2)), NULL) AS long_short_ratio
FROM liqwatch.liquidations_minutely
WHERE minute >= {start:DateTime64(3)} AND minute < {end:DateTime64(3)}
  AND ({asset:String} = '' OR asset = {asset:String})
GROUP BY bucket_start, asset
HAVING total_usd > 0
ORDER BY bucket_start, asset;
