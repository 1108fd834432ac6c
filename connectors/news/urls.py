"""Canonical form of article URLs, so one story reached through different links (tracking
parameters, http vs https, www., a trailing slash, a fragment) has one identity."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

_TRACKING_PREFIXES = ("utm_", "mc_", "ga_")
_TRACKING_PARAMS = frozenset({"fbclid", "gclid", "dclid", "msclkid", "igshid", "ref",
                              "ref_src", "cmpid", "ncid", "mod", "guccounter",
                              "outputtype", "taid", "smid", "src"})


def canonical_url(url: str) -> str:
    """Scheme-less, lower-case host without `www.`, path without trailing slash, query
    without tracking parameters (the rest sorted), no fragment; "" for a non-http URL."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    host = parts.hostname.lower().removeprefix("www.")
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                   if not k.lower().startswith(_TRACKING_PREFIXES)
                   and k.lower() not in _TRACKING_PARAMS)
    path = parts.path.rstrip("/")
    return f"{host}{path}" + (f"?{urlencode(query)}" if query else "")
