"""Publication times of JSON APIs → epoch ms UTC."""

import pytest

from connectors.news.timestamps import timestamp_ms

T = 1737964800000  # 2025-01-27T08:00:00Z


@pytest.mark.parametrize("value", [
    "2025-01-27T08:00:00Z", "2025-01-27T09:00:00+01:00", "2025-01-27 03:00:00-05:00",
    "Mon, 27 Jan 2025 08:00:00 GMT", "Mon, 27 Jan 2025 03:00:00 -0500",
    1737964800, 1737964800.0, T, "1737964800", str(T),
])
def test_accepted_forms(value):
    assert timestamp_ms(value) == T


@pytest.mark.parametrize("value", [
    "2025-01-27T08:00:00", "yesterday", "", None, True, -5, 0, float("nan"), {"t": 1},
])
def test_refused_forms(value):
    with pytest.raises(ValueError):
        timestamp_ms(value)
