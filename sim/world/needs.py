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
        """Units each group needs by ``t_min``, ``[..., Z, G, I]`` (``per_zone``: one time per zone)."""
        t = np.asarray(t_min, dtype=float)
        rations = self.rations_due(t, per_zone)                           # [..., Z, G]
        reached = t >= self.hit_min if per_zone else t[..., None] >= self.hit_min
        hit = reached.astype(float)[..., :, None]                         # [..., Z, 1]
        units = np.where(self.consumable, rations[..., None], hit[..., None])
        return self.people[..., None] * self.per_person * units

    def need_by(self, t_min, per_zone: bool = False) -> np.ndarray:
        """Units every zone needs by ``t_min`` in all, ``[..., Z, I]`` (tents for the
        unsheltered included; ``per_zone``: one time per zone)."""
        out = self.group_need_by(t_min, per_zone).sum(axis=-2)
        if "tent" in self.items:
            t = np.asarray(t_min, dtype=float) if per_zone else np.asarray(t_min, dtype=float)[..., None]
            out[..., self.items.index("tent")] += np.where(t >= self.hit_min, self.tents_for, 0.0)
        return out

    def first_day_need(self) -> np.ndarray:
        """Units every zone needs on its first day, ``[Z, I]``."""
        return self.need_by(self._zone_times(np.inf, first_day_only=True), per_zone=True)

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

    def short(self, t_min, received: np.ndarray, sheltered: np.ndarray, per_zone: bool = False) -> np.ndarray:
        """People per group short of their needs to date, ``[..., Z, G]``, counted in
        persons' needs: a group's missing units of each item over one person's
        units a day (once for the items needed once), the most over its items and
        the people without a place, at most the group. 150 L missing of 3 L a day
        is 50 people short, whether it is one day's water for 50 or two days' for 25."""
        return self._share_out(t_min, received, sheltered, False, per_zone)[1]

    def _share_out(self, t_min, received, sheltered, first_day_only: bool, per_zone: bool):
        need = self.group_need_by(self._zone_times(t_min, first_day_only, per_zone), per_zone=True)  # [..., Z, G, I]
        if need.ndim == 3 and need.shape[0] == 1:
            return self._share_out_one(need[0], np.asarray(received, dtype=float).reshape(-1),
                                       float(np.asarray(sheltered, dtype=float).reshape(-1)[0]))
        left = np.array(received, dtype=float, copy=True)
        shelter_left = np.array(sheltered, dtype=float, copy=True)
        tent = self.items.index("tent") if "tent" in self.items else None
        covered = np.zeros(need.shape[:-1])
        short = np.zeros(need.shape[:-1])
        for g in range(need.shape[-2]):
            people = self.people[:, g]
            if not people.any():
                continue
            take = np.minimum(need[..., g, :], np.clip(left, 0.0, None))
            left = left - take
            per = need[..., g, :] / np.maximum(people, 1)[:, None]               # units per person to date
            with np.errstate(divide="ignore", invalid="ignore"):
                can = np.where(per > 0, np.floor(take / np.where(per > 0, per, 1.0) + 1e-9), np.inf)
                daily = self.per_person[:, g, :]
                missing = np.where(daily > 0, np.ceil((need[..., g, :] - take) / np.where(daily > 0, daily, 1.0)
                                                      - 1e-9), 0.0)
            n = np.minimum(people, np.min(can, axis=-1))
            lacking = np.max(missing, axis=-1)
            if self.needs_place[g]:
                tents = np.floor(np.clip(left[..., tent], 0.0, None) + 1e-9) if tent is not None else 0.0
                placed = np.minimum(people, shelter_left + tents * self.tent_people)
                in_shelter = np.minimum(placed, shelter_left)
                shelter_left = shelter_left - in_shelter
                if tent is not None:
                    left[..., tent] -= np.ceil((placed - in_shelter) / self.tent_people - 1e-9)
                n = np.minimum(n, placed)
                lacking = np.maximum(lacking, people - placed)
            covered[..., g] = n
            short[..., g] = np.minimum(people, lacking)
        return covered, short

    def _share_out_one(self, need: np.ndarray, received: np.ndarray, sheltered: float):
        """:meth:`_share_out` for one zone at one time (``need[G, I]``), in plain floats: the
        same arithmetic, without array overheads (a zone updates its relief at every delivery)."""
        n_groups, n_items = need.shape
        left = [float(x) for x in received]
        shelter_left = sheltered
        tent = self.items.index("tent") if "tent" in self.items else None
        covered = np.zeros((1, n_groups))
        short = np.zeros((1, n_groups))
        people_row = self.people[0]
        daily_rows = self.per_person[0]
        for g in range(n_groups):
            people = int(people_row[g])
            if not people:
                continue
            can, lacking = math.inf, 0.0
            for i in range(n_items):
                due = float(need[g, i])
                take = min(due, max(left[i], 0.0))
                left[i] -= take
                per = due / max(people, 1)
                if per > 0:
                    can = min(can, math.floor(take / per + 1e-9))
                daily = float(daily_rows[g, i])
                if daily > 0:
                    lacking = max(lacking, math.ceil((due - take) / daily - 1e-9))
            n = min(float(people), can)
            if self.needs_place[g]:
                tents = math.floor(max(left[tent], 0.0) + 1e-9) if tent is not None else 0.0
                placed = min(float(people), shelter_left + tents * self.tent_people)
                in_shelter = min(placed, shelter_left)
                shelter_left -= in_shelter
                if tent is not None:
                    left[tent] -= math.ceil((placed - in_shelter) / self.tent_people - 1e-9)
                n = min(n, placed)
                lacking = max(lacking, people - placed)
            covered[0, g] = n
            short[0, g] = min(float(people), lacking)
        return covered, short

    def needing(self, t_min, first_day_only: bool = False, per_zone: bool = False) -> np.ndarray:
        """People per group with something due by ``t_min`` (or a place to find) and
        still in their condition then, ``[..., Z, G]``; with ``first_day_only``, the
        needs of the zone's first day, of the groups in their condition at the hit."""
        t_z = self._zone_times(t_min, first_day_only, per_zone)
        due = self.group_need_by(t_z, per_zone=True).sum(axis=-1) > 0
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
        return view
