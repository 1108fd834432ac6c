"""Helpers for bench/replay_throughput.py: the consume-only ceiling and /proc readings.

The ceiling is a plain aiokafka consume loop over the input topics that a replay just
filled: no Faust, no sink. Two variants read the same messages: `raw` only counts
messages and bytes; `orjson` decodes every message and counts the events inside, so its
events/s compare directly with the end-to-end figure.
"""

from __future__ import annotations

import os
import resource
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition


@dataclass
class ConsumeResult:
    """What one pass over the topics read, timed from the first message to the last."""

    variant: str
    messages: int = 0
    bytes: int = 0
    events: int = 0           # counted by decoding (orjson variant only)
    watermarks: int = 0       # watermark/final markers (orjson variant only)
    seconds: float = 0.0
    per_topic: dict[str, int] = field(default_factory=dict)

    @property
    def messages_per_s(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0

    @property
    def bytes_per_s(self) -> float:
        return self.bytes / self.seconds if self.seconds else 0.0

    def events_per_s(self, events: int | None = None) -> float:
        """Events/s; the raw pass does not decode, so give it the decoded pass's count."""
        n = self.events if events is None else events
        return n / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict:
        return asdict(self) | {"messages_per_s": self.messages_per_s,
                               "bytes_per_s": self.bytes_per_s}


async def consume_all(bootstrap: str, topics: list[str], decode: bool) -> ConsumeResult:
    """Read every message now in `topics` (manual assignment, from the beginning)."""
    res = ConsumeResult("orjson" if decode else "raw")
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None,
                                enable_auto_commit=False, auto_offset_reset="earliest",
                                max_partition_fetch_bytes=8 << 20, fetch_max_bytes=64 << 20)
    await consumer.start()
    try:
        await consumer.topics()  # make sure topic metadata is loaded
        tps = [TopicPartition(t, p) for t in topics
               for p in sorted(consumer.partitions_for_topic(t) or ())]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        starts = await consumer.beginning_offsets(tps)
        remaining = {tp: ends[tp] - starts[tp] for tp in tps if ends[tp] > starts[tp]}
        expected = sum(remaining.values())
        per_topic: dict[str, int] = {t: 0 for t in topics}
        t_first: float | None = None
        t_last = 0.0
        n = nbytes = events = marks = 0
        loads = orjson.loads
        while n < expected:
            batches = await consumer.getmany(timeout_ms=1000)
            if not batches:
                continue
            if t_first is None:
                t_first = time.perf_counter()
            for tp, msgs in batches.items():
                per_topic[tp.topic] += len(msgs)
                n += len(msgs)
                if decode:
                    for m in msgs:
                        v = m.value
                        nbytes += len(v)
                        obj = loads(v)
                        ev = obj.get("events")
                        if ev is None:
                            marks += 1
                        else:
                            events += len(ev)
                else:
                    for m in msgs:
                        nbytes += len(m.value)
            t_last = time.perf_counter()
        res.messages, res.bytes, res.events, res.watermarks = n, nbytes, events, marks
        res.seconds = t_last - (t_first or t_last)
        res.per_topic = per_topic
    finally:
        await consumer.stop()
    return res


# ---- process figures ----------------------------------------------------------------

def self_peak_rss_mb() -> float:
    """Peak RSS of this process (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def self_cpu_s() -> float:
    """User + system CPU seconds of this process so far (all threads)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def find_broker_pid(port: int) -> int | None:
    """The pid of our embedded Tansu child listening on `port`, found by scanning /proc."""
    me = os.getpid()
    needle = f"127.0.0.1:{port}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes()
            if b"tansu" not in cmd or needle not in cmd:
                continue
            status = (entry / "status").read_text()
        except OSError:
            continue
        ppid = next((int(line.split()[1]) for line in status.splitlines()
                     if line.startswith("PPid:")), None)
        if ppid == me:
            return int(entry.name)
    return None


def proc_status_mb(pid: int) -> dict[str, float]:
    """VmHWM (peak RSS) and VmRSS of `pid`, in MiB."""
    out: dict[str, float] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                out[key] = int(rest.split()[0]) / 1024
    except OSError:
        pass
    return out


def proc_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of `pid` (from /proc/<pid>/stat)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def system_busy_s() -> float:
    """CPU seconds all processes on the machine spent busy (from /proc/stat), to tell
    how much of the machine other processes took while the benchmark ran."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, idle, iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


async def topic_sizes(bootstrap: str, topics: list[str]) -> dict[str, int]:
    """Messages now in each topic (end minus beginning offsets, summed over partitions)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None,
                                enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer.topics()
        out: dict[str, int] = {}
        for t in topics:
            tps = [TopicPartition(t, p) for p in sorted(consumer.partitions_for_topic(t) or ())]
            if not tps:
                continue
            ends = await consumer.end_offsets(tps)
            starts = await consumer.beginning_offsets(tps)
            out[t] = sum(ends[tp] - starts[tp] for tp in tps)
        return out
    finally:
        await consumer.stop()
