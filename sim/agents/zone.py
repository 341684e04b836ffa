"""A community or village and its affected people.

A zone holds its residents, the share of them who are vulnerable, and — once
the disaster hits — how many are affected (need basic-living relief),
displaced (also need a shelter place) and trapped. Relief items are delivered
to the zone's distribution point (its road node) and count for all its
affected people, sheltered or not.

A person counts as **relieved** when their zone has received their per-person
needs of every item and, if displaced, they are in a shelter. So the number
relieved is ``min(people covered by supplies, affected − displaced +
sheltered)``, where supplies cover ``min over items of received / need``
people. The zone's **relief time** is when every affected person is relieved;
its **first-supply time** is when the first delivery from a district-or-higher
depot arrives (clocks start at the event, t = 0).
"""
from __future__ import annotations

import math

__all__ = ["Zone"]

FIRST_SUPPLY_TIERS = ("district", "city")


class Zone:
    """State of one zone during a run (see module docstring)."""

    __slots__ = ("zone_id", "index", "node", "lon", "lat", "township", "population", "vulnerable_share", "affected",
                 "displaced", "trapped", "hit_time_min", "need", "received", "sheltered", "unsheltered_final",
                 "relieved", "first_supply_min", "first_city_supply_min", "relief_min", "report_min",
                 "helpers", "log", "extra_need")

    def __init__(self, zone_id: str, index: int, node: int, township: str, population: int,
                 vulnerable_share: float, log, lon: float = float("nan"), lat: float = float("nan")):
        self.zone_id = zone_id
        self.index = index
        self.node = node
        self.lon = lon
        self.lat = lat
        self.township = township
        self.population = population
        self.vulnerable_share = vulnerable_share
        self.affected = 0
        self.displaced = 0
        self.trapped = 0
        self.hit_time_min = 0.0
        self.need: dict[str, float] = {}
        self.extra_need: dict[str, float] = {}
        self.received: dict[str, float] = {}
        self.sheltered = 0
        self.unsheltered_final = 0
        self.relieved = 0
        self.first_supply_min = math.inf
        self.first_city_supply_min = math.inf
        self.relief_min = math.inf
        self.report_min = math.inf
        self.helpers = 0
        self.log = log

    # ----------------------------------------------------------- the impact
    def hit(self, affected: int, displaced: int, trapped: int, time_min: float,
            needs_per_person: dict[str, float]) -> None:
        self.affected = int(affected)
        self.displaced = int(min(displaced, affected))
        self.trapped = int(min(trapped, self.displaced))
        self.hit_time_min = float(time_min)
        self.need = {item: math.ceil(per * self.affected) for item, per in needs_per_person.items()}
        self.received = {item: 0.0 for item in self.need}

    def add_need(self, item: str, amount: float) -> None:
        """Extra need on top of the per-person needs (e.g. water during a water
        outage); set before the run starts, as command treats a zone whose need
        is covered as done."""
        self.need[item] = self.need.get(item, 0.0) + math.ceil(amount)
        self.received.setdefault(item, 0.0)

    def mark_reported(self, now: float) -> bool:
        """Command learns of the zone's needs (a report or a forecast); ``False``
        if it already knew."""
        if self.report_min != math.inf:
            return False
        self.report_min = now
        return True

    def helper_arrived(self) -> None:
        """A volunteer crew starts helping distribute (faster unloading)."""
        self.helpers += 1

    def helper_left(self) -> None:
        self.helpers -= 1

    @property
    def is_affected(self) -> bool:
        return self.affected > 0

    @property
    def vulnerable_affected(self) -> float:
        return self.affected * self.vulnerable_share

    # ------------------------------------------------------------ relief
    def covered_people(self) -> int:
        """People whose every per-person need the zone has received."""
        if not self.need:
            return self.affected
        covered = self.affected
        for item, need in self.need.items():
            if need > 0:
                covered = min(covered, int(self.received[item] / need * self.affected + 1e-9))
        return covered

    def _update_relief(self, now: float) -> None:
        relieved = min(self.covered_people(), self.affected - self.displaced + self.sheltered)
        if relieved > self.relieved:
            self.log.add(now, "relieved", zone=self.zone_id, amount=relieved - self.relieved)
            self.relieved = relieved
            if relieved >= self.affected and self.relief_min == math.inf:
                self.relief_min = now

    def receive(self, now: float, items: dict[str, float], depot_id: str, depot_tier: str) -> None:
        """A delivery from ``depot_id`` unloaded at the zone."""
        for item, amount in items.items():
            self.received[item] = self.received.get(item, 0.0) + amount
            self.log.add(now, "deliver", agent=depot_id, zone=self.zone_id, item=item, amount=amount)
        if depot_tier in FIRST_SUPPLY_TIERS and self.first_supply_min == math.inf:
            self.first_supply_min = now
            self.log.add(now, "first_supply", agent=depot_id, zone=self.zone_id)
        if depot_tier == "city" and self.first_city_supply_min == math.inf:
            self.first_city_supply_min = now
        self._update_relief(now)

    def shelter_arrival(self, now: float, people: int, shelter_id: str) -> None:
        self.sheltered += people
        self.log.add(now, "shelter", agent=shelter_id, zone=self.zone_id, amount=people)
        self._update_relief(now)

    # ------------------------------------------------------------- needs
    def open_need(self, assigned: dict[str, float]) -> dict[str, float]:
        """Need not yet received or on its way."""
        out = {}
        for item, need in self.need.items():
            left = need - self.received[item] - assigned.get(item, 0.0)
            if left > 1e-9:
                out[item] = left
        return out

    def unmet(self) -> dict[str, float]:
        return {item: max(need - self.received.get(item, 0.0), 0.0) for item, need in self.need.items()}
