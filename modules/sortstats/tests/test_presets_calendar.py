"""The dashboard's period presets on the days the calendar is awkward (found by the suite's run
with the clock moved to 29 February 2028: the page answered 500)."""

from datetime import date

import pytest

from modules.sortstats.views import _presets


@pytest.mark.parametrize(
    ("today", "twelve_months_from"),
    [
        (date(2028, 2, 29), date(2027, 3, 1)),  # leap day: "the same day last year" does not exist
        (date(2027, 12, 31), date(2027, 1, 1)),
        (date(2027, 1, 1), date(2026, 2, 1)),
        (date(2026, 3, 31), date(2025, 4, 1)),
    ],
)
def test_presets_on_awkward_days(today, twelve_months_from):
    presets = dict(_presets(today))
    assert presets["近12个月"] == {"start": twelve_months_from, "end": today, "granularity": "month"}
    assert presets["本月"]["start"] == today.replace(day=1)
    assert presets["上月"]["end"] < presets["本月"]["start"] <= presets["近7天"]["end"] == today
