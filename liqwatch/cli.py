"""liqwatch command line: run | record | replay | demo | generate | eval | query | migrate |
worker | alerts.

Every failure a user can cause (bad flag, unreachable broker, bad ClickHouse URL,
missing file) ends in one line on stderr that says what to do, and a non-zero exit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import orjson

from connectors.live.recording import Recording, RecordingError
from liqwatch import config as config_mod
from liqwatch import logs
from liqwatch.config import Config, ConfigError
from liqwatch.infra import InfraError, ensure_topics, install_signal_handlers, kafka
from storage import Store, StoreError, migrate, open_store

if TYPE_CHECKING:
    from delivery.board import WebBoard

log = logging.getLogger("liqwatch.cli")
EXIT_USAGE, EXIT_FAIL = 2, 1


class UserError(Exception):
    """A problem the user can fix; printed as one line."""


class Parser(argparse.ArgumentParser):
    """argparse that reports mistakes in one line instead of usage dumps."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message} (see '{self.prog} --help')\n")
        raise SystemExit(EXIT_USAGE)


def _speed(text: str) -> float | None:
    if text == "max":
        return None
    try:
        value = float(text.rstrip("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--speed {text!r}: use 'max' or a number such as 1 or 100") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("--speed must be positive")
    return value


def _since(text: str) -> int:
    from delivery.terminal import parse_since

    try:
        return parse_since(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _option(text: str) -> tuple[str, object]:
    """KEY=VALUE with VALUE read as an int, a float, true/false, or else kept as text."""
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"--option {text!r}: use KEY=VALUE, e.g. feeds=sampled")
    value: object = {"true": True, "false": False}.get(raw.lower(), raw)
    for kind in (int, float):
        try:
            value = kind(raw)
            break
        except ValueError:
            continue
    return key.strip(), value


def _param(text: str) -> tuple[str, str]:
    """NAME=VALUE for a query placeholder; VALUE stays text (typed by the placeholder)."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(
            f"--param {text!r}: use NAME=VALUE, e.g. --param start='2025-01-27 00:00:00'")
    return key.strip(), raw


def _board_options(parser: argparse.ArgumentParser, replaying: bool) -> None:
    """--board/--no-board and --board-port (and --keep-serving for a replay or demo)."""
    parser.add_argument("--board", action=argparse.BooleanOptionalAction, default=None,
                        help="serve the live web board (default: [board] enabled)")
    parser.add_argument("--board-port", type=int, metavar="PORT",
                        help="web board port (default: [board] port; 0: any free port)")
    if replaying:
        parser.add_argument("--keep-serving", action="store_true",
                            help="keep the web board up after the replay until Ctrl-C")


def build_parser() -> Parser:
    """The argument parser of every subcommand."""
    p = Parser(prog="liqwatch", description="Crypto liquidation cascades and AI-news triggers.")
    p.add_argument("--config", type=Path, help="TOML config file (default: ./liqwatch.toml if present)")
    p.add_argument("--data-dir", type=Path, help="data directory (default: $LIQWATCH_DATA_DIR or ./.liqwatch)")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)

    r = sub.add_parser("replay", help="replay recorded files through Kafka, Faust and ClickHouse")
    r.add_argument("--raw", type=Path, metavar="DIR",
                   help="a raw feed recording (liqwatch record), played to the live connectors")
    r.add_argument("--liquidations", nargs="+", type=Path, default=[], metavar="F")
    r.add_argument("--trades", nargs="+", type=Path, default=[], metavar="F")
    r.add_argument("--news", nargs="+", type=Path, default=[], metavar="F")
    r.add_argument("--speed", type=_speed, default=None, metavar="max|N",
                   help="event-time speed-up (default: max)")
    r.add_argument("--partitions", type=int, help="input topic partitions (default from config)")
    r.add_argument("--report", type=Path, metavar="DIR",
                   help="write a chart (liquidations.png) and a summary (report.md) into DIR")
    _board_options(r, replaying=True)

    d = sub.add_parser("demo", help="generate the DeepSeek-shock scenario and replay it")
    d.add_argument("--scenario", default="deepseek")
    d.add_argument("--seed", type=int, default=7)
    d.add_argument("--report", type=Path, metavar="DIR",
                   help="where to write the report (default: <data dir>/report)")
    _board_options(d, replaying=True)

    g = sub.add_parser("generate", help="write a labelled scenario (CSV, news, truth.json)")
    g.add_argument("--out", type=Path, help="directory to write (required unless --list)")
    g.add_argument("--scenario", default="deepseek", help="see --list")
    g.add_argument("--seed", type=int, default=7)
    g.add_argument("--days", type=float, help="length in days (scenarios that take 'days')")
    g.add_argument("--option", type=_option, action="append", default=[], metavar="KEY=VALUE",
                   help="a scenario option, e.g. kinds=ai,major or feeds=sampled (repeatable)")
    g.add_argument("--list", action="store_true", help="list the scenarios and their options")

    e = sub.add_parser("eval", help="replay a labelled scenario and score detection and "
                                    "attribution against its truth")
    e.add_argument("--scenario", type=Path, required=True, metavar="DIR",
                   help="a directory written by 'liqwatch generate'")
    e.add_argument("--out", type=Path, metavar="FILE",
                   help="where to write the scores as JSON (default: DIR/eval.json)")
    e.add_argument("--check", action="store_true",
                   help="exit 1 when a target of the detection-quality issue is missed")

    q = sub.add_parser("query", help="run SQL or a query file (sql/queries/) against the "
                                     "configured ClickHouse")
    q.add_argument("sql", nargs="?", help="a SQL statement (or give --file)")
    q.add_argument("--file", type=Path, metavar="F",
                   help="a .sql file to run, e.g. sql/queries/top_cascades.sql")
    q.add_argument("--param", type=_param, action="append", default=[], metavar="NAME=VALUE",
                   help="a value for the query's {NAME:Type} placeholder (repeatable)")
    q.add_argument("--format", choices=("table", "json", "csv"), default="table")

    al = sub.add_parser("alerts", help="list past alerts (ClickHouse) or follow them live (Kafka)")
    mode = al.add_mutually_exclusive_group()
    mode.add_argument("--since", type=_since, metavar="30m|24h|7d|ISO",
                      help="list alerts created since then (default 24h; event time, UTC)")
    mode.add_argument("--follow", action="store_true",
                      help="show the live alert stream of the configured broker")
    al.add_argument("--format", choices=("table", "json", "csv"), default="table")
    al.add_argument("--limit", type=int, default=200, help="most rows shown (default 200)")

    sub.add_parser("migrate", help="create or upgrade the ClickHouse schema")
    w = sub.add_parser("worker", help="run the stream processor against the configured broker")
    w.add_argument("--metrics-addr", metavar="HOST:PORT",
                   help="serve Prometheus metrics here (default: [live] metrics_addr; \"\" off)")
    _board_options(w, replaying=False)
    run = sub.add_parser("run", help="live monitoring: exchange connectors, broker and worker")
    run.add_argument("--record", type=Path, metavar="DIR",
                     help="also write every raw frame to a recording in DIR")
    _board_options(run, replaying=False)
    rec = sub.add_parser("record", help="write every raw exchange frame to DIR (no broker)")
    rec.add_argument("--out", type=Path, required=True, metavar="DIR")
    return p


def _open_store(cfg: Config) -> Store:
    store = open_store(cfg.clickhouse_url)
    migrate(store)
    return store


def _fmt_ts(ms: int | None) -> str:
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%d %H:%M")


def _print_summary(summary, out=sys.stdout) -> None:  # noqa: ANN001 - ReplaySummary
    from rich.console import Console
    from rich.table import Table

    console = Console(file=out, width=120)
    t = Table(title="replay summary", show_header=False)
    t.add_row("events in", ", ".join(f"{k.split('.')[-1]} {v:,}" for k, v in sorted(summary.lines_in.items())))
    t.add_row("dead letters", f"{summary.dlq_lines + sum(summary.metrics['dlq'].values()):,} "
              f"({summary.dlq_lines} unparseable lines, by reason: {summary.metrics['dlq'] or {}})")
    t.add_row("rows out", ", ".join(f"{k} {v:,}" for k, v in summary.rows.items()))
    t.add_row("spikes / alerts", f"{len(summary.spikes)} / {len(summary.alerts)}")
    t.add_row("wall time", f"{summary.wall_s:.1f} s  ({summary.events_per_s:,.0f} events/s)")
    console.print(t)


def _print_alerts(alerts: list[dict], out=sys.stdout) -> None:  # noqa: ANN001
    from rich.console import Console
    from rich.table import Table

    console = Console(file=out, width=160)
    t = Table(title="alerts raised", show_lines=False)
    for col in ("created (UTC)", "severity", "relation", "alert"):
        t.add_column(col, overflow="fold")
    for a in alerts:
        t.add_row(_fmt_ts(a["created_at"]), a["severity"], a["relation"], a["body"])
    console.print(t)


async def _with_progress(label: str, start) -> object:  # noqa: ANN001 - progress → coroutine
    """Await `start(progress)` under a progress bar fed by its (done, total) calls."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), transient=True) as bar:
        task = bar.add_task(label, total=None)
        return await start(lambda done, total: bar.update(task, completed=done, total=total))


def _board(args: argparse.Namespace, cfg: Config, store: Store) -> WebBoard | None:
    """The web board that --board/--board-port and [board] ask for (None: off)."""
    if not (cfg.board.enabled if args.board is None else args.board):
        if getattr(args, "keep_serving", False):
            raise UserError("--keep-serving keeps the web board up: drop --no-board "
                            "(or set [board] enabled = true)")
        return None
    from delivery.board import WebBoard

    port = cfg.board.port if args.board_port is None else args.board_port
    return WebBoard(cfg.board.host, port, store, sectors=cfg.stream.sectors)


async def _serve_board(board: WebBoard) -> str:
    """Serve `board` for a replay and print its URL; a busy port falls back to a free one
    (a replay is short-lived; run and worker leave a busy port to the user)."""
    from delivery.board import BoardError

    try:
        url = await board.serve()
    except BoardError as exc:
        if board.port == 0:
            raise UserError(f"{exc}: pick another with --board-port PORT (0: any free port) "
                            "or turn it off with --no-board") from None
        log.warning("board port busy port=%d; serving on a free port instead", board.port)
        board.port = 0
        url = await board.serve()
    print(f"web board: {url}", flush=True)
    return url


async def _serve_final(board: WebBoard) -> None:
    """Serve the board's final state again, on the same URL, until cancelled."""
    url = await board.serve()
    print(f"web board still up at {url}; Ctrl-C to stop", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await board.close()


def _keep_serving(board: WebBoard) -> None:
    """After a replay: keep the board up until Ctrl-C, the normal way out (exit 0)."""
    with contextlib.suppress(KeyboardInterrupt):
        _run_async(_serve_final(board))


async def _replay(cfg: Config, label: str, run, board: WebBoard | None = None) -> object:  # noqa: ANN001
    """Await `run(progress, surfaces)` (a replay) with the configured webhooks and `board`
    following its alerts, under a progress bar labelled `label`."""
    from delivery.webhooks import from_config

    hooks = from_config(cfg.webhooks)
    surfaces = [hooks] if hooks else []
    if board is not None:
        await _serve_board(board)
        surfaces.append(board)
    try:
        return await _with_progress(label, lambda p: run(p, surfaces))
    finally:
        if board is not None:
            await board.close()


async def _worker(cfg: Config, store: Store, metrics_addr: str,
                  board: WebBoard | None = None) -> None:
    from delivery.webhooks import from_config
    from liqwatch.lag import ConsumerLag
    from liqwatch.live import Surfaces
    from liqwatch.metrics_http import MetricsServer
    from streams.app import Pipeline

    hooks = from_config(cfg.webhooks, group_id=cfg.webhooks.group_id)
    async with kafka(cfg) as bootstrap:
        await ensure_topics(bootstrap, cfg.stream.partitions)
        pipeline = Pipeline(cfg.stream, bootstrap, store)
        await pipeline.start()
        metrics = MetricsServer(pipeline.metrics, lag=ConsumerLag(bootstrap, pipeline.app.conf.id),
                                webhooks=hooks)
        log.info("worker started bootstrap=%s", bootstrap)
        surfaces = Surfaces(hooks, board)
        try:
            if metrics_addr:
                print(f"metrics: {await metrics.start(metrics_addr)}", flush=True)
            await surfaces.start(bootstrap)
            print(f"liqwatch worker consuming from {bootstrap}; Ctrl-C to stop", flush=True)
            while True:
                await asyncio.sleep(30)
                log.info("metrics %s", pipeline.metrics.snapshot())
        finally:
            await surfaces.stop()
            await metrics.stop()
            await pipeline.stop()


def _cmd(args: argparse.Namespace, cfg: Config) -> int:
    if args.command == "generate":
        return _generate(args)
    if args.command == "migrate":
        with open_store(cfg.clickhouse_url) as store:
            applied = migrate(store)
        print(f"schema up to date ({'applied ' + ', '.join(applied) if applied else 'nothing to apply'})")
        return 0
    if args.command == "alerts":
        return _alerts(args, cfg)
    if args.command == "query":
        from liqwatch.output import render

        sql = _query_sql(args)
        with open_store(cfg.clickhouse_url) as store:
            print(render(store.query(sql), args.format))
        return 0
    if args.command == "replay" and args.raw:
        return _replay_raw(args, cfg)
    if args.command == "replay":
        from liqwatch.replay import ReplayInputs, replay

        inputs = ReplayInputs(args.liquidations, args.trades, args.news)
        if not inputs.all():
            raise UserError("nothing to replay: give --liquidations, --trades and/or --news files")
        if args.partitions:
            cfg.stream.partitions = args.partitions
        with _open_store(cfg) as store:
            board = _board(args, cfg, store)
            summary = _run_async(_replay(cfg, "replaying", lambda p, s: replay(
                cfg, store, inputs, args.speed, progress=p, surfaces=s), board))
            _print_summary(summary)
            if args.report:
                _write_report(cfg, store, summary, args.report)
            if board is not None and args.keep_serving:
                _keep_serving(board)
        return 0
    if args.command == "demo":
        return _demo(args, cfg)
    if args.command == "eval":
        return _eval(args, cfg)
    if args.command == "worker":
        with _open_store(cfg) as store:
            addr = cfg.live.metrics_addr if args.metrics_addr is None else args.metrics_addr
            _run_async(_worker(cfg, store, addr, _board(args, cfg, store)))
        return 0
    if args.command == "run":
        from liqwatch.live import LiveRun

        with _open_store(cfg) as store:
            _run_async(LiveRun(cfg, store, args.record, board=_board(args, cfg, store)).run())
        return 0
    if args.command == "record":
        from liqwatch.record import Recorder

        _run_async(Recorder(cfg, args.out).run())
        return 0
    raise UserError(f"unknown command {args.command}")


def _query_sql(args: argparse.Namespace) -> str:
    """The SQL to run for `query`: the statement given, or --file with its --param values."""
    from storage.params import ParamError, bind, load_query

    if (args.sql is None) == (args.file is None):
        raise UserError("query takes SQL text or --file F, not both or neither, e.g. liqwatch "
                        "query --file sql/queries/exchange_share.sql --param start=2025-01-27 "
                        "--param end=2025-01-28")
    names = [name for name, _ in args.param]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise UserError(f"--param {', '.join(repeated)} given more than once: give each once")
    values = dict(args.param)
    try:
        if args.file is not None:
            return load_query(args.file, values)
        return bind(args.sql, values) if values else args.sql
    except ParamError as exc:
        raise UserError(f"{args.file or 'query'}: {exc}") from None


def _generate(args: argparse.Namespace) -> int:
    from liqwatch.scenarios import SCENARIOS, generate, scenario_options

    if args.list:
        print("\n".join(f"{name}: {text}" for name, text in SCENARIOS.items()))
        return 0
    if args.out is None:
        raise UserError("generate needs --out DIR (or --list)")
    if args.scenario not in SCENARIOS:
        raise UserError(f"unknown scenario {args.scenario!r}; choose one of {', '.join(SCENARIOS)}")
    options = dict(args.option)
    if args.days is not None:
        options["days"] = args.days
    accepted = scenario_options(args.scenario)
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise UserError(f"scenario {args.scenario!r} takes no option {', '.join(unknown)}; "
                        f"its options: {', '.join(accepted)}")
    try:
        files = generate(args.out, args.scenario, args.seed, **options)
    except ValueError as exc:
        raise UserError(f"scenario {args.scenario!r}: {exc}") from None
    print(f"wrote {files.liquidations.parent}: {files.truth['counts']}")
    return 0


def _write_report(cfg: Config, store: Store, summary, out: Path) -> None:  # noqa: ANN001
    from liqwatch.report import PNG, load_report, write_report

    md = write_report(load_report(store, summary.lines_in), out,
                      cfg.stream.correlator.ai_threshold)
    print(f"report: {md} (chart: {md.parent / PNG})", flush=True)


def _alerts(args: argparse.Namespace, cfg: Config) -> int:
    from rich.console import Console

    from delivery import terminal
    from liqwatch.output import render

    if args.follow:
        if cfg.kafka == "embedded":
            print("hint: the embedded broker starts empty; to follow a running stack set "
                  "LIQWATCH_KAFKA=host:port of its broker", file=sys.stderr, flush=True)
        _run_async(_follow(cfg, Console(), args.limit))
        return 0
    since = terminal.parse_since("24h") if args.since is None else args.since
    with open_store(cfg.clickhouse_url) as store:
        rows = terminal.list_alerts(store, since, args.limit)
    if args.format != "table":
        print(render(terminal.as_result(rows), args.format))
    elif rows:
        title = f"alerts since {terminal.format_utc(since)} UTC"
        Console().print(terminal.render_table(rows, title))
    else:
        print(terminal.since_hint(since))
    return 0


async def _follow(cfg: Config, console, limit: int) -> None:  # noqa: ANN001 - rich Console
    from delivery.terminal import follow

    async with kafka(cfg) as bootstrap:
        if cfg.kafka == "embedded":
            await ensure_topics(bootstrap, cfg.stream.partitions)
        await follow(bootstrap, console, limit=limit)


def _replay_raw(args: argparse.Namespace, cfg: Config) -> int:
    from liqwatch.raw_replay import replay_raw

    if args.liquidations or args.trades or args.news:
        raise UserError("--raw replays a recording on its own; give either --raw DIR or "
                        "--liquidations/--trades/--news files")
    recording = Recording.open(args.raw)
    if args.partitions:
        cfg.stream.partitions = args.partitions
    with _open_store(cfg) as store:
        board = _board(args, cfg, store)
        summary = _run_async(_replay(cfg, "replaying raw frames", lambda p, s: replay_raw(
            cfg, store, recording, args.speed, p, surfaces=s), board))
        _print_summary(summary)
        _print_alerts(summary.alerts)
        if args.report:
            _write_report(cfg, store, summary, args.report)
        if board is not None and args.keep_serving:
            _keep_serving(board)
    return 0


def _eval(args: argparse.Namespace, cfg: Config) -> int:
    from liqwatch.evaluate.harness import ScenarioError, evaluate
    from liqwatch.evaluate.report import print_scores

    try:
        result = _run_async(_with_progress(
            "replaying scenario", lambda p: evaluate(cfg, args.scenario, p)))
    except ScenarioError as exc:
        raise UserError(str(exc)) from None
    out = args.out or args.scenario / "eval.json"
    out.write_bytes(orjson.dumps(result.scores, option=orjson.OPT_INDENT_2) + b"\n")
    print_scores(result.scores)
    print(f"scores written to {out}")
    if args.check and result.misses:
        sys.stderr.write(f"liqwatch: targets missed: {'; '.join(result.misses)}\n")
        return EXIT_FAIL
    return 0


def _demo(args: argparse.Namespace, cfg: Config) -> int:
    from liqwatch.replay import ReplayInputs, replay
    from liqwatch.scenarios import generate

    out = cfg.data_dir / "scenarios" / f"{args.scenario}-{args.seed}"
    t0 = time.perf_counter()
    print(f"generating scenario '{args.scenario}' (seed {args.seed}) into {out} ...", flush=True)
    files = generate(out, args.scenario, args.seed)
    print(f"  {files.truth['counts']} in {time.perf_counter() - t0:.1f} s", flush=True)
    inputs = ReplayInputs([files.liquidations], [files.trades], [files.news])
    with _open_store(cfg) as store:
        board = _board(args, cfg, store)
        summary = _run_async(_replay(cfg, "replaying", lambda p, s: replay(
            cfg, store, inputs, None, progress=p, surfaces=s), board))
        _print_summary(summary)
        _print_alerts([a for a in summary.alerts])
        _write_report(cfg, store, summary, args.report or cfg.data_dir / "report")
        print("\nSee them in ClickHouse:\n  .venv/bin/liqwatch query "
              "\"SELECT created_at, severity, relation, title FROM liqwatch.alerts FINAL ORDER BY created_at\"")
        if board is not None and args.keep_serving:
            _keep_serving(board)
    return 0


def _run_async(coro):  # noqa: ANN001, ANN202 - any coroutine
    async def main():  # noqa: ANN202
        task = asyncio.ensure_future(coro)
        install_signal_handlers(task)
        return await task

    return asyncio.run(main())


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `liqwatch` command."""
    args = build_parser().parse_args(argv)
    try:
        cfg = config_mod.load(args.config)
        if args.data_dir:
            cfg.data_dir = args.data_dir
        logs.setup(cfg.data_dir, args.verbose)
        return _cmd(args, cfg)
    except (ConfigError, StoreError, InfraError, UserError, RecordingError,
            FileNotFoundError) as exc:
        sys.stderr.write(f"liqwatch: error: {exc}\n")
        return EXIT_FAIL
    except KeyboardInterrupt:
        sys.stderr.write("liqwatch: interrupted\n")
        return 130
    except asyncio.CancelledError:
        sys.stderr.write("liqwatch: stopped\n")
        return 143


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        raise SystemExit(main())
