"""Publication times as sources give them → epoch milliseconds UTC.

JSON APIs use ISO 8601, RFC 2822 or epoch numbers in seconds or milliseconds; a time
without a zone is refused rather than guessed (a wrong zone moves a story by hours,
which decides whether it came before or after a liquidation spike).
"""

from __future__ import annotations

import math
from datetime import datetime
from email.utils import parsedate_to_datetime

# Epoch values below this are seconds (1e11 s is the year 5138; 1e11 ms is 1973).
_SECONDS_BELOW = 100_000_000_000


def _epoch_ms(value: float) -> int:
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{value!r} is not a positive epoch time")
    return int(round(value * 1000)) if value < _SECONDS_BELOW else int(value)


def timestamp_ms(value: object) -> int:
    """Epoch ms of an ISO 8601 / RFC 2822 string with a zone, or of epoch s or ms (number
    or digits); ValueError otherwise."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{value!r} is not a time")
    if isinstance(value, (int, float)):
        return _epoch_ms(float(value))
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{value!r} is not a time")
    text = value.strip()
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is not None:
        return _epoch_ms(number)
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        try:
            dt = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            raise ValueError(f"{text!r} is not ISO 8601, RFC 2822 or epoch time") from None
    if dt.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return int(dt.timestamp() * 1000)
