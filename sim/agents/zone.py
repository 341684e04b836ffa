"""A community or village and its affected people.

A zone holds its residents, the share of them who are vulnerable, and — once
the disaster hits — how many are affected, displaced and trapped, and the
groups its affected people fall into (condition and household reserve, with
their needs over time: :mod:`sim.world.needs`). Relief items are delivered to
the zone's distribution point (its road node) and shared out to its groups,
the displaced in public shelters first.

A person counts as **relieved** (for the 8 h / 12 h targets) when their
first day's needs are on site in the zone — and, for a displaced person
seeking a public shelter, a place in a shelter or a relief tent. People with
nothing due on the first day (a household reserve, relatives, lifelines)
are not among those needing relief then. The zone's **relief time** is when
every person needing first-day relief is relieved; its **first-supply
time** is when the deliveries from the tiers of the public reserve system
(district, city, township/street or community reserve) first hold a first
batch (:mod:`sim.agents.first_batch`: by default 100 kg of water and food, or
the community's whole first-day need of them if less), its **first district
supply** when those from district or city depots do, its **first city
supply** when those from city depots do.
Times are on the run's clock here; KPIs measure them from the zone's hit
(:mod:`sim.analysis.clock`).
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["Zone", "FIRST_SUPPLY_TIERS", "DISTRICT_TIERS"]

#: Tiers of the public reserve system whose deliveries count as a community's first supplies.
FIRST_SUPPLY_TIERS = ("district", "city", "street", "community")
#: Tiers whose supplies are the district's (or city's) own batches.
DISTRICT_TIERS = ("district", "city")


class Zone:
    """State of one zone during a run (see module docstring)."""

    __slots__ = ("zone_id", "index", "node", "lon", "lat", "township", "population", "vulnerable_share", "affected",
                 "displaced", "trapped", "hit_time_min", "needs", "received", "sheltered", "seeking_shelter",
                 "unsheltered_final", "relieved", "needing_first_day", "first_supply_min", "first_city_supply_min",
                 "first_district_supply_min",
                 "relief_min", "report_min", "helpers", "log", "_items", "_item_column", "_received_units",
                 "_sheltered_people", "on_first_supply", "first_batch", "_batch_kg")

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
        self.needs = None             # this zone's view of the needs table
        self.received: dict[str, float] = {}
        self.sheltered = 0
        self.seeking_shelter = 0
        self.unsheltered_final = 0
        self.relieved = 0
        self.needing_first_day = 0
        self.first_supply_min = math.inf
        self.first_city_supply_min = math.inf
        self.first_district_supply_min = math.inf
        self.relief_min = math.inf
        self.report_min = math.inf
        self.helpers = 0
        self.log = log
        self._items: tuple = ()
        self._item_column: dict[str, int] = {}      # item -> its column in the needs table
        self._received_units = None                 # received[1, I] in the table's columns
        self._sheltered_people = None               # sheltered, as [1] floats
        self.on_first_supply = None   # called with no arguments when first supplies arrive (set by command)
        self.first_batch = None       # what a first batch holds (sim.agents.first_batch.FirstBatchRule)
        self._batch_kg = [0.0, 0.0, 0.0]    # kg of the batch's items had from any, district and city tiers

    # ----------------------------------------------------------- the impact
    def hit(self, affected: int, displaced: int, trapped: int, time_min: float, needs) -> None:
        """The disaster reaches the zone; ``needs`` is the zone's view of the needs table."""
        self.affected = int(affected)
        self.displaced = int(min(displaced, affected))
        self.trapped = int(min(trapped, self.displaced))
        self.hit_time_min = float(time_min)
        self.needs = needs
        self._items = needs.items
        self.received = {item: 0.0 for item in needs.items}
        self._item_column = {item: i for i, item in enumerate(needs.items)}
        self._received_units = np.zeros((1, len(needs.items)))
        self._sheltered_people = np.zeros(1)
        people = needs.people[0].tolist()
        self.seeking_shelter = sum(n for n, place in zip(people, needs.needs_place.tolist()) if place)
        self.needing_first_day = sum(n for n, due in zip(people, needs.first_day_needing[0].tolist()) if due)

    @property
    def is_affected(self) -> bool:
        return self.affected > 0

    @property
    def needs_relief(self) -> bool:
        """Whether anybody in the zone needs relief on its first day."""
        return self.needing_first_day > 0

    @property
    def vulnerable_affected(self) -> float:
        return self.affected * self.vulnerable_share

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

    # ------------------------------------------------------------ relief
    def _update_relief(self, now: float) -> None:
        if self.needs is None or self.relieved >= self.needing_first_day:
            return                    # everyone needing first-day relief is relieved: it stays so
        self._sheltered_people[0] = self.sheltered
        relieved = self.needs.first_day_relieved_of(now, self._received_units, self._sheltered_people)
        if relieved > self.relieved:
            self.log.add(now, "relieved", zone=self.zone_id, amount=relieved - self.relieved)
            self.relieved = relieved
        if self.relieved >= self.needing_first_day and self.relief_min == math.inf and self.needing_first_day:
            self.relief_min = now

    def receive(self, now: float, items: dict[str, float], depot_id: str, depot_tier: str) -> None:
        """A delivery from ``depot_id`` unloaded at the zone."""
        for item, amount in items.items():
            total = self.received[item] = self.received.get(item, 0.0) + amount
            column = self._item_column.get(item)
            if column is not None:
                self._received_units[0, column] = total
            self.log.add(now, "deliver", agent=depot_id, zone=self.zone_id, item=item, amount=amount)
        if depot_tier in FIRST_SUPPLY_TIERS and math.inf in (self.first_supply_min, self.first_district_supply_min,
                                                             self.first_city_supply_min):
            self._first_batches(now, items, depot_id, depot_tier)
        self._update_relief(now)

    def _first_batches(self, now: float, items: dict[str, float], depot_id: str, depot_tier: str) -> None:
        """Count a delivery from ``depot_tier`` towards the zone's first batches (any tier,
        district or city tiers, the city's) and note those it completes."""
        kg = self.first_batch.kg(items) if self.first_batch is not None else 0.0
        had = self._batch_kg
        had[0] += kg
        if depot_tier in DISTRICT_TIERS:
            had[1] += kg
        if depot_tier == "city":
            had[2] += kg
        due_kg = self.first_day_batch_kg()
        done = self.first_batch.complete if self.first_batch is not None else (lambda _had, _due: True)
        if self.first_supply_min == math.inf and done(had[0], due_kg):
            self.first_supply_min = now
            self.log.add(now, "first_supply", agent=depot_id, zone=self.zone_id)
            if self.on_first_supply is not None:
                self.on_first_supply()
        # A tier's first batch: the batch, or what of the first day's batch items the others left.
        if (depot_tier in DISTRICT_TIERS and self.first_district_supply_min == math.inf
                and done(had[1], max(due_kg - (had[0] - had[1]), 0.0))):
            self.first_district_supply_min = now
        if depot_tier == "city" and done(had[2], max(due_kg - (had[0] - had[2]), 0.0)):
            self.first_city_supply_min = now

    def first_day_batch_kg(self) -> float:
        """Kilograms of the first batch's items the zone needs on its first day (0 before its hit)."""
        if self.needs is None or self.first_batch is None:
            return 0.0
        return self.first_batch.kg(dict(zip(self._items, self.needs.first_day_need()[0].tolist())))

    def left_without_place(self, people: int) -> None:
        """``people`` seeking a public shelter found no place in any (they need a tent)."""
        self.unsheltered_final = people

    def shelter_arrival(self, now: float, people: int, shelter_id: str) -> None:
        self.sheltered += people
        self.log.add(now, "shelter", agent=shelter_id, zone=self.zone_id, amount=people)
        self._update_relief(now)

    # ------------------------------------------------------------- needs
    def need_by(self, t_min: float) -> dict[str, float]:
        """Units the zone needs by ``t_min`` in all."""
        if self.needs is None:
            return {}
        return {i: float(n) for i, n in zip(self._items, self.needs.need_by(t_min)[0]) if n > 0}

    def unmet(self, t_min: float) -> dict[str, float]:
        """Units due by ``t_min`` and not received."""
        return {item: max(need - self.received.get(item, 0.0), 0.0) for item, need in self.need_by(t_min).items()}
