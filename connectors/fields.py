"""Field readers shared by the exchange decoders: each raises `BadMessage` with a dlq
reason (`missing_field`, `bad_field`) instead of a KeyError or ValueError, so a bad entry
is rejected on its own."""

from __future__ import annotations

import orjson

from connectors.venue import BadMessage


def obj(value: object, what: str = "entry") -> dict:
    """`value` if it is a JSON object."""
    if not isinstance(value, dict):
        raise BadMessage("bad_field", f"{what} is not an object")
    return value


def text(o: dict, key: str) -> str:
    """A non-empty string field."""
    value = o.get(key)
    if value is None:
        raise BadMessage("missing_field", key)
    if not isinstance(value, str) or not value:
        raise BadMessage("bad_field", f"{key}={value!r}")
    return value


def number(o: dict, key: str, wire: str = "any") -> float:
    """A number sent as JSON number or decimal string (`wire`: 'any', 'json' or 'string',
    as strict as the exchange's documented format)."""
    if key not in o or o[key] is None:
        raise BadMessage("missing_field", key)
    value = o[key]
    allowed = {"any": (int, float, str), "json": (int, float), "string": (str,)}[wire]
    if isinstance(value, bool) or not isinstance(value, allowed):
        raise BadMessage("bad_field", f"{key}={value!r}")
    try:
        return float(value)
    except ValueError:
        raise BadMessage("bad_field", f"{key}={value!r}") from None


def millis(o: dict, key: str, wire: str = "any") -> int:
    """Epoch milliseconds sent as JSON integer or digit string (`wire` as in `number`)."""
    value = o.get(key)
    if value is None:
        raise BadMessage("missing_field", key)
    if wire != "string" and isinstance(value, int) and not isinstance(value, bool):
        return value
    if wire != "json" and isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    raise BadMessage("bad_field", f"{key}={value!r}")


def dumps(value: object) -> str:
    """JSON text of a (possibly odd) entry, for the dlq."""
    return orjson.dumps(value, default=str).decode()
