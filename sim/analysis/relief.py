"""Relief over the whole run: who was relieved when, person-days without basic needs, what limited relief.

The 8 h / 12 h targets ask about the first day's needs; the needs recur every
day (:mod:`sim.world.needs`). From the needs table and what the run delivered
(``deliver`` events), the people who reached a public shelter (``shelter``
events) and the tents delivered, this evaluates on each zone's own clock
(time since its hit, :mod:`sim.analysis.clock`), every :data:`STEP_MIN`:

* people relieved per condition at the target lines (first-day needs);
* **relieved at the end of each day** (24 h, 48 h, … after the hit), just
  before the next day's rations fall due: one less the share of the people
  then needing relief who were short of their needs to date — rations of
  every day so far, the once-only items, a place — counted in persons' needs
  (:meth:`~sim.world.needs.NeedsTable.short`: 150 L of water missing at 3 L a
  day is 50 people short);
* **person-days without basic needs**: the integral over the run of the
  people short of their needs to date, while in a condition needing relief;
* **what limits relief** at the first relief target (8 h): each zone's
  unrelieved people are put down to *reports* (command had not yet heard of
  the zone: lost or delayed reports — nothing is sent to a zone command does
  not know of, whatever the roads), *roads* (the zone was cut off from every
  depot and received nothing), *shelter places* (people who lacked a place,
  not supplies), or else the item the zone lacked most. Of those, the share
  that the stock still held by depots able to send could not have covered —
  its shortfall against every zone's unmet need of the item — is put down to
  the *stock* of that item; the rest had stock waiting and are put down to
  *bays* or *trucks*, whichever was busier (the share of bay-time spent
  loading against the share of truck-time spent on tours, at the depots
  that loaded trucks between the zone's hit and the line).
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.analysis.events import column_at, rows_of_kinds
from sim.world.needs import DAY_MIN, NeedsTable

__all__ = ["relief_figures", "STEP_MIN", "LIMITS"]

#: Step of the time-since-hit grid, minutes.
STEP_MIN = 30.0
#: Causes of unrelieved people at the first relief line besides ``stock_<item>``.
LIMITS = ("roads", "reports", "shelter_places", "trucks", "bays")
#: A day's end is evaluated this long before the next day's rations fall due, minutes.
_BEFORE_MIN = 1e-6
#: Bytes of each ``[rows, zones, groups]`` table of people needing and short worked out at a time.
_BLOCK_BYTES = 2 * 1024 * 1024


def _received_and_sheltered(run, at_abs: np.ndarray):
    """Units received ``[T, Z, I]`` and people in public shelters ``[T, Z]`` at absolute times ``at_abs[T, Z]``."""
    w = run.world
    table = w.needs
    log = w.log
    index = {z.zone_id: z.index for z in w.zones}
    item_index = {i: k for k, i in enumerate(table.items)}
    at = np.ascontiguousarray(at_abs, dtype=float)
    delivered, sheltered_rows = rows_of_kinds(log, "deliver", "shelter")

    def times_and_zones(rows):
        return (np.array(column_at(log.time_min, rows), dtype=float),
                np.array([index[z] for z in column_at(log.zone, rows)], dtype=np.int64))

    t, zones = times_and_zones(delivered)
    values = np.zeros((len(delivered), len(table.items)))
    values[np.arange(len(delivered)), [item_index[i] for i in column_at(log.item, delivered)]] = \
        np.array(column_at(log.amount, delivered), dtype=float)
    received = _cumulative_by_zone(zones, t, values, at)
    t, zones = times_and_zones(sheltered_rows)
    amount = np.array(column_at(log.amount, sheltered_rows), dtype=float)
    sheltered = _cumulative_by_zone(zones, t, amount[:, None], at)[:, :, 0]
    return received, sheltered


@njit(cache=True)
def _cumulative_by_zone(zone, times, values, at):
    """Per zone, the running sums of the ``values[E, K]`` of its events (``zone[E]``, in log
    order, so by ``times``) at each of its times ``at[T, Z]``: ``[T, Z, K]`` (0 before its first).

    A zone's events at or before each time are counted walking on from the previous time's
    count while its times rise (the grid), by bisection where they fall back; a zone whose
    events are not in time order is bisected at every time."""
    n_t, n_z = at.shape
    n_k = values.shape[1]
    out = np.zeros((n_t, n_z, n_k))
    start = np.zeros(n_z + 1, dtype=np.int64)
    for e in range(len(zone)):
        start[zone[e] + 1] += 1
    for z in range(n_z):
        start[z + 1] += start[z]
    order = np.empty(len(zone), dtype=np.int64)
    filled = start[:-1].copy()
    for e in range(len(zone)):
        order[filled[zone[e]]] = e
        filled[zone[e]] += 1
    zone_times = np.empty(len(zone))
    for j in range(len(zone)):
        zone_times[j] = times[order[j]]
    for z in range(n_z):
        a, b = start[z], start[z + 1]
        if a == b:
            continue
        cum = np.empty((b - a, n_k))
        running = np.zeros(n_k)
        in_order = True
        for j in range(a, b):
            for k in range(n_k):
                running[k] += values[order[j], k]
                cum[j - a, k] = running[k]
            if j > a and zone_times[j] < zone_times[j - 1]:
                in_order = False
        lo = 0
        previous = -np.inf
        for r in range(n_t):
            x = at[r, z]
            if in_order and x >= previous:           # events at or before x: searchsorted(..., side="right")
                while lo < b - a and zone_times[a + lo] <= x:
                    lo += 1
            else:
                lo, hi = 0, b - a
                while lo < hi:
                    mid = (lo + hi) // 2
                    if zone_times[a + mid] <= x:
                        lo = mid + 1
                    else:
                        hi = mid
            previous = x
            if lo > 0:
                for k in range(n_k):
                    out[r, z, k] = cum[lo - 1, k]
    return out


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
    at_tau = np.concatenate([tau, lines_min, days - _BEFORE_MIN])
    at_abs = hit[None, :] + at_tau[:, None]                              # [T, Z]
    in_run = (at_abs <= duration + 1e-9) & affected[None, :]
    received, sheltered = _received_and_sheltered(run, at_abs)

    conditions = table.group_condition
    first = table.first_day_needing                                      # [Z, G]

    def by_condition(values_zg) -> dict:
        return {c: int(values_zg[:, [g for g, cc in enumerate(conditions) if cc == c]].sum())
                for c in dict.fromkeys(conditions)}

    # First-day relief at the target lines.
    n_grid, n_lines = len(tau), len(lines_min)
    line_rows = slice(n_grid, n_grid + n_lines)
    covered_first = table.covered(at_abs[line_rows], received[line_rows], sheltered[line_rows], first_day_only=True,
                                  per_zone=True)
    people = table.people
    needing_first = np.where(first & affected[:, None], people, 0)
    at_lines = {}
    for k, hours in enumerate(relief_lines_h):
        relieved = np.where(first & affected[:, None], covered_first[k], 0)
        at_lines[f"{hours:g}h"] = {"relieved": by_condition(relieved), "needing": by_condition(needing_first)}

    # Needs to date, of the affected zones (nobody else needs relief): the end of each day, and
    # person-days over the run.
    short = np.zeros((n_grid, len(affected)))
    short[:, affected] = _short_by_zone(table, affected, at_abs[:n_grid], received[:n_grid], sheltered[:n_grid])
    step = np.clip(duration - at_abs[:n_grid], 0.0, STEP_MIN)              # each grid point stands for its step
    person_days = float((short * step).sum() / DAY_MIN)
    day_rows = slice(n_grid + n_lines, None)
    needing_day, short_day = _needs_to_date(table, affected, at_abs[day_rows], received[day_rows],
                                            sheltered[day_rows])               # [days, affected, G]
    short_day = np.where(needing_day > 0, short_day, 0.0)
    at_day = {}
    for k, day_min in enumerate(days):
        ok = in_run[n_grid + n_lines + k][affected]
        need = float(needing_day[k][ok].sum())
        at_day[f"{day_min / DAY_MIN:g}d"] = round(1.0 - float(short_day[k][ok].sum()) / need, 6) if need else None
    first_need = np.where(affected[:, None], table.first_day_need(), 0.0).sum(axis=0)
    limits = _limits(run, covered_first[0], needing_first, received[line_rows][0], sheltered[line_rows][0],
                     lines_min[0]) if n_lines else {}
    return {
        "needing_relief_first_day": int(needing_first.sum()),
        "needing_by_condition": by_condition(needing_first),
        "people_by_condition": by_condition(np.where(affected[:, None], people, 0)),
        "items_needed_first_day": {i: round(float(n), 3) for i, n in zip(table.items, first_need) if n > 0},
        "at_lines": at_lines,
        "relieved_at_day": at_day,
        "person_days_without_needs": round(person_days, 1),
        "limited_by": limits,
    }


def _needs_to_date(table: NeedsTable, affected: np.ndarray, at_abs, received, sheltered):
    """:meth:`~sim.world.needs.NeedsTable.needing_and_short` of the affected zones at their times
    ``at_abs[T, Z]``, given what they had received and sheltered then: ``[T, affected zones, G]`` each."""
    if affected.all():
        return table.needing_and_short(at_abs, received, sheltered, per_zone=True)
    if not affected.any():
        shape = (len(at_abs), 0, len(table.group_condition))
        return np.zeros(shape, dtype=np.int64), np.zeros(shape)
    return _affected_table(table, affected).needing_and_short(at_abs[:, affected], received[:, affected],
                                                              sheltered[:, affected], per_zone=True)


def _short_by_zone(table: NeedsTable, affected: np.ndarray, at_abs, received, sheltered) -> np.ndarray:
    """People of each affected zone short of their needs to date while needing relief, summed over
    its groups, at its times ``at_abs[T, Z]``: ``[T, affected zones]``.

    Worked out :data:`_BLOCK_BYTES` of the kernel's ``[rows, zones, groups]`` tables at a time: whole-run
    tables of a large region are fresh pages from the system on every call, and faulting them in costs
    more than the kernel itself; a block's tables are reused memory. Each block starts its zones afresh.
    """
    n_rows = len(at_abs)
    if not affected.any():
        return np.zeros((n_rows, 0))
    sub, pick = (table, slice(None)) if affected.all() else (_affected_table(table, affected), affected)
    n_zones = int(affected.sum())
    block = max(_BLOCK_BYTES // (8 * n_zones * max(len(table.group_condition), 1)), 1)
    out = np.empty((n_rows, n_zones))
    for a in range(0, n_rows, block):
        rows = slice(a, a + block)
        needing, short = sub.needing_and_short(at_abs[rows][:, pick], received[rows][:, pick],
                                               sheltered[rows][:, pick], per_zone=True)
        out[rows] = np.where(needing > 0, short, 0.0).sum(axis=2)
    return out


def _affected_table(table: NeedsTable, affected: np.ndarray) -> NeedsTable:
    """The needs table of the ``affected`` zones alone (at least one)."""
    out = NeedsTable(table.items, table.people[affected], table.per_person[affected], table.first_day,
                     table.until_min[affected], table.needs_place, table.hit_min[affected], table.group_condition,
                     table.group_reserve)
    out.tents_for = table.tents_for[affected]
    out.tent_people = table.tent_people
    return out


def _busy_min(intervals: list[tuple[float, float]], a: float, b: float) -> float:
    return sum(max(min(e, b) - max(s, a), 0.0) for s, e in intervals)


def _fleet_intervals(run) -> list[tuple[int, int, list, list]]:
    """Per depot: its bays, its trucks, and the intervals its trucks spent loading
    (``load`` to the first ``depart``) and on tours (``load`` to ``return``)."""
    w = run.world
    log = w.log
    depot_of = {t.truck_id: t.depot for t in w.trucks}
    loading: dict[str, list] = {}
    touring: dict[str, list] = {}
    started: dict[str, float] = {}
    departed: dict[str, bool] = {}
    for time, kind, agent in zip(log.time_min, log.kind, log.agent):
        if agent not in depot_of:
            continue
        if kind == "load":
            started[agent], departed[agent] = time, False
        elif kind == "depart" and not departed.get(agent, True):
            loading.setdefault(agent, []).append((started[agent], time))
            departed[agent] = True
        elif kind == "return" and agent in started:
            touring.setdefault(agent, []).append((started.pop(agent), time))
    for agent, s in started.items():                 # tours still under way at the end
        touring.setdefault(agent, []).append((s, math.inf))
        if not departed.get(agent, True):
            loading.setdefault(agent, []).append((s, math.inf))
    out = []
    for d in w.depots:
        trucks = [t.truck_id for t in w.trucks if t.depot is d]
        out.append((d.spec.loading_bays, len(trucks), [iv for t in trucks for iv in loading.get(t, [])],
                    [iv for t in trucks for iv in touring.get(t, [])]))
    return out


def _fleet_use(fleet, a: float, b: float) -> tuple[float, float]:
    """Share of bay-time spent loading and of truck-time spent on tours between ``a`` and ``b``
    (absolute minutes), at the depots that loaded a truck then."""
    bay_busy = bay_time = truck_busy = truck_time = 0.0
    for bays, trucks, loads, tours in fleet:
        if b <= a or not any(s < b and e > a for s, e in loads):
            continue
        bay_busy += _busy_min(loads, a, b)
        bay_time += bays * (b - a)
        truck_busy += _busy_min(tours, a, b)
        truck_time += trucks * (b - a)
    return (bay_busy / bay_time if bay_time else 0.0), (truck_busy / truck_time if truck_time else 0.0)


def item_lacking_most(need: np.ndarray, received: np.ndarray) -> np.ndarray:
    """Per zone (rows of ``need`` and ``received``, units per item), the index of the item
    with the smallest share of its need received (items it needs none of left out; the
    first such item on ties, and item 0 for a zone that needs nothing)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.argmin(np.where(need > 0, received / need, np.inf), axis=1)


def _limited_before_supplies(zone, line_abs_min: float, episodes, received_any: bool) -> str | None:
    """``"reports"`` for a zone whose report came after the line (command sends nothing to a
    zone it has not heard of, whatever the roads), ``"roads"`` for one cut off before the line
    that received nothing, else ``None``."""
    if zone.report_min > line_abs_min:
        return "reports"
    cut = any(a <= line_abs_min and b > zone.hit_time_min for a, b in episodes.get(zone.zone_id, []))
    return "roads" if cut and not received_any else None


def _lacking_places(table, unrelieved, sheltered, tents) -> np.ndarray:
    """People of each zone not relieved for want of a place, a public shelter or a tent: its
    unrelieved people in groups needing a place (summed group by group), at most the people
    of those groups the shelters and tents could not take."""
    wanting = np.zeros(table.n_zones)
    for g in np.flatnonzero(table.needs_place).tolist():
        wanting = wanting + np.where(unrelieved[:, g] > 0, unrelieved[:, g], 0.0)
    places = sheltered + np.floor(tents + 1e-9) * table.tent_people
    without = np.maximum(table.people[:, table.needs_place].sum(axis=1) - places, 0.0)
    lacking = (table.needs_place[None, :] & (unrelieved > 0)).any(axis=1)
    return np.where(lacking, np.minimum(wanting, without), 0.0)


def _limits(run, covered, needing, received, sheltered, line_min: float) -> dict:
    """People not relieved at the first relief line, by what limited them (see the module docstring):
    ``roads``, ``reports``, ``shelter_places``, ``trucks``, ``bays``, ``stock_<item>``."""
    w = run.world
    table = w.needs
    out: dict[str, float] = {k: 0.0 for k in (*LIMITS, *(f"stock_{i}" for i in table.items))}
    unrelieved = np.clip(needing - covered, 0, None)                         # [Z, G]
    episodes = w.reachability.episodes
    line_abs = table.hit_min + line_min
    need = table.group_need_by(table._zone_times(line_abs, True, per_zone=True), per_zone=True).sum(axis=1)
    unmet = np.clip(need - received, 0.0, None)
    tents = received[:, table.items.index("tent")] if "tent" in table.items else np.zeros(table.n_zones)
    lacking_most = item_lacking_most(need, received).tolist()
    lacking_place = _lacking_places(table, unrelieved, sheltered, tents).tolist()
    people_left = unrelieved.sum(axis=1)
    received_any = received.any(axis=1).tolist()
    line_at = line_abs.tolist()
    fleet = _fleet_intervals(run)
    use: dict[tuple, tuple[float, float]] = {}
    held: dict[float, dict] = {}                          # stock able to be sent, per line time
    short_everywhere: dict[tuple, float] = {}             # every zone's unmet need by a line time, per item
    for z in np.flatnonzero(people_left > 0).tolist():
        zone = w.zones[z]
        people = float(people_left[z])
        at = line_at[z]
        before = _limited_before_supplies(zone, at, episodes, received_any[z])
        if before is not None:
            out[before] += people
            continue
        out["shelter_places"] += lacking_place[z]
        rest = people - lacking_place[z]
        if rest <= 0:
            continue
        k = lacking_most[z]
        item = table.items[k]
        if at not in held:
            held[at] = w.command.stock_at(at)
        if (at, k) not in short_everywhere:
            short_everywhere[at, k] = float(unmet[line_abs <= line_abs[z] + 1e-9, k].sum())
        stock, short = held[at].get(item, 0.0), short_everywhere[at, k]
        from_stock = rest * (min(max(1.0 - stock / short, 0.0), 1.0) if short > 0 else 0.0)
        out[f"stock_{item}"] += from_stock
        window = (zone.hit_time_min, at)
        if window not in use:
            use[window] = _fleet_use(fleet, *window)
        bays, trucks = use[window]
        out["bays" if bays > trucks else "trucks"] += rest - from_stock
    return {k: int(round(v)) for k, v in out.items()}
