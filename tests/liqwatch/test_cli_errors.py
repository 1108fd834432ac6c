"""User mistakes end in one line on stderr and a non-zero exit."""

from __future__ import annotations

import os
import subprocess
import sys


def liqwatch(*args, env=None, tmp_path=None):
    full_env = {**os.environ, "LIQWATCH_DATA_DIR": str(tmp_path), **(env or {})}
    return subprocess.run([sys.executable, "-m", "liqwatch.cli", *args], capture_output=True,
                          text=True, env=full_env, timeout=120)


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def test_bad_flag(tmp_path):
    r = liqwatch("replay", "--bogus", tmp_path=tmp_path)
    assert r.returncode == 2
    assert "unrecognized arguments: --bogus" in one_line(r.stderr)


def test_bad_speed(tmp_path):
    r = liqwatch("replay", "--speed", "fast", tmp_path=tmp_path)
    assert r.returncode == 2
    assert "use 'max' or a number" in one_line(r.stderr)


def test_unreachable_broker(tmp_path):
    f = tmp_path / "l.csv"
    f.write_text("exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n")
    r = liqwatch("replay", "--liquidations", str(f), env={"LIQWATCH_KAFKA": "127.0.0.1:1"},
                 tmp_path=tmp_path)
    assert r.returncode == 1
    line = one_line(r.stderr)
    assert "cannot reach Kafka at 127.0.0.1:1" in line and "LIQWATCH_KAFKA" in line


def test_bad_kafka_setting(tmp_path):
    r = liqwatch("query", "SELECT 1", env={"LIQWATCH_KAFKA": "kafka://nohost"}, tmp_path=tmp_path)
    assert r.returncode == 1
    assert "is not 'embedded' or host:port" in one_line(r.stderr)


def test_bad_clickhouse_url(tmp_path):
    r = liqwatch("query", "SELECT 1", env={"LIQWATCH_CLICKHOUSE": "foo://u:secret@x"},
                 tmp_path=tmp_path)
    assert r.returncode == 1
    line = one_line(r.stderr)
    assert "is not a ClickHouse URL" in line and "secret" not in line


def test_missing_input_file(tmp_path):
    r = liqwatch("replay", "--liquidations", str(tmp_path / "nope.csv"), tmp_path=tmp_path)
    assert r.returncode == 1
    assert "does not exist" in one_line(r.stderr)


def test_exchange_url_with_a_path(tmp_path):
    cfg = tmp_path / "liqwatch.toml"
    cfg.write_text('[exchanges.okx]\nws_url = "wss://ws.okx.com:8443/ws/v5/public"\n')
    r = liqwatch("--config", str(cfg), "run", tmp_path=tmp_path)
    assert r.returncode == 1
    line = one_line(r.stderr)
    assert "exchanges.okx.ws_url" in line and "scheme and host only" in line


def test_unknown_exchange(tmp_path):
    cfg = tmp_path / "liqwatch.toml"
    cfg.write_text('[exchanges.ftx]\nenabled = true\n')
    r = liqwatch("--config", str(cfg), "run", tmp_path=tmp_path)
    assert r.returncode == 1
    assert "unknown exchange 'ftx'" in one_line(r.stderr)
