"""The one formatter of durations and time left that every front end uses."""

from __future__ import annotations

import math

from engine.timefmt import format_duration, format_eta


def test_durations_read_as_minutes_and_seconds_or_hours():
    assert format_duration(0) == "0:00"
    assert format_duration(59.4) == "0:59"
    assert format_duration(59.6) == "1:00"
    assert format_duration(140) == "2:20"
    assert format_duration(3600 + 65) == "1:01:05"
    assert format_duration(-3) == format_duration(math.nan) == "0:00"


def test_time_left_says_when_it_is_only_a_bound():
    assert format_eta(140) == "2:20 left"
    assert format_eta(140, at_most=True) == "≤ 2:20 left"
    assert format_eta(None) == format_eta(math.inf) == ""
