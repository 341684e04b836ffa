"""The cheaper ways the per-replication summary works its figures out agree to the bit with
the direct formulas they replace (kept here as the references)."""
from __future__ import annotations

import numpy as np
import pytest

from sim.analysis import relief
from sim.api import run
from sim.scenarios import builtin_scenario_path, load_scenario
from sim.world.needs import DAY_MIN

H = 60.0


@pytest.fixture(scope="module")
def three_outages():
    return run(load_scenario(builtin_scenario_path("three_outages")))


def _short_by_zone_whole(table, affected, at_abs, received, sheltered) -> np.ndarray:
    """People short while needing relief, summed over the groups: every row at once."""
    needing, short = relief._needs_to_date(table, affected, at_abs, received, sheltered)
    return np.where(needing > 0, short, 0.0).sum(axis=2)


@pytest.mark.parametrize("block_bytes", [1, 3 * 8 * 10, relief._BLOCK_BYTES])
def test_people_short_worked_out_a_block_of_rows_at_a_time_are_the_whole_table_s(three_outages, monkeypatch,
                                                                                 block_bytes):
    monkeypatch.setattr(relief, "_BLOCK_BYTES", block_bytes * three_outages.world.needs.n_zones)
    w = three_outages.world
    table = w.needs
    affected = np.array([z.is_affected for z in w.zones])
    assert 0 < affected.sum() < len(affected)
    at = table.hit_min[None, :] + (np.arange(0, 3 * DAY_MIN / H + 1) * H)[:, None]
    rng = np.random.default_rng(11)
    received = np.cumsum(rng.random(at.shape + (len(table.items),)) * (rng.random(at.shape)[..., None] < 0.2),
                         axis=0) * 300.0
    sheltered = np.cumsum(rng.integers(0, 3, size=at.shape), axis=0).astype(float)
    for zones in (affected, np.ones_like(affected), np.zeros_like(affected)):
        got = relief._short_by_zone(table, zones, at, received, sheltered)
        want = _short_by_zone_whole(table, zones, at, received, sheltered)
        np.testing.assert_array_equal(got, want)
        assert got.shape == want.shape
    assert relief._short_by_zone(table, affected, at, received, sheltered).any()


def _day_and_person_day_figures(run_result, relief_lines_h=(8.0, 12.0)) -> tuple[float, dict]:
    """Person-days without needs and the relieved at each day's end, from the needs to date of
    every row of the grid, the relief lines and the days' ends at once."""
    w = run_result.world
    table = w.needs
    duration = float(run_result.scenario.duration)
    affected = np.array([z.is_affected for z in w.zones])
    horizon = int(np.floor(duration / relief.STEP_MIN + 1e-9))
    tau = np.arange(horizon + 1) * relief.STEP_MIN
    lines_min = np.array([h * 60.0 for h in relief_lines_h])
    days = np.arange(1, int(duration // DAY_MIN) + 1) * DAY_MIN
    at_abs = table.hit_min[None, :] + np.concatenate([tau, lines_min, days - relief._BEFORE_MIN])[:, None]
    in_run = (at_abs <= duration + 1e-9) & affected[None, :]
    received, sheltered = relief._received_and_sheltered(run_result, at_abs)
    n_grid, n_lines = len(tau), len(lines_min)
    needing_all, short_all = relief._needs_to_date(table, affected, at_abs, received, sheltered)
    short_all = np.where(needing_all > 0, short_all, 0.0)
    short = np.zeros(at_abs.shape)
    short[:, affected] = short_all.sum(axis=2)
    step = np.clip(duration - at_abs[:n_grid], 0.0, relief.STEP_MIN)
    person_days = float((short[:n_grid] * step).sum() / DAY_MIN)
    at_day = {}
    for k, day_min in enumerate(days):
        row = n_grid + n_lines + k
        ok = in_run[row][affected]
        need = float(needing_all[row][ok].sum())
        at_day[f"{day_min / DAY_MIN:g}d"] = round(1.0 - float(short_all[row][ok].sum()) / need, 6) if need else None
    return round(person_days, 1), at_day


@pytest.mark.parametrize("name", ["three_outages", "extreme_rainfall"])
def test_person_days_and_relief_at_each_day_s_end_are_those_of_all_rows_at_once(name, three_outages, monkeypatch):
    result = three_outages if name == "three_outages" else run(load_scenario(builtin_scenario_path(name)))
    monkeypatch.setattr(relief, "_BLOCK_BYTES", 5 * 8 * result.world.needs.n_zones * 10)
    got = relief.relief_figures(result, (8.0, 12.0))
    person_days, at_day = _day_and_person_day_figures(result)
    assert got["person_days_without_needs"] == person_days and got["relieved_at_day"] == at_day
    assert person_days > 0 and at_day
