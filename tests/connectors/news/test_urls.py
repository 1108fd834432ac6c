"""Canonical article URLs."""

from connectors.news.urls import canonical_url


def test_tracking_scheme_host_and_slash_do_not_matter():
    a = canonical_url("https://www.CoinDesk.com/markets/2025/01/27/btc/?utm_source=rss&id=7#top")
    b = canonical_url("http://coindesk.com/markets/2025/01/27/btc?id=7&fbclid=xyz")
    assert a == b == "coindesk.com/markets/2025/01/27/btc?id=7"


def test_query_order_and_ports():
    assert canonical_url("https://x.example/a?b=2&a=1") == "x.example/a?a=1&b=2"
    assert canonical_url("https://x.example:8443/a") == "x.example:8443/a"


def test_non_http_is_empty():
    assert canonical_url("urn:uuid:1234") == "" and canonical_url("tag:x,2025:1") == ""
    assert canonical_url("not a url") == ""
