"""The cheaper ways the per-replication summary works its figures out agree to the bit with
the direct formulas they replace (kept here as the references)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def _relieved_since_hit_of_whole_columns(run_result):
    """People relieved by minutes since the hit, from the log's columns converted whole and masked."""
    from sim.analysis.clock import since_hit_min

    log = run_result.world.log
    mask = np.asarray(log.kind, dtype=object) == "relieved"
    hit = {z.zone_id: z.hit_time_min for z in run_result.world.zones}
    zone_ids = np.asarray(log.zone, dtype=object)[mask]
    t = since_hit_min(np.asarray(log.time_min, dtype=float)[mask], [hit[z] for z in zone_ids])
    people = np.asarray(log.amount, dtype=float)[mask]
    order = np.argsort(t, kind="stable")
    return t[order], np.cumsum(people[order])


def _received_and_sheltered_of_whole_columns(run_result, at_abs):
    """Units received and people sheltered, from the log's columns converted whole and masked."""
    w = run_result.world
    table, log = w.needs, w.log
    kind = np.asarray(log.kind, dtype=object)
    zone_ids = np.asarray(log.zone, dtype=object)
    items = np.asarray(log.item, dtype=object)
    t = np.asarray(log.time_min, dtype=float)
    amount = np.asarray(log.amount, dtype=float)
    index = {z.zone_id: z.index for z in w.zones}
    item_index = {i: k for k, i in enumerate(table.items)}
    at = np.ascontiguousarray(at_abs, dtype=float)
    rows = np.flatnonzero(kind == "deliver")
    values = np.zeros((len(rows), len(table.items)))
    values[np.arange(len(rows)), [item_index[i] for i in items[rows]]] = amount[rows]
    zones = np.array([index[z] for z in zone_ids[rows]], dtype=np.int64)
    received = relief._cumulative_by_zone(zones, t[rows], values, at)
    rows = np.flatnonzero(kind == "shelter")
    zones = np.array([index[z] for z in zone_ids[rows]], dtype=np.int64)
    sheltered = relief._cumulative_by_zone(zones, t[rows], amount[rows][:, None], at)[:, :, 0]
    return received, sheltered


@pytest.mark.parametrize("name", ["three_outages", "extreme_rainfall"])
def test_events_picked_by_kind_give_the_figures_of_whole_columns(name, three_outages):
    from sim.analysis.clock import relieved_since_hit

    result = three_outages if name == "three_outages" else run(load_scenario(builtin_scenario_path(name)))
    got, want = relieved_since_hit(result), _relieved_since_hit_of_whole_columns(result)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype and a.shape == b.shape
    assert len(got[0]) > 0
    table = result.world.needs
    at = table.hit_min[None, :] + np.array([0.0, 3 * H, 8 * H, DAY_MIN - 1e-6, 2 * DAY_MIN, 1e9])[:, None]
    got, want = relief._received_and_sheltered(result, at), _received_and_sheltered_of_whole_columns(result, at)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype and a.shape == b.shape
    assert got[0].any() and got[1].any()


def _cumulative_by_zone_bisected(zone, times, values, at):
    """Per zone, the running sums of its events at each of its times, every time's count bisected."""
    n_t, n_z = at.shape
    out = np.zeros((n_t, n_z, values.shape[1]))
    for z in range(n_z):
        rows = [e for e in range(len(zone)) if zone[e] == z]
        if not rows:
            continue
        cum, running = [], np.zeros(values.shape[1])
        for e in rows:
            running = running + values[e]
            cum.append(running)
        for r in range(n_t):
            lo, hi = 0, len(rows)
            while lo < hi:
                mid = (lo + hi) // 2
                if times[rows[mid]] <= at[r, z]:
                    lo = mid + 1
                else:
                    hi = mid
            if lo > 0:
                out[r, z] = cum[lo - 1]
    return out


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 60), st.integers(1, 6), st.integers(1, 4), st.booleans(), st.integers(0, 2**32 - 1))
def test_running_sums_walked_along_rising_times_are_those_bisected_at_every_time(n_events, n_zones, n_items,
                                                                                 in_order, seed):
    rng = np.random.default_rng(seed)
    times = rng.choice([0.0, 30.0, 60.0, 61.5, 90.0, 600.0], size=n_events)
    times = np.sort(times) if in_order else times
    zone = rng.integers(0, n_zones, size=n_events).astype(np.int64)
    values = rng.random((n_events, n_items)) * rng.choice([1.0, 1e3, 0.1], size=(n_events, 1))
    at = np.concatenate([np.sort(rng.choice([-1.0, 0.0, 30.0, 45.0, 60.0, 90.0, 1e4, np.inf], size=(9, n_zones)),
                                 axis=0),
                         rng.random((3, n_zones)) * 700.0, np.sort(rng.random((5, n_zones)) * 700.0, axis=0)])
    got = relief._cumulative_by_zone(zone, times, values, at)
    np.testing.assert_array_equal(got, _cumulative_by_zone_bisected(zone, times, values, at))
