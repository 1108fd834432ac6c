"""Watermarks, lateness and duplicates per partition; merged watermark across sources."""

from streams.clock import GlobalClock, PartitionClock


def test_partition_clock_flags_late_and_duplicate_events():
    clock = PartitionClock(lateness_ms=1_000)
    assert clock.admit("a", 10_000)
    assert not clock.admit("a", 10_000)          # same event again: duplicate
    assert clock.watermark == 9_000
    assert clock.is_late(8_999) and not clock.is_late(9_000)
    clock.advance(20_000)                        # producer's marker moves the watermark
    assert clock.watermark == 19_000
    assert clock.is_late(10_000)


def test_global_clock_is_min_of_sources_and_waits_for_silent_ones():
    clock = GlobalClock({"t/0", "t/1"})
    clock.update("t/0", 5_000)
    assert clock.watermark is None               # t/1 has not spoken: its data may come
    clock.update("t/1", 3_000)
    assert clock.watermark == 3_000
    clock.update("t/1", 2_000)                   # watermarks never go back
    assert clock.watermark == 3_000
    clock.update("t/1", None, final=True)
    assert clock.watermark == 5_000 and not clock.all_final
    clock.update("t/0", None, final=True)
    assert clock.all_final
