"""Structured logging: key=value lines to stderr and to the data dir's log file."""

from __future__ import annotations

import logging
import time
from pathlib import Path

NOISY = ("faust", "mode", "aiokafka", "kafka")


class KeyValueFormatter(logging.Formatter):
    """ts=… level=… logger=… msg="…": greppable, one event per line."""

    def format(self, record: logging.LogRecord) -> str:
        ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        msg = record.getMessage().replace('"', "'")
        line = f'ts={ts}.{int(record.msecs):03d}Z level={record.levelname.lower()} logger={record.name} msg="{msg}"'
        if record.exc_info:
            line += " exc=" + repr(self.formatException(record.exc_info))
        return line


def setup(data_dir: Path, verbose: bool) -> None:
    """Log INFO to <data_dir>/logs/liqwatch.log; stderr gets warnings (INFO with -v)."""
    root = logging.getLogger()
    root.handlers.clear()
    root.setLevel(logging.INFO)
    fmt = KeyValueFormatter()
    err = logging.StreamHandler()
    err.setLevel(logging.INFO if verbose else logging.WARNING)
    err.setFormatter(fmt)
    root.addHandler(err)
    log_dir = data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    file = logging.FileHandler(log_dir / "liqwatch.log")
    file.setFormatter(fmt)
    root.addHandler(file)
    for name in NOISY:
        logging.getLogger(name).setLevel(logging.WARNING if verbose else logging.CRITICAL)
