"""Durations and distances in scenario files always carry a unit."""
from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.scenarios.units import format_duration, parse_distance_m, parse_duration_min


@pytest.mark.parametrize("text, minutes", [
    ("90s", 1.5), ("45min", 45.0), ("3h", 180.0), ("2d", 2880.0), ("1.5h", 90.0),
    ("1h30min", 90.0), ("3 h", 180.0), (" 20min ", 20.0), ("2 days", 2880.0), ("1hr", 60.0),
])
def test_duration_strings_are_read_as_minutes(text, minutes):
    assert parse_duration_min(text) == pytest.approx(minutes)


@pytest.mark.parametrize("bare", [20, 2.5, 0])
def test_bare_number_duration_is_refused_and_says_how_to_write_it(bare):
    with pytest.raises(ValueError, match="needs a unit") as info:
        parse_duration_min(bare)
    assert f"'{bare}min'" in str(info.value) and "bare number" in str(info.value)


def test_m_is_not_a_duration_unit_because_it_could_mean_metres():
    with pytest.raises(ValueError, match="'m' is ambiguous: write 'min'"):
        parse_duration_min("20m")


@pytest.mark.parametrize("text, says", [
    ("3 weeks", "unknown duration unit 'weeks'"),
    ("-5min", "must not be negative"),
    ("soon", "cannot read 'soon' as a duration"),
    ("3h later", "cannot read '3h later'"),
    ("", "cannot read"),
])
def test_unreadable_durations_name_the_problem(text, says):
    with pytest.raises(ValueError, match=says):
        parse_duration_min(text)


@pytest.mark.parametrize("value", [True, None, [3, "h"], {"h": 3}])
def test_durations_of_other_types_are_refused(value):
    with pytest.raises(ValueError):
        parse_duration_min(value)


@pytest.mark.parametrize("text, metres", [("500m", 500.0), ("2.5km", 2500.0), ("1 km", 1000.0)])
def test_distance_strings_are_read_as_metres(text, metres):
    assert parse_distance_m(text) == metres


@pytest.mark.parametrize("value, says", [(500, "needs a unit"), ("5 miles", "cannot read"),
                                         ("far", "cannot read"), (None, "expected a distance")])
def test_unreadable_distances_are_refused(value, says):
    with pytest.raises(ValueError, match=says):
        parse_distance_m(value)


@pytest.mark.parametrize("minutes, text", [(180, "3h"), (2880, "2d"), (45, "45min"), (1.5, "90s"),
                                           (0, "0min"), (90, "90min")])
def test_durations_are_written_with_the_largest_exact_unit(minutes, text):
    assert format_duration(minutes) == text


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**9))
def test_written_duration_reads_back_to_the_same_minutes(seconds):
    minutes = seconds / 60
    assert math.isclose(parse_duration_min(format_duration(minutes)), minutes, rel_tol=1e-11, abs_tol=1e-9)
