-- Feed gaps: how long each exchange feed (per channel) was down in a period, so that
-- "no liquidations" can be told from "no data". From liqwatch.gaps (written by the live
-- connectors); a gap is counted for the part of it inside the period.
--
-- Parameters:
--   start (DateTime64(3)): period start, UTC, e.g. '2025-01-26 00:00:00'.
--   end (DateTime64(3)): period end, UTC, e.g. '2025-01-28 00:00:00'.
--
-- Columns, longest total downtime first: exchange, channel,
--   gaps (UInt64: outages overlapping the period), down_s (Float64: seconds down inside
--   the period), longest_s (Float64: the longest such outage), down_share (Float64: down_s
--   over the period's length), first_from, last_to (DateTime64(3, 'UTC'): first outage
--   start and last outage end), reasons (Array(String): distinct reasons given).
SELECT exchange, channel,
       count() AS gaps,
       sum(dateDiff('millisecond', greatest(from_ts, {start:DateTime64(3)}),
                    least(to_ts, {end:DateTime64(3)})) / 1000) AS down_s,
       max(dateDiff('millisecond', greatest(from_ts, {start:DateTime64(3)}),
                    least(to_ts, {end:DateTime64(3)})) / 1000) AS longest_s,
       round(down_s * 1000 / dateDiff('millisecond', {start:DateTime64(3)}, {end:DateTime64(3)}),
             6) AS down_share,
       min(from_ts) AS first_from,
       max(to_ts) AS last_to,
       arraySort(groupUniqArray(reason)) AS reasons
FROM liqwatch.gaps FINAL
WHERE from_ts < {end:DateTime64(3)} AND to_ts > {start:DateTime64(3)}
GROUP BY exchange, channel
ORDER BY down_s DESC, exchange, channel;
