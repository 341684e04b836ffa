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

import numpy as np

from sim.world.needs_kernels import (DAY_MIN, _need_rows, _needing_and_short_rows, _one_zone_relieved,
                                     _share_out_rows, _total_need_rows, _zone_need)

__all__ = ["NeedsTable", "CONDITIONS", "RELIEF_CONDITIONS", "CONSUMABLES", "DAY_MIN"]

#: Conditions in the order deliveries are shared out.
CONDITIONS = ("public_shelter", "outdoors", "no_lifelines", "relatives", "home")
#: Conditions that can need delivered relief.
RELIEF_CONDITIONS = ("public_shelter", "outdoors", "no_lifelines")
#: Items needed again every day (the rest are needed once).
CONSUMABLES = ("water_l", "food_ration")


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
