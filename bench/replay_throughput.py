"""Replay throughput benchmark: end-to-end (Kafka → Faust → chDB) vs a consume-only ceiling.

    .venv/bin/python bench/replay_throughput.py [--scenario deepseek|small] [--seed N]
                                                [--partitions N] [--out results.json]

1. Generates the scenario into a temp dir (in a child process, so neither its time nor
   its memory counts below).
2. Starts ONE embedded Tansu broker for the whole run, points `cfg.kafka` at it (so
   `replay()` treats it as an external broker) and opens a fresh chDB store.
3. End-to-end: `replay(..., speed=None)`; events/s = input lines / summary.wall_s (first
   produce to last ClickHouse flush; Faust's group join happens before and is excluded).
4. Ceiling, same broker: a plain AIOKafkaConsumer reads every message the replay put on
   the input topics, once without decoding (messages/s, bytes/s) and once with orjson
   decoding and counting the events in each batch (events/s, comparable with step 3).
5. Prints a compact table; --out writes everything as JSON.

See bench/README.md for what the figures mean and the results on the reference machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import multiprocessing
import platform
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ceiling  # noqa: E402  (bench/ceiling.py)

import liqwatch.replay as replay_mod  # noqa: E402
from liqwatch.config import Config, load  # noqa: E402
from liqwatch.infra import embedded_broker  # noqa: E402
from liqwatch.replay import ReplayInputs, replay  # noqa: E402
from storage import migrate, open_store  # noqa: E402
from streams import topics as T  # noqa: E402

SAMPLE_S = 0.1


# ---- scenario generation (child process) ------------------------------------------------

def _generate(out_dir: str, scenario: str, seed: int) -> tuple[dict, float]:
    from liqwatch.scenarios import generate

    t0 = time.perf_counter()
    files = generate(Path(out_dir), scenario, seed)
    return ({"liquidations": str(files.liquidations), "trades": str(files.trades),
             "news": str(files.news), "counts": files.truth.get("counts", {})},
            time.perf_counter() - t0)


def generate_scenario(out_dir: Path, scenario: str, seed: int) -> tuple[dict, float]:
    """Generate in a spawned child so its CPU time and memory stay out of the figures."""
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        return pool.submit(_generate, str(out_dir), scenario, seed).result()


# ---- light instrumentation of replay() (bench-only, nothing outside bench/ changes) -----

def _merger_state(pipeline: Any) -> dict:
    """Steps waiting in the stats merger and how far apart its sources' watermarks are
    (read defensively: these are internals and may change)."""
    out: dict[str, Any] = {}
    merger = getattr(pipeline, "merger", None)
    pending = getattr(merger, "pending", None)
    if isinstance(pending, dict):
        out["merger_pending_steps"] = len(pending)
    wms = getattr(getattr(merger, "clock", None), "_wm", None)
    if isinstance(wms, dict):
        vals = [v for v in wms.values() if v is not None]
        if vals:
            out["merger_slowest_source"] = min((v, k) for k, v in wms.items() if v is not None)[1]
            out["merger_source_wm_spread_min"] = round((max(vals) - min(vals)) / 60_000, 1)
            out["merger_sources_silent"] = sum(v is None for v in wms.values())
    return out


class Probe:
    """Timestamps of the replay's phases and a timeline of the pipeline's counters.

    `replay()` builds its Pipeline and BatchPublisher from names in liqwatch.replay; we
    wrap those names for the duration of the run to keep a reference and time them. If a
    refactor removes them, the benchmark still runs, just without the phase breakdown.
    """

    def __init__(self) -> None:
        self.t: dict[str, float] = {}
        self.pipeline: Any = None
        self.published = 0
        self.timeline: list[tuple] = []
        self._restore: list[tuple[str, Any]] = []
        self._task: asyncio.Task | None = None

    def mark(self, name: str) -> None:
        self.t.setdefault(name, time.perf_counter())

    def progress(self, done: int, total: int) -> None:
        self.mark("publish_first_progress")
        self.published = done
        if done >= total:
            self.mark("publish_done")

    def install(self) -> None:
        probe = self
        orig_pipeline = getattr(replay_mod, "Pipeline", None)
        orig_publisher = getattr(replay_mod, "BatchPublisher", None)
        if orig_pipeline is not None:
            class TimedPipeline(orig_pipeline):  # type: ignore[misc, valid-type]
                def __init__(self, *a: Any, **kw: Any) -> None:
                    super().__init__(*a, **kw)
                    probe.pipeline = self

                async def start(self) -> None:
                    probe.mark("faust_start_begin")
                    await super().start()
                    probe.mark("faust_start_end")

                async def wait_done(self, *a: Any, **kw: Any) -> None:
                    probe.mark("publish_returned")
                    await self.done.wait()
                    probe.mark("pipeline_done")
                    await super().wait_done(*a, **kw)

            self._restore.append(("Pipeline", orig_pipeline))
            replay_mod.Pipeline = TimedPipeline
        if orig_publisher is not None:
            def publisher(*a: Any, **kw: Any) -> Any:
                probe.mark("wall0")  # replay() sets its wall0 just before building this
                return orig_publisher(*a, **kw)

            self._restore.append(("BatchPublisher", orig_publisher))
            replay_mod.BatchPublisher = publisher

    def uninstall(self) -> None:
        for name, obj in self._restore:
            setattr(replay_mod, name, obj)

    async def _sample(self) -> None:
        while True:
            p = self.pipeline
            if p is not None:
                m = p.metrics
                ev = sum(m.events_in.values())
                rows = sum(m.sink_rows.values())
                now = time.perf_counter()
                self.timeline.append((now, self.published, ev, rows,
                                      {t.split(".")[-1]: n for t, n in m.events_in.items()},
                                      _merger_state(p)))
                if ev and "first_consumed" not in self.t:
                    self.mark("first_consumed")
            await asyncio.sleep(SAMPLE_S)

    def start_sampling(self) -> None:
        self._task = asyncio.ensure_future(self._sample())

    async def stop_sampling(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    def phases(self, wall_s: float) -> dict[str, float]:
        """Seconds relative to replay()'s wall0 (first produce)."""
        t = self.t
        w0 = t.get("wall0")
        if w0 is None:
            return {}
        out = {name: round(v - w0, 3) for name, v in t.items() if name != "wall0"}
        out["wall_end"] = round(wall_s, 3)
        if "faust_start_begin" in t and "faust_start_end" in t:
            out["faust_start_s"] = round(t["faust_start_end"] - t["faust_start_begin"], 3)
        # Consumption progress when publishing ended: how far the pipeline lagged.
        if "publish_done" in t and self.timeline:
            before = [x for x in self.timeline if x[0] <= t["publish_done"]]
            if before:
                out["events_consumed_at_publish_done"] = before[-1][2]
        return out

    def coarse_timeline(self, every_s: float = 1.0) -> list[dict]:
        w0 = self.t.get("wall0")
        if w0 is None:
            return []
        out, next_t = [], w0
        for now, pub, ev, rows, per_topic, merger in self.timeline:
            if now >= next_t:
                out.append({"t": round(now - w0, 2), "published_lines": pub,
                            "events_consumed": ev, "sink_rows": rows,
                            "consumed_by_topic": per_topic, **merger})
                next_t = now + every_s
        return out


# ---- the run ---------------------------------------------------------------------------

async def run(args: argparse.Namespace, tmp: Path, files: dict) -> dict:
    cfg: Config = load(args.config, env={}) if args.config else Config()
    if args.partitions:
        cfg.stream.partitions = args.partitions
    cfg.data_dir = tmp / "data"
    cfg.clickhouse = f"chdb://{tmp}/chdb"
    store = open_store(cfg.clickhouse)
    migrate(store)
    inputs = ReplayInputs([Path(files["liquidations"])], [Path(files["trades"])],
                          [Path(files["news"])])
    result: dict[str, Any] = {}
    probe = Probe()
    async with embedded_broker(tmp / "broker-logs") as bootstrap:
        cfg.kafka = bootstrap
        port = int(bootstrap.rsplit(":", 1)[1])
        broker_pid = ceiling.find_broker_pid(port)
        broker_cpu0 = ceiling.proc_cpu_s(broker_pid) if broker_pid else None

        # 3. end to end
        probe.install()
        probe.start_sampling()
        cpu0, t0, sys0 = ceiling.self_cpu_s(), time.perf_counter(), ceiling.system_busy_s()
        try:
            summary = await replay(cfg, store, inputs, None, progress=probe.progress)
        finally:
            await probe.stop_sampling()
            probe.uninstall()
        replay_call_s = time.perf_counter() - t0
        self_cpu = ceiling.self_cpu_s() - cpu0
        broker_cpu = (ceiling.proc_cpu_s(broker_pid) - broker_cpu0
                      if broker_pid and broker_cpu0 is not None else None)
        others_cpu = ceiling.system_busy_s() - sys0 - self_cpu - (broker_cpu or 0.0)
        rss_after_replay = ceiling.self_peak_rss_mb()

        # 4. ceiling on the same broker, same messages
        topics = list(T.INPUT_TOPICS)
        raws, decs = [], []
        for _ in range(max(1, args.ceiling_runs)):  # alternate; keep each variant's best
            raws.append(await ceiling.consume_all(bootstrap, topics, decode=False))
            decs.append(await ceiling.consume_all(bootstrap, topics, decode=True))
        raw = min(raws, key=lambda x: x.seconds)
        dec = min(decs, key=lambda x: x.seconds)
        # Messages the Faust app handled besides the inputs (stats goes through `detect`).
        internal = await ceiling.topic_sizes(bootstrap, [T.STATS, T.DLQ, T.SPIKES, T.ALERTS])

        broker_mem = ceiling.proc_status_mb(broker_pid) if broker_pid else {}
    store.close()

    events = sum(summary.lines_in.values())
    e2e = events / summary.wall_s if summary.wall_s else 0.0
    raw_eps = raw.events_per_s(dec.events)
    dec_eps = dec.events_per_s()
    result = {
        "scenario": args.scenario, "seed": args.seed, "partitions": cfg.stream.partitions,
        "replay_max_batch": cfg.replay.max_batch, "replay_span_ms": cfg.replay.span_ms,
        "machine": {"python": platform.python_version(), "cpus": multiprocessing.cpu_count(),
                    "platform": platform.platform()},
        "events_in": events,
        "lines_in": dict(summary.lines_in),
        "dlq_lines": summary.dlq_lines,
        "rows_out": summary.rows,
        "spikes": len(summary.spikes), "alerts": len(summary.alerts),
        "replay_wall_s": summary.wall_s,
        "replay_call_s": replay_call_s,
        "end_to_end_events_per_s": e2e,
        "kafka": {"messages": dec.messages, "event_batches": dec.messages - dec.watermarks,
                  "watermark_markers": dec.watermarks, "events_in_batches": dec.events,
                  "bytes": dec.bytes, "per_topic": dec.per_topic,
                  "internal_topics": internal},
        "ceiling_raw": raw.to_dict() | {"events_per_s": raw_eps,
                                        "all_seconds": [x.seconds for x in raws]},
        "ceiling_orjson": dec.to_dict() | {"events_per_s": dec_eps,
                                           "all_seconds": [x.seconds for x in decs]},
        "ratio_e2e_to_ceiling_raw": e2e / raw_eps if raw_eps else None,
        "ratio_e2e_to_ceiling_orjson": e2e / dec_eps if dec_eps else None,
        "peak_rss_mb_process": rss_after_replay,
        "peak_rss_mb_broker": broker_mem.get("VmHWM"),
        "broker_pid_found": broker_pid is not None,
        "cpu_s_process_during_replay": self_cpu,
        "cpu_s_broker_during_replay": broker_cpu,
        "cpu_s_other_processes_during_replay": others_cpu,
        "phases_s": probe.phases(summary.wall_s),
        "timeline": probe.coarse_timeline(),
        "metrics": summary.metrics,
    }
    return result


def _fmt(n: float | None, unit: str = "") -> str:
    return "n/a" if n is None else f"{n:,.0f}{unit}"


def print_table(r: dict, gen_s: float) -> None:
    k = r["kafka"]
    batches = k["event_batches"]
    ph = r.get("phases_s", {})
    lines = r["lines_in"]
    rows = [
        ("scenario", f"{r['scenario']} (seed {r['seed']}), {r['partitions']} partitions, "
                     f"generated in {gen_s:.1f} s (not counted)"),
        ("events in", f"{r['events_in']:,}  ("
         + ", ".join(f"{t.split('.')[-1]} {n:,}" for t, n in sorted(lines.items())) + ")"),
        ("kafka messages", f"{k['messages']:,}  ({batches:,} batches, "
         f"{k['events_in_batches'] / batches if batches else 0:,.0f} events/batch avg, "
         f"{k['watermark_markers']:,} watermarks; {k['bytes'] / 1e6:,.1f} MB); "
         f"+ {k['internal_topics'].get(T.STATS, 0):,} internal stats messages"),
        ("replay wall", f"{r['replay_wall_s']:.2f} s first produce → last flush "
                        f"(replay() call {r['replay_call_s']:.1f} s incl. Faust start/stop)"),
        ("end-to-end", f"{_fmt(r['end_to_end_events_per_s'])} events/s"),
        ("ceiling, raw", f"(best of {len(r['ceiling_raw']['all_seconds'])}) {_fmt(r['ceiling_raw']['events_per_s'])} events/s  "
         f"({_fmt(r['ceiling_raw']['messages_per_s'])} msg/s, "
         f"{r['ceiling_raw']['bytes_per_s'] / 1e6:,.0f} MB/s, {r['ceiling_raw']['seconds']:.2f} s)"),
        ("ceiling, orjson", f"(best of {len(r['ceiling_orjson']['all_seconds'])}) {_fmt(r['ceiling_orjson']['events_per_s'])} events/s  "
         f"({r['ceiling_orjson']['seconds']:.2f} s)"),
        ("e2e / ceiling", f"{r['ratio_e2e_to_ceiling_raw']:.1%} of raw, "
                          f"{r['ratio_e2e_to_ceiling_orjson']:.1%} of orjson"),
        ("peak RSS", f"process {r['peak_rss_mb_process']:,.0f} MiB (Faust+chDB+aiokafka+replay); "
         f"broker {_fmt(r['peak_rss_mb_broker'], ' MiB') if r['broker_pid_found'] else 'n/a (pid not found)'}"),
        ("CPU during replay", f"process {r['cpu_s_process_during_replay']:.1f} s, broker "
         f"{_fmt(r['cpu_s_broker_during_replay'] and round(r['cpu_s_broker_during_replay'], 1))} s "
         f"(replay() call {r['replay_call_s']:.1f} s); other processes "
         f"{r['cpu_s_other_processes_during_replay']:.1f} s of the machine's "
         f"{r['replay_call_s'] * r['machine']['cpus']:.0f} core-s"),
    ]
    if ph:
        rows.append(("phases (s from 1st produce)",
                     f"Faust start {ph.get('faust_start_s', float('nan')):.1f} s before; "
                     f"1st consumed {ph.get('first_consumed', float('nan')):.1f}; "
                     f"publish done {ph.get('publish_done', float('nan')):.1f} "
                     f"({ph.get('events_consumed_at_publish_done', 0):,} events consumed by then); "
                     f"pipeline done {ph.get('pipeline_done', float('nan')):.1f}; "
                     f"flushed {ph['wall_end']:.1f}"))
    sink = r["metrics"].get("sink_seconds", {})
    if sink:
        rows.append(("sink insert time", ", ".join(f"{t} {s:.1f} s" for t, s in sink.items() if s >= 0.05)
                     or "< 0.1 s"))
    rows.append(("rows out", ", ".join(f"{t} {n:,}" for t, n in r["rows_out"].items())))
    rows.append(("spikes / alerts", f"{r['spikes']} / {r['alerts']}"))
    width = max(len(a) for a, _ in rows)
    print()
    for a, b in rows:
        print(f"{a:<{width}}  {b}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scenario", default="deepseek", choices=("deepseek", "small"))
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--partitions", type=int, default=None,
                   help="input topic partitions (default: the config default)")
    p.add_argument("--config", type=Path, default=None,
                   help="liqwatch.toml to start from (default: built-in defaults, env ignored)")
    p.add_argument("--ceiling-runs", type=int, default=2,
                   help="passes of each ceiling variant; the fastest is reported (default 2)")
    p.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    p.add_argument("-v", "--verbose", action="store_true", help="log liqwatch INFO messages")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    with tempfile.TemporaryDirectory(prefix="liqwatch-bench-") as d:
        tmp = Path(d)
        print(f"generating scenario {args.scenario} (seed {args.seed}) ...", flush=True)
        files, gen_s = generate_scenario(tmp / "scenario", args.scenario, args.seed)
        print(f"  {files['counts']} in {gen_s:.1f} s; replaying ...", flush=True)
        result = asyncio.run(run(args, tmp, files))
    result["generate_s"] = gen_s
    result["scenario_counts"] = files["counts"]
    print_table(result, gen_s)
    if args.out:
        args.out.write_text(json.dumps(result, indent=2, default=str) + "\n")
        print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
