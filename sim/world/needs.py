"""Who needs relief, what relieves them, and when: the needs of every zone over the run.

The people a disaster affects are not one crowd with one need. Each zone's
affected people are split into **conditions** (:mod:`sim.world.conditions`):

============== ============================================================
condition      who
============== ============================================================
public_shelter displaced (home uninhabitable), seeking a public shelter place
relatives      displaced, staying with relatives or friends (hosted: no
               delivered relief)
outdoors       home habitable, sleeping outdoors for fear of aftershocks for
               the first nights
no_lifelines   at home without water (and power): need drinking water and food
home           at home with lifelines: no delivered relief
============== ============================================================

and each condition by whether the household holds a usable **reserve**
(the plans ask households to keep at least 3 days of supplies [BJ25]).
Per person and condition the scenario's needs table gives the units of
each item; **consumables** (water, food) recur every day the person stays in
the condition — from day 0 for people without a reserve, from the day their
reserve runs out for the others — and the other items are needed once.
People seeking a public shelter also need a **place**: in a public shelter
(its area / ``shelter_m2``) or in a relief tent delivered to their zone (a
tent houses ``tent_m2 / shelter_m2`` people).

A :class:`NeedsTable` holds these groups for every zone as arrays, so
dispatch asks "what will every zone need by tomorrow morning" and the
analysis asks "who was relieved when" in a few array operations. **Relieved**
at time *t* means: the person's needs due by *t* are on site in their zone
(and a place, if they need one); deliveries to a zone go to its groups item
by item in the order of the table's conditions (the displaced in public
shelters first), each group taking what is due to it while any is left.
A group that has left its condition (the outdoor nights are over, water is
back) needs nothing more.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["NeedsTable", "CONDITIONS", "RELIEF_CONDITIONS", "CONSUMABLES", "DAY_MIN"]

#: Conditions in the order deliveries are shared out.
CONDITIONS = ("public_shelter", "outdoors", "no_lifelines", "relatives", "home")
#: Conditions that can need delivered relief.
RELIEF_CONDITIONS = ("public_shelter", "outdoors", "no_lifelines")
#: Items needed again every day (the rest are needed once).
CONSUMABLES = ("water_l", "food_ration")
DAY_MIN = 1440.0


class NeedsTable:
    """Groups of people per zone (condition × reserve) and their needs over time.

    Arrays (``Z`` zones, ``G`` groups, ``I`` items):

    * ``people[Z, G]`` — people in each group;
    * ``per_person[Z, G, I]`` — units per person: per day for consumables, once for the rest;
    * ``first_day[G]`` — the day (from the zone's hit) a group's consumables start (0, or the reserve's days);
    * ``until_min[Z, G]`` — when the group leaves its condition (``inf``: not in the run);
    * ``needs_place[G]`` — whether the group needs a shelter place;
    * ``hit_min[Z]`` — when each zone was hit.
    """

    def __init__(self, items: tuple, people: np.ndarray, per_person: np.ndarray, first_day: np.ndarray,
                 until_min: np.ndarray, needs_place: np.ndarray, hit_min: np.ndarray, group_condition: list[str],
                 group_reserve: list[bool]):
        self.items = tuple(items)
        self.consumable = np.array([i in CONSUMABLES for i in self.items])
        self.people = np.asarray(people, dtype=np.int64)
        self.per_person = np.asarray(per_person, dtype=float)
        self.first_day = np.asarray(first_day, dtype=float)
        self.until_min = np.asarray(until_min, dtype=float)
        self.needs_place = np.asarray(needs_place, dtype=bool)
        self.hit_min = np.asarray(hit_min, dtype=float)
        self.group_condition = list(group_condition)
        self.group_reserve = list(group_reserve)
        self.tents_for = np.zeros(len(self.hit_min))       # tents each zone needs for its unsheltered
        self._first_day_key = None
        self._first_day = None
        self.tent_people = 1
        # Who needs anything on the first day (durables, rations without a reserve, a place).
        self.first_day_needing = self.needing(np.inf, first_day_only=True) > 0   # [Z, G]

    @property
    def n_zones(self) -> int:
        return self.people.shape[0]

    # ------------------------------------------------------------------ time
    def rations_due(self, t_min, per_zone: bool = False) -> np.ndarray:
        """Daily rations due by absolute time ``t_min`` per zone and group, ``[..., Z, G]``
        (``t_min`` a scalar or an array of times; with ``per_zone`` one time per zone).

        Rations fall due at the zone's hit and every day after, from the group's
        first day (its reserve's days), while the group is in its condition.
        """
        t = np.asarray(t_min, dtype=float)[..., None] if per_zone else np.asarray(t_min, dtype=float)[..., None, None]
        since = t - self.hit_min[:, None]                                   # [..., Z, 1]
        horizon = np.minimum(since, self.until_min - self.hit_min[:, None] - 1e-9)
        start = self.first_day * DAY_MIN                                    # [G]
        return np.where(horizon >= start, np.floor((horizon - start) / DAY_MIN) + 1.0, 0.0)

    def group_need_by(self, t_min, per_zone: bool = False) -> np.ndarray:
        """Units each group needs by ``t_min``, ``[..., Z, G, I]`` (``per_zone``: one time per zone):
        the people times their units per day (consumables: the rations due, see
        :meth:`rations_due`) or once (the rest, from the hit on)."""
        t_z, lead = self._times_by_zone(t_min, per_zone)
        need = _need_rows(t_z, self.hit_min, self.until_min, self.first_day, self.consumable, self.people,
                          self.per_person)
        return need.reshape(lead + need.shape[1:])

    def _times_by_zone(self, t_min, per_zone: bool) -> tuple[np.ndarray, tuple]:
        """``t_min`` as rows of one time per zone, ``[M, Z]`` (C order), and the leading shape
        the rows came from."""
        t = np.asarray(t_min, dtype=float)
        n_zones = self.hit_min.shape[0]
        t_z = np.broadcast_to(t if per_zone else t[..., None], t.shape[:-1] + (n_zones,) if per_zone
                              else t.shape + (n_zones,))
        return np.ascontiguousarray(t_z.reshape(-1, n_zones)), t_z.shape[:-1]

    def need_by(self, t_min, per_zone: bool = False) -> np.ndarray:
        """Units every zone needs by ``t_min`` in all, ``[..., Z, I]`` (tents for the
        unsheltered included; ``per_zone``: one time per zone): :meth:`group_need_by`
        summed over the groups."""
        t_z, lead = self._times_by_zone(t_min, per_zone)
        out = _total_need_rows(t_z, self.hit_min, self.until_min, self.first_day, self.consumable, self.people,
                               self.per_person)
        out = out.reshape(lead + out.shape[1:])
        if "tent" in self.items:
            t = np.asarray(t_min, dtype=float) if per_zone else np.asarray(t_min, dtype=float)[..., None]
            out[..., self.items.index("tent")] += np.where(t >= self.hit_min, self.tents_for, 0.0)
        return out

    def first_day_need(self) -> np.ndarray:
        """Units every zone needs on its first day, ``[Z, I]`` (read-only: worked out again
        only when the tents for the unsheltered change, the one part set during a run)."""
        key = self.tents_for.tobytes()
        if self._first_day_key != key:
            self._first_day = self.need_by(self._zone_times(np.inf, first_day_only=True), per_zone=True)
            self._first_day.flags.writeable = False
            self._first_day_key = key
        return self._first_day

    # ------------------------------------------------------------------ relief
    def _zone_times(self, t_min, first_day_only: bool, per_zone: bool = False) -> np.ndarray:
        """``t_min`` (scalar or grid; with ``per_zone`` already one time per zone) as
        one time per zone, ``[..., Z]``; with ``first_day_only`` within each zone's
        first day (a time before the hit counts as the hit: what arrived earlier is
        weighed against the needs the hit brings)."""
        t = np.asarray(t_min, dtype=float)
        t = t + np.zeros_like(self.hit_min) if per_zone else t[..., None] + np.zeros_like(self.hit_min)
        return np.clip(t, self.hit_min, self.hit_min + DAY_MIN - 1e-6) if first_day_only else t

    def covered(self, t_min, received: np.ndarray, sheltered: np.ndarray, first_day_only: bool = False,
                per_zone: bool = False) -> np.ndarray:
        """People relieved per group, ``[..., Z, G]``, given the units ``received[..., Z, I]``
        by ``t_min`` (scalar or grid) and the zone's people in public shelters ``sheltered[..., Z]``.

        Deliveries go to the groups in table order, item by item: each group
        takes what is due to it of every item while any is left (people take
        what they are owed as it arrives, the displaced in public shelters
        first: water reaches them before their warm clothing does). Places go
        the same way: in a public shelter, else in a delivered tent
        (``tent_people`` places each; a tent given as a place is not given
        again). A group's people are covered when every item due to them is,
        and (if they need one) a place. ``first_day_only`` counts the needs due
        on the zone's first day only (the 8 h / 12 h targets); a group with
        nothing due counts as covered.
        """
        return self._share_out(t_min, received, sheltered, first_day_only, per_zone)[0]

    def first_day_relieved(self, t_min: float, received, sheltered: float) -> int:
        """People of a one-zone table (:meth:`zone`) relieved of their first day's needs by
        ``t_min``, given the units ``received[I]`` and the people in public shelters: the
        people :meth:`covered` (``first_day_only``) in the groups of :attr:`first_day_needing`."""
        return self.first_day_relieved_of(t_min, np.asarray(received, dtype=float).reshape(1, -1),
                                          np.full(1, float(sheltered)))

    def first_day_relieved_of(self, t_min: float, received: np.ndarray, sheltered: np.ndarray) -> int:
        """:meth:`first_day_relieved` given float arrays: the units ``received[1, I]`` and the
        people in public shelters ``sheltered[1]`` (a zone keeps its own and updates them in place)."""
        return int(_one_zone_relieved(float(t_min), self.hit_min, self.until_min, self.first_day, self.consumable,
                                      self.people, self.per_person, received, sheltered, self.needs_place,
                                      self._tent_index(), float(self.tent_people), self.first_day_needing))

    def short(self, t_min, received: np.ndarray, sheltered: np.ndarray, per_zone: bool = False) -> np.ndarray:
        """People per group short of their needs to date, ``[..., Z, G]``, counted in
        persons' needs: a group's missing units of each item over one person's
        units a day (once for the items needed once), the most over its items and
        the people without a place, at most the group. 150 L missing of 3 L a day
        is 50 people short, whether it is one day's water for 50 or two days' for 25."""
        return self._share_out(t_min, received, sheltered, False, per_zone)[1]

    def _share_out(self, t_min, received, sheltered, first_day_only: bool, per_zone: bool):
        if self.people.shape[0] == 1 and np.ndim(t_min) == 0:
            # One zone at one time (a zone updates its relief at every delivery).
            t = float(t_min)
            if first_day_only:
                t = min(max(t, float(self.hit_min[0])), float(self.hit_min[0]) + DAY_MIN - 1e-6)
            need = _zone_need(t, float(self.hit_min[0]), self.until_min[0], self.first_day, self.consumable,
                              self.people[0], self.per_person[0])
            return _share_out_rows(need[None], np.asarray(received, dtype=float).reshape(1, -1),
                                   np.asarray(sheltered, dtype=float).reshape(1), np.zeros(1, dtype=np.int64),
                                   self.people, self.per_person, self.needs_place, self._tent_index(),
                                   float(self.tent_people))
        need = self.group_need_by(self._zone_times(t_min, first_day_only, per_zone), per_zone=True)  # [..., Z, G, I]
        return self._share_out_need(need, received, sheltered)

    def _share_out_need(self, need, received, sheltered):
        """:meth:`_share_out` of the units due, ``need[..., Z, G, I]`` (:meth:`group_need_by`)."""
        lead, (n_zones, n_groups, n_items) = need.shape[:-3], need.shape[-3:]
        rows = int(np.prod(lead, dtype=np.int64)) * n_zones
        received = np.broadcast_to(np.asarray(received, dtype=float), need.shape[:-2] + (n_items,))
        sheltered = np.broadcast_to(np.asarray(sheltered, dtype=float), need.shape[:-2])
        zone_of_row = np.tile(np.arange(n_zones, dtype=np.int64), rows // n_zones if n_zones else 0)
        covered, short = _share_out_rows(np.ascontiguousarray(need.reshape(rows, n_groups, n_items)),
                                         np.ascontiguousarray(received.reshape(rows, n_items)),
                                         np.ascontiguousarray(sheltered.reshape(rows)), zone_of_row,
                                         self.people, self.per_person, self.needs_place, self._tent_index(),
                                         float(self.tent_people))
        return covered.reshape(need.shape[:-1]), short.reshape(need.shape[:-1])

    def _tent_index(self) -> int:
        return self.items.index("tent") if "tent" in self.items else -1

    def needing(self, t_min, first_day_only: bool = False, per_zone: bool = False) -> np.ndarray:
        """People per group with something due by ``t_min`` (or a place to find) and
        still in their condition then, ``[..., Z, G]``; with ``first_day_only``, the
        needs of the zone's first day, of the groups in their condition at the hit."""
        t_z = self._zone_times(t_min, first_day_only, per_zone)
        return self._needing(t_z, self.group_need_by(t_z, per_zone=True), first_day_only)

    def needing_and_short(self, t_min, received: np.ndarray, sheltered: np.ndarray, per_zone: bool = False):
        """:meth:`needing` and :meth:`short` at the same times (``[..., Z, G]`` each), the
        units due worked out once for both, one time of every zone at a time."""
        t_z = self._zone_times(t_min, False, per_zone)
        lead, n_zones, n_items = t_z.shape[:-1], self.n_zones, len(self.items)
        received = np.broadcast_to(np.asarray(received, dtype=float), lead + (n_zones, n_items))
        sheltered = np.broadcast_to(np.asarray(sheltered, dtype=float), lead + (n_zones,))
        needing, short = _needing_and_short_rows(
            np.ascontiguousarray(t_z.reshape(-1, n_zones)), self.hit_min, self.until_min, self.first_day,
            self.consumable, self.people, self.per_person, self.needs_place,
            np.ascontiguousarray(received.reshape(-1, n_zones, n_items)),
            np.ascontiguousarray(sheltered.reshape(-1, n_zones)), self._tent_index(), float(self.tent_people))
        return needing.reshape(lead + needing.shape[1:]), short.reshape(lead + short.shape[1:])

    def _needing(self, t_z, need, first_day_only: bool) -> np.ndarray:
        """:meth:`needing` at the zones' times ``t_z`` with the units due there, ``need[..., Z, G, I]``."""
        due = need.sum(axis=-1) > 0
        hit = (t_z >= self.hit_min)[..., None]
        due = due | (self.needs_place[None, :] & hit)
        since = self.hit_min[:, None] if first_day_only else t_z[..., None]
        return np.where(due & (since < self.until_min), self.people, 0)

    def zone(self, z: int) -> "NeedsTable":
        """The table of zone ``z`` alone (views of its rows, for the zone's own updates)."""
        view = NeedsTable.__new__(NeedsTable)
        view.items, view.consumable = self.items, self.consumable
        view.people = self.people[z:z + 1]
        view.per_person = self.per_person[z:z + 1]
        view.first_day = self.first_day
        view.until_min = self.until_min[z:z + 1]
        view.needs_place = self.needs_place
        view.hit_min = self.hit_min[z:z + 1]
        view.group_condition, view.group_reserve = self.group_condition, self.group_reserve
        view.tents_for = self.tents_for[z:z + 1]
        view.tent_people = self.tent_people
        view.first_day_needing = self.first_day_needing[z:z + 1]
        view._first_day_key = view._first_day = None
        return view


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
