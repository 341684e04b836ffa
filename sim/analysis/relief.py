"""Relief over the whole run: who was relieved when, person-days without basic needs, what limited relief.

The 8 h / 12 h targets ask about the first day's needs; the needs recur every
day (:mod:`sim.world.needs`). From the needs table and what the run delivered
(``deliver`` events), the shelter places people reached (``shelter`` events)
and tents delivered, this evaluates on each zone's own clock (time since its
hit, :mod:`sim.analysis.clock`), every :data:`STEP_MIN`:

* people relieved per condition at the target lines (first-day needs);
* the share of people needing relief whose needs *to date* are met at each day
  boundary (24 h, 48 h, … after the hit);
* **person-days without basic needs**: the integral over the run of the
  people whose needs to date are not met;
* **what limits relief** at the first relief target (8 h): for each zone,
  its unrelieved people are put down to *roads* (the zone was cut off from
  every depot then), *reports* (command had not yet heard of the zone's
  needs: lost or delayed reports), *shelter places* (people who lacked a place, not
  supplies), the *stock of an item* (the item the zone lacked most, when no
  depot that could send held any of it then), or *trucks and bays* (the
  stock existed but was not delivered in time).
"""
from __future__ import annotations

import math

import numpy as np

from sim.world.needs import DAY_MIN

__all__ = ["relief_figures", "STEP_MIN"]

#: Step of the time-since-hit grid, minutes.
STEP_MIN = 30.0


def _cumulative(times: np.ndarray, values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Cumulative sums of ``values`` (rows sorted by ``times``) at each time of ``at`` (``[T]``)."""
    if not len(times):
        return np.zeros((len(at),) + values.shape[1:])
    cum = np.cumsum(values, axis=0)
    k = np.searchsorted(times, at, side="right")
    return np.where((k > 0)[(...,) + (None,) * (values.ndim - 1)], cum[np.maximum(k - 1, 0)], 0.0)


def _received_and_places(run, at_abs: np.ndarray):
    """Units received ``[T, Z, I]`` and shelter places ``[T, Z]`` at absolute times ``at_abs[T, Z]``."""
    w = run.world
    table = w.needs
    log = w.log
    kind = np.asarray(log.kind, dtype=object)
    zone_ids = np.asarray(log.zone, dtype=object)
    items = np.asarray(log.item, dtype=object)
    t = np.asarray(log.time_min, dtype=float)
    amount = np.asarray(log.amount, dtype=float)
    index = {z.zone_id: z.index for z in w.zones}
    item_index = {i: k for k, i in enumerate(table.items)}
    n_t, n_z = at_abs.shape
    received = np.zeros((n_t, n_z, len(table.items)))
    places = np.zeros((n_t, n_z))
    deliver = np.flatnonzero(kind == "deliver")
    shelter = np.flatnonzero(kind == "shelter")
    tent = item_index.get("tent")
    by_zone_d: dict[int, list[int]] = {}
    for e in deliver:
        by_zone_d.setdefault(index[zone_ids[e]], []).append(e)
    by_zone_s: dict[int, list[int]] = {}
    for e in shelter:
        by_zone_s.setdefault(index[zone_ids[e]], []).append(e)
    for z, rows in by_zone_d.items():
        rows = np.asarray(rows)
        values = np.zeros((len(rows), len(table.items)))
        values[np.arange(len(rows)), [item_index[i] for i in items[rows]]] = amount[rows]
        received[:, z, :] = _cumulative(t[rows], values, at_abs[:, z])
    for z, rows in by_zone_s.items():
        rows = np.asarray(rows)
        places[:, z] = _cumulative(t[rows], amount[rows], at_abs[:, z])
    if tent is not None:
        places += received[:, :, tent] * table.tent_people
    return received, places


def relief_figures(run, relief_lines_h) -> dict:
    """The relief figures of ``summary.json`` (see the module docstring)."""
    w = run.world
    table = w.needs
    duration = float(run.scenario.duration)
    affected = np.array([z.is_affected for z in w.zones])
    hit = table.hit_min
    horizon = int(math.floor(duration / STEP_MIN + 1e-9))
    tau = np.arange(horizon + 1) * STEP_MIN                              # time since hit
    lines_min = np.array([h * 60.0 for h in relief_lines_h])
    days = np.arange(1, int(duration // DAY_MIN) + 1) * DAY_MIN
    at_tau = np.concatenate([tau, lines_min, days])
    at_abs = hit[None, :] + at_tau[:, None]                              # [T, Z]
    in_run = (at_abs <= duration + 1e-9) & affected[None, :]
    received, places = _received_and_places(run, at_abs)

    conditions = table.group_condition
    first = table.first_day_needing                                      # [Z, G]

    def by_condition(values_zg) -> dict:
        return {c: int(values_zg[:, [g for g, cc in enumerate(conditions) if cc == c]].sum())
                for c in dict.fromkeys(conditions)}

    # First-day relief at the target lines.
    n_grid, n_lines = len(tau), len(lines_min)
    line_rows = slice(n_grid, n_grid + n_lines)
    covered_first = table.covered(at_abs[line_rows], received[line_rows], places[line_rows], first_day_only=True,
                                  per_zone=True)
    people = table.people
    needing_first = np.where(first & affected[:, None], people, 0)
    at_lines = {}
    for k, hours in enumerate(relief_lines_h):
        relieved = np.where(first & affected[:, None], covered_first[k], 0)
        at_lines[f"{hours:g}h"] = {"relieved": by_condition(relieved), "needing": by_condition(needing_first)}

    # Needs to date: day boundaries and person-days.
    covered_all = table.covered(at_abs, received, places, per_zone=True)    # [T, Z, G]
    needing_all = table.needing(at_abs, per_zone=True)                      # [T, Z, G]
    short = np.clip(needing_all - covered_all, 0, None).sum(axis=2) * in_run  # [T, Z]
    person_days = float(short[:n_grid].sum() * STEP_MIN / DAY_MIN)
    at_day = {}
    for k, day_min in enumerate(days):
        row = n_grid + n_lines + k
        ok = in_run[row]
        need = float(needing_all[row][ok].sum())
        at_day[f"{day_min / DAY_MIN:g}d"] = round(float(covered_all[row][ok].clip(max=needing_all[row][ok]).sum())
                                                  / need, 6) if need else None
    limits = _limits(run, covered_first[0] if n_lines else None, needing_first, received[line_rows][0]
                     if n_lines else None, places[line_rows][0] if n_lines else None, lines_min[0] if n_lines else 0.0)
    return {
        "needing_relief_first_day": int(needing_first.sum()),
        "needing_by_condition": by_condition(needing_first),
        "people_by_condition": by_condition(np.where(affected[:, None], people, 0)),
        "at_lines": at_lines,
        "relieved_at_day": at_day,
        "person_days_without_needs": round(person_days, 1),
        "limited_by": limits,
    }


def _limits(run, covered, needing, received, places, line_min: float) -> dict:
    """People not relieved at the first relief line, by what limited them (see the module docstring):
    ``roads``, ``reports``, ``shelter_places``, ``trucks_and_bays``, ``stock_<item>``."""
    if covered is None:
        return {}
    w = run.world
    table = w.needs
    out: dict[str, int] = {k: 0 for k in ("roads", "reports", "shelter_places", "trucks_and_bays",
                                          *(f"stock_{i}" for i in table.items))}
    unrelieved = np.clip(needing - covered, 0, None)                         # [Z, G]
    stock = w.command.stock_at
    episodes = w.reachability.episodes
    need = table.group_need_by(table._zone_times(table.hit_min + line_min, True, per_zone=True),
                               per_zone=True).sum(axis=1)
    for z in np.flatnonzero(unrelieved.sum(axis=1) > 0):
        zone = w.zones[z]
        people = int(unrelieved[z].sum())
        line_abs = zone.hit_time_min + line_min
        cut = any(a <= line_abs and b > zone.hit_time_min for a, b in episodes.get(zone.zone_id, []))
        if cut and not received[z].any():
            out["roads"] += people
            continue
        if zone.report_min > line_abs:
            out["reports"] += people
            continue
        place_groups = table.needs_place & (unrelieved[z] > 0)
        lacking_place = 0
        if place_groups.any():
            lacking_place = int(min(unrelieved[z][place_groups].sum(),
                                    max(table.people[z][place_groups].sum() - places[z], 0)))
            if lacking_place:
                out["shelter_places"] += lacking_place
        rest = people - lacking_place
        if rest <= 0:
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(need[z] > 0, received[z] / need[z], np.inf)
        item = table.items[int(np.argmin(ratio))]
        held = stock(line_abs).get(item, 0.0)
        out[f"stock_{item}" if held <= 0 else "trucks_and_bays"] += rest
    return out

