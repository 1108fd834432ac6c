"""Grafana provisioning (deploy/grafana) and the liqwatch dashboard, checked without Grafana.

The provisioning files must point at what docker-compose.yml mounts, and every SQL query the
dashboard holds (panels, annotations, variables) must run on the real schema: each query is
expanded the way the ClickHouse data source plugin (grafana-clickhouse-datasource v4) would
expand it (see `render`) and run on a migrated chDB store holding a few known rows.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from storage import QueryResult, Store, migrate, open_store
from tests.test_compose import load_compose, published, service_env

ROOT = Path(__file__).resolve().parents[1]
GRAFANA = ROOT / "deploy" / "grafana"
DASHBOARD = GRAFANA / "dashboards" / "liqwatch.json"
DATASOURCES = GRAFANA / "provisioning" / "datasources" / "clickhouse.yaml"
PROVIDERS = GRAFANA / "provisioning" / "dashboards" / "liqwatch.yaml"
PLUGIN = "grafana-clickhouse-datasource"
ALL = "$__all"  # the value Grafana gives a variable when "All" is selected

MIN = 60_000
T0 = 1_737_954_000_000  # 2025-01-27 05:00:00 UTC
RANGE = (T0 - 5 * 60 * MIN, T0 + 60 * MIN)  # the dashboard's time range: 00:00 to 06:00
NOW = time.time_ns() // 1_000_000  # ingested_at (TTLs count from it)

# Panel title -> (kind, columns its query must return).
PANELS = {
    "Liquidated notional per minute by side": ("timeseries",
                                               {"time", "liquidated_side", "usd_per_minute"}),
    "Liquidation events per minute by side": ("timeseries",
                                              {"time", "liquidated_side", "events_per_minute"}),
    "Alerts": ("table", {"created_at", "severity", "relation", "correlation_score", "title", "asset_list",
                         "liquidated_side", "alert_id", "spike_id", "news_id"}),
    "Spikes": ("table", {"onset_ts", "peak_ts", "end_ts", "status", "severity", "scope", "key", "asset_list",
                         "liquidated_side", "notional_usd", "ratio", "spike_id"}),
    "AI stories and the liquidations after them": ("table", {"published_at", "kind", "title", "ai_score",
                                                             "ratio_1h", "ratio_4h", "news_id"}),
}
ANNOTATIONS = {"AI news": {"time", "title", "text", "tags"},
               "Spikes": {"time", "timeEnd", "title", "text", "tags"}}


def load_dashboard() -> dict:
    return json.loads(DASHBOARD.read_text())


def utc(millis: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(millis / 1000, dt.timezone.utc)


# --- the plugin's query expansion -----------------------------------------------------------


def _macro_args(sql: str, open_paren: int) -> tuple[list[str], int]:
    """Arguments of the macro call whose '(' is at `open_paren` (split at top-level commas)
    and the index just past its ')'."""
    depth, start, args = 0, open_paren + 1, []
    for i in range(open_paren, len(sql)):
        if sql[i] == "(":
            depth += 1
        elif sql[i] == ")":
            depth -= 1
            if depth == 0:
                args.append(sql[start:i])
                return args, i + 1
        elif sql[i] == "," and depth == 1:
            args.append(sql[start:i])
            start = i + 1
    raise AssertionError(f"unbalanced macro call in {sql!r}")


def conditional_all(sql: str, variables: dict[str, list[str] | str]) -> str:
    """`$__conditionalAll(condition, $var)` -> `1=1` when var is All or empty, else the condition
    (the plugin's frontend does this before it substitutes variables)."""
    macro = "$__conditionalAll("
    while (start := sql.rfind(macro)) != -1:
        args, end = _macro_args(sql, start + len(macro) - 1)
        assert len(args) == 2, f"$__conditionalAll takes 2 arguments: {args}"
        name = re.fullmatch(r"\s*\$\{?(\w+)\}?\s*", args[1]).group(1)
        value = variables[name]
        sql = sql[:start] + ("1=1" if value in (ALL, [ALL], "", []) else args[0]) + sql[end:]
    return sql


def substitute(sql: str, variables: dict[str, list[str] | str], options: dict[str, list[str]]) -> str:
    """Grafana's template variables: `${var:singlequote}` -> 'a','b'; `$var` / `${var}` with the
    plugin's own format (a list -> 'a','b', a single value as is). All -> every option."""

    def sub(m: re.Match) -> str:
        name, fmt = m.group(1) or m.group(3), m.group(2)
        if name not in variables:
            return m.group(0)  # not a dashboard variable (a macro such as $__timeFilter)
        value = variables[name]
        if value in (ALL, [ALL]):
            value = options[name]
        if fmt == "singlequote":
            values = value if isinstance(value, list) else [value]
            return ",".join("'" + v.replace("'", "\\'") + "'" for v in values)
        assert fmt is None, f"format {fmt!r} is not modelled here"
        return "'" + "','".join(value) + "'" if isinstance(value, list) else value

    return re.sub(r"\$\{(\w+)(?::(\w+))?\}|\$(\w+)", sub, sql)


def expand_macros(sql: str, start_ms: int, end_ms: int, interval_s: int) -> str:
    """The plugin backend's macros (pkg/macros/macros.go), for a time range and interval."""
    start_s, end_s = start_ms // 1000, end_ms // 1000
    start_day, end_day = (f"{utc(t):%Y-%m-%d}" for t in (start_ms, end_ms))
    interval = max(interval_s, 1)
    simple = {
        "fromTime": f"toDateTime({start_s})", "toTime": f"toDateTime({end_s})",
        "fromTime_ms": f"fromUnixTimestamp64Milli({start_ms})",
        "toTime_ms": f"fromUnixTimestamp64Milli({end_ms})",
        "interval_s": str(interval),
    }
    with_column = {
        "timeFilter": lambda c: f"{c} >= toDateTime({start_s}) AND {c} <= toDateTime({end_s})",
        "timeFilter_ms": lambda c: (f"{c} >= fromUnixTimestamp64Milli({start_ms}) AND "
                                    f"{c} <= fromUnixTimestamp64Milli({end_ms})"),
        "dateFilter": lambda c: f"{c} >= toDate('{start_day}') AND {c} <= toDate('{end_day}')",
        "timeInterval": lambda c: f"toStartOfInterval(toDateTime({c}), INTERVAL {interval} second)",
        "timeInterval_ms": lambda c: (f"toStartOfInterval(toDateTime64({c}, 3), "
                                      f"INTERVAL {interval * 1000} millisecond)"),
    }
    out, pos = [], 0
    for m in re.finditer(r"\$__(\w+)", sql):
        if m.start() < pos:
            continue
        name = m.group(1)
        out.append(sql[pos:m.start()])
        if name in simple:
            out.append(simple[name])
            pos = m.end()
        elif name in with_column:
            assert sql[m.end():m.end() + 1] == "(", f"$__{name} takes a column"
            args, pos = _macro_args(sql, m.end())
            assert len(args) == 1, f"$__{name} takes one column"
            out.append(with_column[name](args[0].strip()))
        else:
            raise AssertionError(f"macro $__{name} is not one of the plugin's")
    return "".join(out) + sql[pos:]


def render(sql: str, variables: dict[str, list[str] | str], options: dict[str, list[str]],
           interval_s: int = 60) -> str:
    """A dashboard query as ClickHouse receives it: conditionalAll, variables, then macros."""
    sql = substitute(conditional_all(sql, variables), variables, options)
    sql = expand_macros(sql, *RANGE, interval_s)
    assert "$" not in sql, f"left unexpanded: {sql}"
    return sql


def test_render_matches_the_plugin():
    variables, options = {"asset": ["BTC", "ETH"], "side": ALL}, {"side": ["long", "short"]}
    sql = ("SELECT $__timeInterval(ts) WHERE $__timeFilter(ts) AND side IN (${side:singlequote}) "
           "AND $__conditionalAll(asset IN (${asset:singlequote}), $asset) "
           "AND $__conditionalAll(x IN ($side), $side) AND y = $__interval_s")
    assert render(sql, variables, options, interval_s=300) == (
        f"SELECT toStartOfInterval(toDateTime(ts), INTERVAL 300 second) "
        f"WHERE ts >= toDateTime({RANGE[0] // 1000}) AND ts <= toDateTime({RANGE[1] // 1000}) "
        "AND side IN ('long','short') AND asset IN ('BTC','ETH') AND 1=1 AND y = 300")


# --- dashboard and provisioning files -------------------------------------------------------


def dashboard_queries(dash: dict) -> list[tuple[str, str]]:
    """(where, rawSql) of every ClickHouse query in the dashboard."""
    out = []
    for panel in dash["panels"]:
        out += [(f"panel {panel['title']!r}", t["rawSql"]) for t in panel.get("targets", [])]
    for ann in dash["annotations"]["list"]:
        if not ann.get("builtIn"):
            out.append((f"annotation {ann['name']!r}", ann["target"]["rawSql"]))
    for var in dash["templating"]["list"]:
        if var["type"] == "query":
            query = var["query"]
            out.append((f"variable {var['name']!r}", query if isinstance(query, str) else query["rawSql"]))
    return out


def test_dashboard_has_the_panels_variables_and_annotations():
    dash = load_dashboard()
    assert dash["uid"] and dash["title"]
    panels = {p["title"]: p for p in dash["panels"]}
    assert set(panels) == set(PANELS)
    assert len({p["id"] for p in dash["panels"]}) == len(dash["panels"])
    for title, (kind, _) in PANELS.items():
        panel = panels[title]
        assert panel["type"] == kind, title
        for target in panel["targets"]:
            assert target["editorType"] == "sql" and target["queryType"] == kind
            assert target["format"] == (0 if kind == "timeseries" else 1)  # sqlutil: 0 series, 1 table
    variables = {v["name"]: v for v in dash["templating"]["list"]}
    assert set(variables) == {"asset", "side"}
    assert variables["side"]["query"].split(",") == ["long", "short"]
    for var in variables.values():
        assert var["multi"] and var["includeAll"] and "allValue" not in var  # All -> conditionalAll
    annotations = {a["name"] for a in dash["annotations"]["list"] if not a.get("builtIn")}
    assert annotations == set(ANNOTATIONS)


def test_every_query_uses_the_provisioned_data_source():
    dash = load_dashboard()
    ds = yaml.safe_load(DATASOURCES.read_text())["datasources"][0]
    refs = [p["datasource"] for p in dash["panels"]]
    refs += [t["datasource"] for p in dash["panels"] for t in p["targets"]]
    refs += [a["datasource"] for a in dash["annotations"]["list"] if not a.get("builtIn")]
    refs += [v["datasource"] for v in dash["templating"]["list"] if v["type"] == "query"]
    assert refs and all(r == {"type": PLUGIN, "uid": ds["uid"]} for r in refs)


def test_datasource_provisioning_reaches_clickhouse_without_a_stored_secret():
    doc = yaml.safe_load(DATASOURCES.read_text())
    assert doc["apiVersion"] == 1
    [ds] = doc["datasources"]
    assert ds["type"] == PLUGIN
    json_data = ds["jsonData"]
    compose = load_compose()
    clickhouse = compose["services"]["clickhouse"]
    assert json_data["host"] == "clickhouse"
    assert json_data["protocol"] == "native" and json_data["port"] in published(clickhouse)
    assert json_data["defaultDatabase"] == "liqwatch"
    user_ref = re.fullmatch(r"\$\{(\w+)\}", json_data["username"])
    password_ref = re.fullmatch(r"\$\{(\w+)\}", ds["secureJsonData"]["password"])
    assert user_ref and password_ref, "credentials come from Grafana's environment"
    for env in ({}, {"CLICKHOUSE_ANALYST_PASSWORD": "s3cret"}):
        services = load_compose(env)["services"]
        grafana_env, ch_env = service_env(services["grafana"]), service_env(services["clickhouse"])
        assert grafana_env[user_ref.group(1)] == "analyst", "dashboards read as the read-only user"
        assert grafana_env[password_ref.group(1)] == ch_env["CLICKHOUSE_ANALYST_PASSWORD"]


def container_mounts(service: dict) -> dict[str, tuple[Path, str]]:
    """container path -> (host path, mode) of the service's bind mounts."""
    out = {}
    for volume in service["volumes"]:
        source, target, *mode = str(volume).split(":")
        if source.startswith("."):
            out[target] = ((ROOT / source).resolve(), mode[0] if mode else "rw")
    return out


def test_compose_mounts_the_provisioning_read_only_where_it_points():
    grafana = load_compose()["services"]["grafana"]
    mounts = container_mounts(grafana)
    assert mounts["/etc/grafana/provisioning"] == ((GRAFANA / "provisioning").resolve(), "ro")
    [provider] = yaml.safe_load(PROVIDERS.read_text())["providers"]
    assert provider["type"] == "file"
    host_dir, mode = mounts[provider["options"]["path"]]
    assert (host_dir, mode) == (DASHBOARD.parent.resolve(), "ro")
    home = service_env(grafana)["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert Path(home).parent.as_posix() == provider["options"]["path"]
    assert (host_dir / Path(home).name).is_file()


def test_grafana_service():
    raw = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["grafana"]
    grafana = load_compose()["services"]["grafana"]
    assert re.fullmatch(r"grafana/grafana:12\.\d+\.\d+", grafana["image"])
    env = service_env(grafana)
    assert re.fullmatch(rf"{PLUGIN}@\d+\.\d+\.\d+", env["GF_PLUGINS_PREINSTALL_SYNC"])
    assert grafana["ports"] == ["127.0.0.1:3000:3000"]
    assert grafana["depends_on"]["clickhouse"]["condition"] == "service_healthy"
    admin_password = raw["environment"]["GF_SECURITY_ADMIN_PASSWORD"]
    assert re.fullmatch(r"\$\{GRAFANA_ADMIN_PASSWORD:-[^}]+\}", admin_password)
    assert env["GF_AUTH_ANONYMOUS_ORG_ROLE"] == "Viewer"


# --- every query on chDB --------------------------------------------------------------------


def ms(minute: int) -> int:
    """T0 plus `minute` minutes, in ms."""
    return T0 + minute * MIN


def at(minute: int) -> dt.datetime:
    """T0 plus `minute` minutes, as the store returns it."""
    return utc(ms(minute))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A migrated chDB store with a few known rows (closed after this module: one chDB
    directory per process)."""
    s = open_store(f"chdb://{tmp_path_factory.mktemp('grafana') / 'chdb'}")
    migrate(s)
    rollup = [  # (minute, asset, exchange, side, events, notional_usd, ingested_at)
        (0, "BTC", "binance", "long", 9, 9_999.0, NOW - 1),  # replaced by the next row
        *[(m, "BTC", "binance", "long", 2, 1_000.0, NOW) for m in range(10)],
        *[(m, "BTC", "bybit", "short", 1, 500.0, NOW) for m in range(5)],
        (2, "ETH", "okx", "long", 3, 300.0, NOW),
        (-29 * 60, "SOL", "binance", "long", 1, 50.0, NOW),  # a day earlier: outside the range
    ]
    s.insert("liquidations_1m", {
        "minute": [ms(r[0]) for r in rollup], "asset": [r[1] for r in rollup],
        "exchange": [r[2] for r in rollup], "liquidated_side": [r[3] for r in rollup],
        "events": [r[4] for r in rollup], "notional_usd": [r[5] for r in rollup],
        "max_event_usd": [r[5] for r in rollup], "ingested_at": [r[6] for r in rollup],
    })
    spikes = [  # (spike_id, scope, key, assets, side, onset, peak, end, status, version)
        ("s1", "asset", "BTC", ["BTC"], "long", 0, 3, None, "open", 1),
        ("s1", "asset", "BTC", ["BTC"], "long", 0, 3, 10, "resolved", 2),
        ("s2", "market", "market", ["BTC", "ETH", "SOL"], "both", 5, 7, None, "open", 1),
        ("s3", "asset", "ETH", ["ETH"], "short", -7 * 1440, -7 * 1440, -7 * 1440 + 5, "resolved", 1),
    ]
    s.insert("spikes", {
        "spike_id": [r[0] for r in spikes], "scope": [r[1] for r in spikes], "key": [r[2] for r in spikes],
        "assets": [r[3] for r in spikes], "liquidated_side": [r[4] for r in spikes],
        "horizon": ["5m"] * len(spikes), "onset_ts": [ms(r[5]) for r in spikes],
        "detected_at": [ms(r[5] + 1) for r in spikes], "peak_ts": [ms(r[6]) for r in spikes],
        "end_ts": [None if r[7] is None else ms(r[7]) for r in spikes],
        "notional_usd": [5e6] * len(spikes), "baseline_usd": [1e5] * len(spikes),
        "ratio": [50.0] * len(spikes), "zscore": [9.0] * len(spikes), "event_count": [40] * len(spikes),
        "severity": ["high"] * len(spikes), "status": [r[8] for r in spikes],
        "version": [r[9] for r in spikes],
    })
    alerts = [  # (alert_id, created minute, spike_id, news_id, relation, title, version)
        ("a1", 1, "s1", "n1", "trigger", "draft", 1),
        ("a1", 1, "s1", "n1", "trigger", "BTC long cascade after the DeepSeek story", 2),
        ("a2", 6, "s2", None, "none", "market-wide cascade", 1),
        ("a3", -7 * 1440 + 1, "s3", None, "none", "last week", 1),
    ]
    s.insert("alerts", {
        "alert_id": [r[0] for r in alerts], "created_at": [ms(r[1]) for r in alerts],
        "spike_id": [r[2] for r in alerts], "news_id": [r[3] for r in alerts],
        "relation": [r[4] for r in alerts], "correlation_score": [0.8] * len(alerts),
        "severity": ["high"] * len(alerts), "title": [r[5] for r in alerts],
        "body": ["why"] * len(alerts), "version": [r[6] for r in alerts],
    })
    news = [  # (news_id, published minute, title, ai_score, assets, kind)
        ("n1", -5, "DeepSeek app tops the App Store", 0.9, ["BTC"], "event"),
        ("n2", 0, "Fed holds rates", 0.1, [], "other"),
        ("n3", 30, "Liquidations soar after the AI news", 0.7, [], "coverage"),
    ]
    s.insert("news", {
        "news_id": [r[0] for r in news], "source": ["wire"] * len(news),
        "published_at": [ms(r[1]) for r in news], "title": [r[2] for r in news],
        "body": [""] * len(news), "url": [f"https://news.example/{r[0]}" for r in news],
        "ai_score": [r[3] for r in news], "entities": [[]] * len(news),
        "assets": [r[4] for r in news], "kind": [r[5] for r in news],
    })
    yield s
    s.close()


OPTIONS = {"asset": ["BTC", "ETH"], "side": ["long", "short"]}  # what the variables offer
SELECTIONS = {
    "all": {"asset": ALL, "side": ALL},
    "btc-long": {"asset": ["BTC"], "side": ["long"]},
    "eth-short": {"asset": ["ETH"], "side": ["short"]},
    "btc-eth-both-sides": {"asset": ["BTC", "ETH"], "side": ["long", "short"]},
}


def run(store: Store, sql: str, selection: str, interval_s: int = 60) -> QueryResult:
    return store.query(render(sql, SELECTIONS[selection], OPTIONS, interval_s))


def named(result: QueryResult) -> list[dict]:
    return [dict(zip(result.columns, row)) for row in result.rows]


def queries_of(title: str) -> list[str]:
    return [t["rawSql"] for p in load_dashboard()["panels"] if p["title"] == title for t in p["targets"]]


@pytest.mark.parametrize("selection", SELECTIONS)
@pytest.mark.parametrize("interval_s", [1, 60, 300])
def test_every_query_runs_on_chdb(store, selection, interval_s):
    for where, sql in dashboard_queries(load_dashboard()):
        result = run(store, sql, selection, interval_s)
        assert result.columns, where


@pytest.mark.parametrize("title", [t for t, (kind, _) in PANELS.items() if kind == "timeseries"])
def test_time_series_return_time_a_side_label_and_a_number(store, title):
    [sql] = queries_of(title)
    _, expected = PANELS[title]
    result = run(store, sql, "all")
    assert set(result.columns) == expected
    types = dict(zip(result.columns, result.types))
    assert result.columns[0] == "time" and types["time"].startswith("DateTime")
    value = next(c for c in result.columns if c not in ("time", "liquidated_side"))
    assert re.fullmatch(r"(Nullable\()?(Float|U?Int)\d+\)?", types[value])
    times = [row[0] for row in result.rows]
    assert result.rows and times == sorted(times), "time series must be ordered by time"


def test_notional_per_minute_is_exact_at_every_bucket_size(store):
    [sql] = queries_of("Liquidated notional per minute by side")
    def series(selection: str, interval_s: int) -> dict[tuple[dt.datetime, str], float]:
        rows = named(run(store, sql, selection, interval_s))
        return {(r["time"], r["liquidated_side"]): r["usd_per_minute"] for r in rows}

    by_minute = series("all", 60)
    assert by_minute[(at(0), "long")] == 1_000.0  # the re-written minute counts once (FINAL)
    assert by_minute[(at(2), "long")] == 1_300.0
    assert {side for _, side in by_minute} == {"long", "short"}
    five = series("all", 300)
    assert five[(at(0), "long")] == (5 * 1_000 + 300) / 5
    assert five[(at(0), "short")] == 500.0
    assert series("btc-long", 300) == {(at(0), "long"): 1_000.0, (at(5), "long"): 1_000.0}


def test_panel_tables_return_their_columns(store):
    for title, (kind, expected) in PANELS.items():
        if kind == "table":
            [sql] = queries_of(title)
            result = run(store, sql, "all")
            assert expected <= set(result.columns), (title, expected - set(result.columns))
            assert result.rows, title


def test_alerts_show_the_latest_version_filtered_by_the_spike(store):
    [sql] = queries_of("Alerts")
    rows = named(run(store, sql, "all"))
    assert [(r["alert_id"], r["title"]) for r in rows] == [
        ("a2", "market-wide cascade"), ("a1", "BTC long cascade after the DeepSeek story")]
    assert rows[1]["asset_list"] == "BTC" and rows[1]["news_id"] == "n1"
    assert [r["alert_id"] for r in named(run(store, sql, "eth-short"))] == ["a2"]  # s2 is both sides
    assert [r["alert_id"] for r in named(run(store, sql, "btc-long"))] == ["a2", "a1"]


def test_spikes_overlapping_the_range_latest_version(store):
    [sql] = queries_of("Spikes")
    rows = {r["spike_id"]: r for r in named(run(store, sql, "all"))}
    assert set(rows) == {"s1", "s2"}
    assert rows["s1"]["status"] == "resolved" and rows["s2"]["end_ts"] is None
    assert [r["spike_id"] for r in named(run(store, sql, "eth-short"))] == ["s2"]


def test_ai_stories_table_and_news_annotations(store):
    [sql] = queries_of("AI stories and the liquidations after them")
    assert [r["news_id"] for r in named(run(store, sql, "all"))] == ["n3", "n1"]
    assert [r["news_id"] for r in named(run(store, sql, "eth-short"))] == ["n3"]  # market-wide story
    dash = load_dashboard()
    ann = {a["name"]: a["target"]["rawSql"] for a in dash["annotations"]["list"] if not a.get("builtIn")}
    news = run(store, ann["AI news"], "all")
    assert set(news.columns) == ANNOTATIONS["AI news"]
    assert [r["title"] for r in named(news)] == ["DeepSeek app tops the App Store",
                                                "Liquidations soar after the AI news"]
    assert named(news)[0]["tags"] == ["event", "BTC"]
    spikes = run(store, ann["Spikes"], "all")
    assert set(spikes.columns) == ANNOTATIONS["Spikes"]
    regions = {(r["time"], r["timeEnd"]) for r in named(spikes)}
    assert regions == {(at(0), at(10)), (at(5), at(7))}  # s2 is open: to its peak


def test_asset_variable_lists_assets_in_range(store):
    [(_, sql)] = [q for q in dashboard_queries(load_dashboard()) if q[0].startswith("variable")]
    assert run(store, sql, "all").rows == [("BTC",), ("ETH",)]
