"""Deterministic identifiers: the same source event always gets the same id."""

from __future__ import annotations

import hashlib


def stable_id(*parts: object) -> str:
    """A 20-hex-char id hashed from the parts' text, stable across runs and machines."""
    text = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.blake2b(text.encode(), digest_size=10).hexdigest()
