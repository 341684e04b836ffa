"""The needs table's compiled kernels (:class:`sim.world.needs.NeedsTable`): what every
zone's groups need by a time, and how a zone's deliveries share out among its groups.

One module, so that numba's disk cache follows the kernels' calls to each other.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["DAY_MIN", "_need_rows", "_total_need_rows", "_needing_and_short_rows", "_zone_need", "_one_zone_relieved", "_share_out_rows"]

DAY_MIN = 1440.0


@njit(cache=True)
def _need_rows(t_z, hit, until, first_day, consumable, people, per_person):
    """:func:`_zone_need` for every zone at each row of times ``t_z[M, Z]``: ``[M, Z, G, I]``."""
    n_rows, n_zones = t_z.shape
    n_groups, n_items = per_person.shape[1], per_person.shape[2]
    need = np.empty((n_rows, n_zones, n_groups, n_items))
    for m in range(n_rows):
        for z in range(n_zones):
            _fill_zone_need(need[m, z], t_z[m, z], hit[z], until[z], first_day, consumable, people[z], per_person[z])
    return need


@njit(cache=True)
def _total_need_rows(t_z, hit, until, first_day, consumable, people, per_person):
    """:func:`_need_rows` summed over the groups, ``[M, Z, I]``: each item's units added group
    by group in order, as numpy sums ``[M, Z, G, I]`` over its groups."""
    n_rows, n_zones = t_z.shape
    n_groups, n_items = per_person.shape[1], per_person.shape[2]
    total = np.zeros((n_rows, n_zones, n_items))
    need = np.empty((n_groups, n_items))
    for m in range(n_rows):
        for z in range(n_zones):
            _fill_zone_need(need, t_z[m, z], hit[z], until[z], first_day, consumable, people[z], per_person[z])
            for i in range(n_items):
                units = need[0, i] if n_groups else 0.0
                for g in range(1, n_groups):
                    units += need[g, i]
                total[m, z, i] = units
    return total


@njit(cache=True)
def _needing_and_short_rows(t_z, hit, until, first_day, consumable, people, per_person, needs_place, received,
                            sheltered, tent, tent_people):
    """:meth:`NeedsTable.needing` and :meth:`NeedsTable.short` at each row of times ``t_z[M, Z]``
    (``received[M, Z, I]``, ``sheltered[M, Z]``): ``[M, Z, G]`` each. A zone's units due
    (:func:`_zone_need`) are shared out (:func:`_share_out_zone`) again only when its state
    changed since the previous row — whether it was hit, the rations due and who is still in
    their condition (of its groups with people), what it received and how many it sheltered;
    otherwise its people needing and short are those of the previous row."""
    n_rows, n_zones = t_z.shape
    n_groups, n_items = per_person.shape[1], per_person.shape[2]
    needing = np.zeros((n_rows, n_zones, n_groups), dtype=np.int64)
    short = np.zeros((n_rows, n_zones, n_groups))
    need = np.empty((n_groups, n_items))
    covered = np.empty(n_groups)
    left = np.empty(n_items)
    rations = np.empty(n_groups)
    last_rations = np.empty((n_zones, n_groups))
    last_in_condition = np.empty((n_zones, n_groups), dtype=np.bool_)
    last_reached = np.empty(n_zones, dtype=np.bool_)
    for m in range(n_rows):
        for z in range(n_zones):
            t = t_z[m, z]
            reached = t >= hit[z]
            _group_rations(rations, t, hit[z], until[z], first_day)
            same = m > 0 and reached == last_reached[z] and sheltered[m, z] == sheltered[m - 1, z]
            if same:
                for i in range(n_items):
                    if received[m, z, i] != received[m - 1, z, i]:
                        same = False
                        break
            if same:
                for g in range(n_groups):
                    if people[z, g] != 0 and (rations[g] != last_rations[z, g]
                                              or (t < until[z, g]) != last_in_condition[z, g]):
                        same = False
                        break
            if same:
                for g in range(n_groups):
                    needing[m, z, g] = needing[m - 1, z, g]
                    short[m, z, g] = short[m - 1, z, g]
                continue
            _fill_need_from_rations(need, rations, reached, consumable, people[z], per_person[z])
            for g in range(n_groups):
                due = 0.0
                for i in range(n_items):
                    due += need[g, i]
                in_condition = t < until[z, g]
                if (due > 0 or (needs_place[g] and reached)) and in_condition:
                    needing[m, z, g] = people[z, g]
                last_rations[z, g] = rations[g]
                last_in_condition[z, g] = in_condition
            last_reached[z] = reached
            _share_out_zone(need, received[m, z], sheltered[m, z], people[z], per_person[z], needs_place, tent,
                            tent_people, left, covered, short[m, z])
    return needing, short


@njit(cache=True)
def _zone_need(t, hit, until, first_day, consumable, people, per_person):
    """:meth:`NeedsTable.group_need_by` for one zone at one time ``t`` (already clipped
    to the first day where that is asked): units per group and item, ``[G, I]``."""
    need = np.empty(per_person.shape)
    _fill_zone_need(need, t, hit, until, first_day, consumable, people, per_person)
    return need


@njit(cache=True)
def _fill_zone_need(need, t, hit, until, first_day, consumable, people, per_person):
    """:func:`_zone_need` written into ``need[G, I]`` (the batched kernels fill their rows in place)."""
    n_groups, n_items = per_person.shape
    since = t - hit
    once = 1.0 if t >= hit else 0.0
    for g in range(n_groups):
        rations = _rations_due(since, hit, until[g], first_day[g])
        for i in range(n_items):
            units = rations if consumable[i] else once
            need[g, i] = people[g] * per_person[g, i] * units


@njit(cache=True)
def _group_rations(rations, t, hit, until, first_day):
    """Daily rations due per group by ``t`` in a zone hit at ``hit`` (see
    :meth:`NeedsTable.rations_due`), written into ``rations[G]``."""
    since = t - hit
    for g in range(rations.shape[0]):
        rations[g] = _rations_due(since, hit, until[g], first_day[g])


@njit(cache=True)
def _rations_due(since, hit, until, first_day):
    """Daily rations due to a group ``since`` minutes after its zone's hit at ``hit``: one a day
    from its ``first_day`` on, while it is in its condition (until ``until``)."""
    horizon = min(since, until - hit - 1e-9)
    start = first_day * DAY_MIN
    return math.floor((horizon - start) / DAY_MIN) + 1.0 if horizon >= start else 0.0


@njit(cache=True)
def _fill_need_from_rations(need, rations, reached, consumable, people, per_person):
    """Units due per group and item written into ``need[G, I]``: the people times their units
    per ration (consumables, ``rations[G]`` due) or once (the rest, once the zone is ``reached``)."""
    n_groups, n_items = per_person.shape
    once = 1.0 if reached else 0.0
    for g in range(n_groups):
        for i in range(n_items):
            units = rations[g] if consumable[i] else once
            need[g, i] = people[g] * per_person[g, i] * units


@njit(cache=True)
def _one_zone_relieved(t_min, hit_min, until, first_day, consumable, people, per_person, received, sheltered,
                       needs_place, tent, tent_people, needing):
    """People covered at ``t_min``, clipped to the zone's first day, in the groups marked
    ``needing[1, G]`` of a table of one zone (``hit_min[1]``, ``until[1, G]``, ``people[1, G]``,
    ``per_person[1, G, I]``, ``received[1, I]``, ``sheltered[1]``): :func:`_zone_need` shared
    out by :func:`_share_out_rows`."""
    hit = hit_min[0]
    t = hit if hit > t_min else t_min
    first_day_end = hit + DAY_MIN - 1e-6
    if first_day_end < t:
        t = first_day_end
    need = _zone_need(t, hit, until[0], first_day, consumable, people[0], per_person[0])
    covered, _ = _share_out_rows(need.reshape((1, need.shape[0], need.shape[1])), received, sheltered,
                                 np.zeros(1, dtype=np.int64), people, per_person, needs_place, tent, tent_people)
    relieved = 0.0
    for g in range(covered.shape[1]):
        if needing[0, g]:
            relieved += covered[0, g]
    return relieved


@njit(cache=True)
def _share_out_rows(need, received, sheltered, zone_of_row, people, per_person, needs_place, tent, tent_people):
    """Share each row's deliveries out among its zone's groups (see :meth:`NeedsTable.covered`
    and :meth:`NeedsTable.short`): ``need[M, G, I]`` units due, ``received[M, I]``,
    ``sheltered[M]`` people in public shelters, ``zone_of_row[M]`` the zone of each row
    (its rows of ``people[Z, G]`` and ``per_person[Z, G, I]``); ``tent`` the tent's item
    index or −1. Returns people covered and people short, ``[M, G]`` each."""
    n_rows, n_groups, n_items = need.shape
    covered = np.zeros((n_rows, n_groups))
    short = np.zeros((n_rows, n_groups))
    left = np.empty(n_items)
    for m in range(n_rows):
        z = zone_of_row[m]
        _share_out_zone(need[m], received[m], sheltered[m], people[z], per_person[z], needs_place, tent, tent_people,
                        left, covered[m], short[m])
    return covered, short


@njit(cache=True)
def _share_out_zone(need, received, sheltered, people, per_person, needs_place, tent, tent_people, left, covered,
                    short):
    """:func:`_share_out_rows` of one zone: ``need[G, I]`` units due, ``received[I]``, ``sheltered``
    people in public shelters, the zone's ``people[G]`` and ``per_person[G, I]``; writes the people
    covered and short into ``covered[G]`` and ``short[G]`` (``left[I]`` the units left to share)."""
    n_groups, n_items = need.shape
    for i in range(n_items):
        left[i] = received[i]
    shelter_left = sheltered
    for g in range(n_groups):
        group = people[g]
        if group == 0:
            covered[g] = 0.0
            short[g] = 0.0
            continue
        can, lacking = np.inf, 0.0
        for i in range(n_items):
            due = need[g, i]
            take = min(due, max(left[i], 0.0))
            left[i] -= take
            per = due / max(group, 1)
            if per > 0:
                can = min(can, math.floor(take / per + 1e-9))
            daily = per_person[g, i]
            if daily > 0:
                lacking = max(lacking, math.ceil((due - take) / daily - 1e-9))
        n = min(float(group), can)
        if needs_place[g]:
            tents = math.floor(max(left[tent], 0.0) + 1e-9) if tent >= 0 else 0.0
            placed = min(float(group), shelter_left + tents * tent_people)
            in_shelter = min(placed, shelter_left)
            shelter_left -= in_shelter
            if tent >= 0:
                left[tent] -= math.ceil((placed - in_shelter) / tent_people - 1e-9)
            n = min(n, placed)
            lacking = max(lacking, group - placed)
        covered[g] = n
        short[g] = min(float(group), lacking)
