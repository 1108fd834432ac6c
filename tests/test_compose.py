"""docker-compose.yml and Dockerfile, checked without Docker.

The compose file is parsed with PyYAML and its variables are interpolated the way Compose
does (`${VAR:-default}`); the liqwatch settings it passes are then fed to liqwatch's own
config loader, URL parser and argument parser, so a rename in the code breaks this test
instead of the deployment.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shlex
import shutil
import subprocess
import xml.etree.ElementTree as ET
from fnmatch import fnmatch
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from liqwatch import config as config_mod
from liqwatch.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

LIQWATCH_SERVICES = {"migrate": "migrate", "worker": "worker", "connectors": "run"}
SERVICES = {"kafka", "clickhouse", "grafana", *LIQWATCH_SERVICES}

_VAR = re.compile(r"\$\$"
                  r"|\$\{(?P<braced>[A-Za-z_]\w*)(?P<op>:-|-)?(?P<default>[^}]*)\}"
                  r"|\$(?P<bare>[A-Za-z_]\w*)")


def interpolate(value: object, env: dict[str, str]) -> object:
    """Compose-style interpolation of `$$`, `$VAR`, `${VAR}`, `${VAR-x}` and `${VAR:-x}`."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def sub(m: re.Match) -> str:
        if m.group(0) == "$$":
            return "$"
        name = m.group("braced") or m.group("bare")
        op, default = m.group("op"), m.group("default")
        if m.group("braced") and default and not op:
            raise AssertionError(f"unsupported interpolation {m.group(0)!r}")
        if op == ":-":
            return env.get(name) or default
        if op == "-":
            return env.get(name, default)
        return env.get(name, "")

    return _VAR.sub(sub, value)


def load_compose(env: dict[str, str] | None = None) -> dict:
    return interpolate(yaml.safe_load(COMPOSE.read_text()), env or {})


@pytest.fixture(scope="module")
def compose() -> dict:
    return load_compose()


def service_env(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def published(service: dict) -> dict[int, int]:
    """container port -> host port of the short-syntax `ports` entries."""
    out = {}
    for entry in service.get("ports", []):
        parts = str(entry).split("/")[0].split(":")
        assert len(parts) in (2, 3), f"publish {entry!r} with an explicit host port"
        out[int(parts[-1])] = int(parts[-2])
    return out


def command(service: dict) -> list[str]:
    cmd = service["command"]
    return shlex.split(cmd) if isinstance(cmd, str) else [str(c) for c in cmd]


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


# --- compose file -------------------------------------------------------------------------


def test_compose_spec_file_without_version_key():
    raw = yaml.safe_load(COMPOSE.read_text())
    assert "version" not in raw
    assert "x-liqwatch" in raw
    assert set(raw["services"]) == SERVICES


def test_images_are_pinned(compose):
    for name, svc in compose["services"].items():
        image = svc.get("image")
        assert image or svc.get("build"), f"{name}: no image and no build"
        if svc.get("build"):
            continue
        repo, _, tag = image.rpartition(":")
        assert repo and tag and tag != "latest" and re.search(r"\d", tag), f"{name}: pin {image!r}"
    assert compose["services"]["kafka"]["image"] == "apache/kafka:3.9.1"
    assert re.fullmatch(r"clickhouse/clickhouse-server:25\.8\.\d+\.\d+",
                        compose["services"]["clickhouse"]["image"])


def test_kafka_is_one_kraft_node_with_inside_and_host_listeners(compose):
    kafka = compose["services"]["kafka"]
    env = service_env(kafka)
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert "KAFKA_ZOOKEEPER_CONNECT" not in env
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{env['KAFKA_NODE_ID']}@kafka:9093"
    assert env["CLUSTER_ID"]
    advertised = dict(item.split("://") for item in env["KAFKA_ADVERTISED_LISTENERS"].split(","))
    listeners = dict(item.split("://") for item in env["KAFKA_LISTENERS"].split(","))
    protocols = dict(item.split(":") for item in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    assert set(advertised) | set(listeners) <= set(protocols)
    assert env["KAFKA_CONTROLLER_LISTENER_NAMES"] in listeners
    assert env["KAFKA_CONTROLLER_LISTENER_NAMES"] not in advertised
    assert "kafka:9092" in advertised.values()
    host_listener = next(v for v in advertised.values() if v.startswith("localhost:"))
    host_port = int(host_listener.split(":")[1])
    assert published(kafka) == {host_port: host_port}, "host port must match the advertised one"
    for rf in ("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"):
        assert env[rf] == "1"
    assert "9092" in " ".join(kafka["healthcheck"]["test"])


def test_clickhouse_ports_volume_credentials_healthcheck(compose):
    ch = compose["services"]["clickhouse"]
    assert set(published(ch)) == {9000, 8123}
    assert any(str(v).endswith(":/var/lib/clickhouse") for v in ch["volumes"])
    raw_env = yaml.safe_load(COMPOSE.read_text())["services"]["clickhouse"]["environment"]
    for var in ("CLICKHOUSE_USER", "CLICKHOUSE_PASSWORD"):
        assert re.fullmatch(rf"\$\{{{var}:-[^}}]+\}}", raw_env[var]), f"{var}: use ${{{var}:-default}}"
    assert ch["healthcheck"]["test"]


def test_clickhouse_has_a_read_only_analyst_user(compose):
    ch = compose["services"]["clickhouse"]
    target = "/etc/clickhouse-server/users.d/analyst.xml"
    mounts = {str(v).split(":")[1]: str(v).split(":")[0] for v in ch["volumes"] if ":" in str(v)}
    source = ROOT / mounts[target]
    assert source == ROOT / "deploy/clickhouse/users.d/analyst.xml" and source.is_file()
    raw_env = yaml.safe_load(COMPOSE.read_text())["services"]["clickhouse"]["environment"]
    assert raw_env["CLICKHOUSE_ANALYST_PASSWORD"] == "${CLICKHOUSE_ANALYST_PASSWORD:-analyst}"
    root = ET.parse(source).getroot()
    assert root.tag == "clickhouse"
    user = root.find("users/analyst")
    assert user.find("password").get("from_env") == "CLICKHOUSE_ANALYST_PASSWORD"
    assert not (user.find("password").text or "").strip(), "the password comes from the env"
    profile = root.find(f"profiles/{user.findtext('profile')}")
    assert profile.findtext("readonly") == "1"
    # Grafana's client sets max_execution_time on every query: allowed, nothing else.
    assert profile.find("constraints/max_execution_time/changeable_in_readonly") is not None
    assert user.findtext("access_management") == "0"
    assert [q.text for q in user.findall("grants/query")] == ["GRANT SELECT ON liqwatch.*"]


def test_ports_are_published_on_loopback_only(compose):
    for name, svc in compose["services"].items():
        for entry in svc.get("ports", []):
            assert str(entry).startswith("127.0.0.1:"), f"{name}: publish {entry!r} on 127.0.0.1 only"


def test_bind_mounts_exist(compose):
    for name, svc in compose["services"].items():
        for volume in svc.get("volumes", []):
            source = str(volume).split(":")[0]
            if source.startswith((".", "/")):
                assert (ROOT / source).exists(), f"{name}: {source} does not exist"


def test_backing_services_have_healthchecks(compose):
    for name in ("kafka", "clickhouse"):
        check = compose["services"][name]["healthcheck"]
        assert check["test"][0] in ("CMD", "CMD-SHELL")
        assert check.get("retries", 3) >= 3


def test_dependency_order(compose):
    svcs = compose["services"]
    assert svcs["migrate"]["depends_on"]["clickhouse"]["condition"] == "service_healthy"
    for name in ("worker", "connectors"):
        deps = svcs[name]["depends_on"]
        assert deps["kafka"]["condition"] == "service_healthy"
        assert deps["migrate"]["condition"] == "service_completed_successfully"
    assert svcs["migrate"].get("restart", "no") == "no", "migrate is one-shot"


def test_liqwatch_services_share_the_image_and_worker_scales(compose):
    svcs = compose["services"]
    builds = {name: json.dumps(svcs[name]["build"], sort_keys=True) for name in LIQWATCH_SERVICES}
    assert len(set(builds.values())) == 1
    context = svcs["worker"]["build"]
    context = context if isinstance(context, str) else context.get("context", ".")
    assert (ROOT / context / "Dockerfile").resolve() == DOCKERFILE
    for name in LIQWATCH_SERVICES:
        assert "container_name" not in svcs[name]
        assert "ports" not in svcs[name]


def test_liqwatch_variables_are_known_to_the_code():
    used = set(re.findall(r"\bLIQWATCH_[A-Z0-9_]+", COMPOSE.read_text()))
    assert used, "the compose file configures liqwatch through LIQWATCH_* variables"
    assert used <= set(config_mod.ENV_VARS), f"unknown to liqwatch.config: {used - set(config_mod.ENV_VARS)}"


@pytest.mark.parametrize("env", [{}, {"CLICKHOUSE_USER": "alice", "CLICKHOUSE_PASSWORD": "s3cret"}],
                         ids=["defaults", "from-environment"])
def test_liqwatch_settings_are_accepted_by_the_code(env, monkeypatch, tmp_path):
    from storage import open_store
    from storage.server_store import ServerStore

    monkeypatch.chdir(tmp_path)  # no stray ./liqwatch.toml
    compose = load_compose(env)
    ch_env = service_env(compose["services"]["clickhouse"])
    opened = []

    def fake_init(self, host, port=9000, user="default", password="", **kwargs):  # no connection
        opened.append((host, port, user, password))

    monkeypatch.setattr(ServerStore, "__init__", fake_init)
    for name in LIQWATCH_SERVICES:
        svc_env = service_env(compose["services"][name])
        cfg = config_mod.load(env=svc_env)
        assert cfg.kafka == "kafka:9092"
        assert str(cfg.data_dir) == "/data"
        url = cfg.clickhouse_url
        parts = urlsplit(url)
        assert (parts.scheme, parts.hostname, parts.port) == ("clickhouse", "clickhouse", 9000)
        assert parts.path == "/liqwatch"
        assert isinstance(open_store(url), ServerStore)
        assert opened.pop() == ("clickhouse", 9000, ch_env["CLICKHOUSE_USER"], ch_env["CLICKHOUSE_PASSWORD"])
    if env:
        assert (ch_env["CLICKHOUSE_USER"], ch_env["CLICKHOUSE_PASSWORD"]) == ("alice", "s3cret")


def test_commands_are_real_subcommands(compose):
    parser = build_parser()
    for name, subcommand in LIQWATCH_SERVICES.items():
        args = parser.parse_args(command(compose["services"][name]))
        assert args.command == subcommand, name


# --- image ----------------------------------------------------------------------------------


def test_dockerfile_runs_liqwatch_from_app():
    instructions = dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    entrypoint = [rest for kw, rest in instructions if kw == "ENTRYPOINT"][-1]
    assert json.loads(entrypoint) == ["liqwatch"]
    assert [rest for kw, rest in instructions if kw == "WORKDIR"][-1] == "/app"
    assert ("COPY", ". .") in instructions
    runs = " ".join(rest for kw, rest in instructions if kw == "RUN")
    assert re.search(r"pip install (--no-deps )?-e \.", runs), "install editable so /app/sql is found"


def test_sql_dir_is_found_next_to_the_packages():
    # The image installs the project editable from /app, so the code's own rule for
    # finding the DDL (relative to storage/) lands on /app/sql, as it does here.
    migrate_mod = importlib.import_module("storage.migrate")
    assert migrate_mod.SQL_DIR == ROOT / "sql"
    assert migrate_mod.migrations(), "no sql/NNN_*.sql files"


def test_dockerignore_keeps_what_the_image_needs():
    patterns = [p.strip() for p in DOCKERIGNORE.read_text().splitlines()
                if p.strip() and not p.startswith("#")]
    assert not any(p.startswith("!") for p in patterns)
    for needed in ("pyproject.toml", "sql", "sql/001_init.sql", "storage/migrate.py",
                   "liqwatch/cli.py", "streams", "connectors"):
        assert not any(fnmatch(needed, p) for p in patterns), needed
    for excluded in (".git", ".venv"):
        assert excluded in patterns


def _compose_binary() -> str | None:
    """A Compose v2 binary, found on disk (never by calling `docker compose`)."""
    dirs = [os.environ.get("DOCKER_CONFIG", ""), str(Path.home() / ".docker")]
    dirs = [str(Path(d) / "cli-plugins") for d in dirs if d]
    for prefix in ("/usr/local/lib", "/usr/local/libexec", "/usr/lib", "/usr/libexec"):
        dirs.append(f"{prefix}/docker/cli-plugins")
    for d in dirs:
        if os.access(Path(d) / "docker-compose", os.X_OK):
            return str(Path(d) / "docker-compose")
    return shutil.which("docker-compose")


@pytest.mark.skipif(_compose_binary() is None, reason="docker compose is not installed")
def test_docker_compose_config_validates():
    result = subprocess.run([_compose_binary(), "-f", str(COMPOSE), "config", "--quiet"],
                            capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
