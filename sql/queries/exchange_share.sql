-- Exchange share: each exchange's share of liquidation notional and of liquidation events
-- in a period. Some feeds are sampled (Binance sends at most one liquidation per symbol per
-- second), so its event share is a lower bound: see sampled_events. From the minute rollup.
--
-- Parameters:
--   start (DateTime64(3)): first minute counted, UTC, e.g. '2025-01-26 00:00:00'.
--   end (DateTime64(3)): minutes before this, UTC, e.g. '2025-01-28 00:00:00'.
--   asset (String, default all): one asset, e.g. 'BTC', or '' for every asset.
-- default: asset=
--
-- Columns, largest notional first: exchange, notional_usd (Float64),
--   notional_share (Float64: of all exchanges' notional, the shares sum to 1),
--   events (UInt64), event_share (Float64), sampled_events (UInt64: events from sampled
--   feeds), long_usd, short_usd (Float64), max_event_usd (Float64: the largest liquidation).
SELECT exchange, usd AS notional_usd, round(usd / sum(usd) OVER (), 4) AS notional_share,
       n AS events, round(n / sum(n) OVER (), 4) AS event_share, sampled AS sampled_events,
       long_sum AS long_usd, short_sum AS short_usd, largest AS max_event_usd
FROM
(
    SELECT exchange, sum(m.notional_usd) AS usd, sum(m.events) AS n,
           sum(m.sampled_events) AS sampled,
           sumIf(m.notional_usd, m.liquidated_side = 'long') AS long_sum,
           sumIf(m.notional_usd, m.liquidated_side = 'short') AS short_sum,
           max(m.max_event_usd) AS largest
    FROM liqwatch.liquidations_minutely AS m
    WHERE m.minute >= {start:DateTime64(3)} AND m.minute < {end:DateTime64(3)}
      AND ({asset:String} = '' OR m.asset = {asset:String})
    GROUP BY exchange
)
ORDER BY notional_usd DESC, exchange;
