"""The resources of a scenario: depots with their reserves and trucks, shelters, teams.

Also the base of every scenario model (:class:`Strict`: unknown keys are
errors), locations on the road graph, and per-item amounts. The interventions
(:mod:`sim.scenarios.interventions`) and the whole scenario
(:mod:`sim.scenarios.models`) build on these.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.scenarios.fields import LonLat, Share, count, number, text
from sim.scenarios.items import (
    DEFAULT_NEEDS_PER_PERSON,
    DEFAULT_UNIT_WEIGHT_KG,
    SHELTER_M2_PER_PERSON,
)
from sim.scenarios.units import duration

__all__ = ["Strict", "Location", "ItemAmounts", "Needs", "PersonNeeds", "ConditionNeeds", "HouseholdReserve",
           "ItemWeights", "Trucks", "AgreementReserve",
           "ProductionReserve", "Depot", "Shelter", "Team", "ID_PATTERN", "TEAM_KINDS", "DEPOT_TIERS", "LOCAL_TIERS",
           "AgentId", "Name", "Description", "MAX_TRUCKS_PER_DEPOT", "MAX_CREWS_PER_TEAM", "MAX_UNITS",
           "MAX_NEED_PER_PERSON", "MAX_ID_LENGTH", "MAX_NAME_LENGTH"]

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
TEAM_KINDS = ("fire_rescue", "sar", "road_repair", "pumping", "lifeline_repair",
              "volunteer", "medical", "army", "distribution")
DEPOT_TIERS = ("city", "district", "street", "community")
#: Tiers that serve their own area first (township/street and community reserves).
LOCAL_TIERS = ("street", "community")

#: Trucks at one depot: each truck is a SimPy process driving on the graph.
MAX_TRUCKS_PER_DEPOT = 2_000
#: Crews in one team entry: each crew is a SimPy process.
MAX_CREWS_PER_TEAM = 1_000
#: People in one crew.
MAX_CREW_SIZE = 1_000
#: Units of one item at one depot (stock, agreement stock, production per hour):
#: amounts stay exact in floating point and the supply audit balances.
MAX_UNITS = 1_000_000_000
#: Units of one item one affected person needs.
MAX_NEED_PER_PERSON = 1_000
#: Loading bays at one depot.
MAX_LOADING_BAYS = 200
#: Heaviest truck payload, kg (a 100 t heavy-haul truck).
MAX_PAYLOAD_KG = 100_000
#: Largest shelter, m2 (10 km2).
MAX_SHELTER_M2 = 10_000_000
MAX_ID_LENGTH = 64
MAX_NAME_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 10_000

_UNITS_REASON = "amounts beyond this are no longer counted exactly"

#: An id of a depot, shelter, team or zone.
AgentId = Annotated[str, Field(pattern=ID_PATTERN, max_length=MAX_ID_LENGTH,
                               description="an id: letters, digits, '_', '.' and '-', starting with a "
                                           f"letter or digit, at most {MAX_ID_LENGTH} characters")]
Name = text(MAX_NAME_LENGTH, description=f"a name shown in reports, at most {MAX_NAME_LENGTH} characters")
Description = text(MAX_DESCRIPTION_LENGTH, multiline=True,
                   description=f"free text, at most {MAX_DESCRIPTION_LENGTH:,} characters")


_LOAD_REASON = "loading takes time, and the dispatch plan divides by it"

TruckCount = count(0, MAX_TRUCKS_PER_DEPOT, what="trucks at a depot", reason="each truck is a SimPy process",
                   description=f"trucks based at the depot, 0 to {MAX_TRUCKS_PER_DEPOT:,}")
Payload = number(ge=1, le=MAX_PAYLOAD_KG, unit="kg", reason="the heaviest road trucks carry 100 t",
                 description=f"payload of one truck, kg, 1 to {MAX_PAYLOAD_KG:,}")
LoadingBays = count(1, MAX_LOADING_BAYS, what="loading bays", reason="bays are a SimPy resource the depot's "
                    "trucks queue for", description=f"trucks loaded at once, 1 to {MAX_LOADING_BAYS}")
LoadTime = duration("time to load one truck at a bay", at_least="1min", at_most="1d", why_at_least=_LOAD_REASON)
UnloadTime = duration("time to unload one truck at a zone", at_least="1min", at_most="1d",
                      why_at_least="unloading takes time")
ShelterArea = number(gt=0, le=MAX_SHELTER_M2, unit="m2", reason="10 km2 is larger than any shelter",
                     description=f"usable floor area, m2, more than 0 to {MAX_SHELTER_M2:,}")
CrewCount = count(1, MAX_CREWS_PER_TEAM, what="crews in a team", reason="each crew is a SimPy process",
                  description=f"crews (vehicles) in the team, 1 to {MAX_CREWS_PER_TEAM:,}")
CrewSize = count(1, MAX_CREW_SIZE, what="people in a crew", reason="a crew is one vehicle's people",
                 description=f"people per crew, 1 to {MAX_CREW_SIZE:,}")
TentM2 = number(ge=1, le=1_000, unit="m2", reason="a relief tent, not a hall",
                description="floor area of one relief tent, m2 (the 12 m2 relief tent of China's reserves; it "
                            "houses tent_m2 / shelter_m2 people)")
ShelterM2 = number(ge=0.5, le=100, unit="m2", reason="a shelter place is one person's floor area",
                   description="shelter floor area per displaced person, m2, 0.5 to 100 [TZ: 1.8]")
LeadTime = duration("time from the event until the agreement stock is at the depot")
ProductionDelay = duration("time from the event until production starts")
ProductionUntil = duration("production stops at this time (default: the end of the run)")
Mobilize = duration("time from the alert to departure", at_most="7d")


class Strict(BaseModel):
    """Base of every scenario model: unknown keys are errors, every number is
    finite, defaults are written as a user writes them (``"20min"``) and
    validated like the user's values."""

    model_config = ConfigDict(extra="forbid", frozen=False, allow_inf_nan=False, validate_default=True)


class Location(Strict):
    """A place on the road graph: a node id of the source data, or a lon/lat
    that is snapped to the nearest node (the snap distance is reported)."""

    node: int | None = Field(None, ge=0, le=2**63 - 1, strict=True,
                             description="node id in the road graph's source data (a whole number)")
    lonlat: LonLat | None = Field(None, description="[longitude, latitude] in degrees (WGS 84), snapped to "
                                                     "the nearest road node")

    @model_validator(mode="after")
    def _exactly_one(self):
        if (self.node is None) == (self.lonlat is None):
            raise ValueError("give exactly one of 'node' or 'lonlat'")
        return self


def _units(description: str, default: float = 0.0):
    return Field(default, description=description)


Units = number(ge=0, le=MAX_UNITS, unit="units", reason=_UNITS_REASON,
               description=f"units of the item, 0 to {MAX_UNITS:,}")


class ItemAmounts(Strict):
    """Units per relief item (see :mod:`sim.scenarios.items`), each 0 to 1,000,000,000."""

    water_l: Units = _units("litres of drinking water")
    food_ration: Units = _units("one-day food rations")
    bedding: Units = _units("bedding sets")
    tent: Units = _units("family tents")
    warm_clothing: Units = _units("warm clothing sets")
    medical_kit: Units = _units("first-aid kits")

    def as_dict(self, nonzero: bool = False) -> dict[str, float]:
        d = self.model_dump()
        return {k: v for k, v in d.items() if v > 0} if nonzero else d


NeedPerPerson = number(ge=0, le=MAX_NEED_PER_PERSON, unit="units per person",
                       reason="needs are per affected person for the first day",
                       description=f"units per affected person, 0 to {MAX_NEED_PER_PERSON:,}")


class PersonNeeds(Strict):
    """Units one person needs: consumables (water, food) per day, the other items once."""

    water_l: NeedPerPerson = Field(0.0, description="litres of drinking water per day")
    food_ration: NeedPerPerson = Field(0.0, description="one-day food rations per day")
    bedding: NeedPerPerson = Field(0.0, description="bedding sets, once")
    tent: NeedPerPerson = Field(0.0, description="family tents, once")
    warm_clothing: NeedPerPerson = Field(0.0, description="warm clothing sets, once")
    medical_kit: NeedPerPerson = Field(0.0, description="first-aid kits, once")

    def as_dict(self) -> dict[str, float]:
        return {k: v for k, v in self.model_dump().items() if v > 0}


def _basic(**extra) -> PersonNeeds:
    return PersonNeeds(water_l=DEFAULT_NEEDS_PER_PERSON["water_l"],
                       food_ration=DEFAULT_NEEDS_PER_PERSON["food_ration"], **extra)


class ConditionNeeds(Strict):
    """Needs per person by condition (:mod:`sim.world.needs`)."""

    public_shelter: PersonNeeds = Field(default_factory=lambda: _basic(bedding=1.0),
                                        description="displaced, in a public shelter or a relief tent")
    outdoors: PersonNeeds = Field(default_factory=_basic, description="sleeping outdoors near a habitable home")
    no_lifelines: PersonNeeds = Field(default_factory=_basic, description="at home without water and power")

    def items(self) -> set[str]:
        return {i for c in (self.public_shelter, self.outdoors, self.no_lifelines) for i in c.as_dict()}


class WinterNeeds(ConditionNeeds):
    """What winter adds per person (``season: winter``), once."""

    public_shelter: PersonNeeds = Field(default_factory=lambda: PersonNeeds(warm_clothing=1.0),
                                        description="displaced, in a public shelter or a relief tent")
    outdoors: PersonNeeds = Field(default_factory=lambda: PersonNeeds(warm_clothing=1.0, bedding=1.0),
                                  description="sleeping outdoors near a habitable home")
    no_lifelines: PersonNeeds = Field(default_factory=PersonNeeds, description="at home without water and power")


class Needs(Strict):
    """Who needs what for basic living, and the shelter standards (:mod:`sim.world.needs`).

    ``by_condition`` gives per-person needs of the displaced in public shelters,
    of those sleeping outdoors and of those at home without lifelines
    (defaults: Sphere 2018's 3 L of drinking water a day, a one-day ration, and
    a bedding set for the displaced); ``winter`` what winter adds. An item key
    at this level (``needs: {bedding: 0}``) is shorthand: that item's need in
    every condition that needs relief, in every season.
    """

    shelter_m2: ShelterM2 = SHELTER_M2_PER_PERSON
    tent_m2: TentM2 = 12.0
    public_shelter_share: Share = Field(
        0.4, description="share of the displaced who seek a public shelter place; the rest stay with relatives or "
        "friends, 0 to 1 (assumption within the Hazus-MH range of 0.13-0.62 by household income)")
    by_condition: ConditionNeeds = Field(default_factory=ConditionNeeds, description="needs per person by "
                                                                                     "condition")
    winter: WinterNeeds = Field(default_factory=WinterNeeds, description="what winter adds per person")
    water_l: NeedPerPerson | None = Field(None, description="shorthand: litres of water per person a day, in "
                                                            "every condition that needs relief")
    food_ration: NeedPerPerson | None = Field(None, description="shorthand: rations per person a day, in every "
                                                                "condition that needs relief")
    bedding: NeedPerPerson | None = Field(None, description="shorthand: bedding sets per person, in every "
                                                            "condition that needs relief")
    tent: NeedPerPerson | None = Field(None, description="shorthand: tents per person, in every condition that "
                                                         "needs relief")
    warm_clothing: NeedPerPerson | None = Field(None, description="shorthand: warm clothing sets per person, in "
                                                                  "every condition that needs relief")
    medical_kit: NeedPerPerson | None = Field(None, description="shorthand: first-aid kits per person, in every "
                                                                "condition that needs relief")

    def shorthand(self) -> dict[str, float]:
        """The item keys written at this level: the same need in every condition."""
        return {i: getattr(self, i) for i in PersonNeeds.model_fields if getattr(self, i) is not None}

    def table(self, winter: bool = False) -> dict[str, dict[str, float]]:
        """Units per person by condition and item (consumables per day, the rest once).
        A shorthand item key is the last word: ``bedding: 0`` means no bedding, in winter too."""
        out = {}
        flat = self.shorthand()
        for condition in ("public_shelter", "outdoors", "no_lifelines"):
            per = dict(getattr(self.by_condition, condition).model_dump())
            if winter:
                for item, n in getattr(self.winter, condition).model_dump().items():
                    per[item] = per[item] + n
            per.update(flat)
            out[condition] = {i: n for i, n in per.items() if n > 0}
        return out

    def items(self, winter: bool = False) -> set[str]:
        """Items some condition needs (in winter with the winter additions)."""
        return {i for per in self.table(winter).values() for i in per}

    @property
    def tent_people(self) -> int:
        return max(1, int(self.tent_m2 / self.shelter_m2 + 1e-9))


ReserveDays = count(0, 30, what="days", reason="a household reserve holds days, not months",
                    description="days of water and food a household reserve holds [BJ25: at least 3]")


class HouseholdReserve(Strict):
    """Households' own supplies (the plans ask for at least 3 days [BJ25]; household reserve list [BJ14])."""

    share: Share = Field(0.3, description="share of households holding a usable reserve, 0 to 1 (assumption)")
    days: ReserveDays = 3
    lost_when_displaced: Share = Field(0.5, description="share of the reserves of displaced households lost with "
                                                        "the home, 0 to 1 (assumption)")


UnitWeight = number(ge=0.01, le=10_000, unit="kg", reason="one unit is what one person carries or a "
                    "pallet at most", description="shipping weight of one unit, kg, 0.01 to 10,000")


class ItemWeights(Strict):
    """Shipping weight of one unit of each item, kg."""

    water_l: UnitWeight = Field(DEFAULT_UNIT_WEIGHT_KG["water_l"], description="kg per litre of water")
    food_ration: UnitWeight = Field(DEFAULT_UNIT_WEIGHT_KG["food_ration"], description="kg per food ration")
    bedding: UnitWeight = Field(DEFAULT_UNIT_WEIGHT_KG["bedding"], description="kg per bedding set")
    tent: UnitWeight = Field(DEFAULT_UNIT_WEIGHT_KG["tent"], description="kg per tent")
    warm_clothing: UnitWeight = Field(DEFAULT_UNIT_WEIGHT_KG["warm_clothing"],
                                      description="kg per warm clothing set")
    medical_kit: UnitWeight = Field(DEFAULT_UNIT_WEIGHT_KG["medical_kit"], description="kg per first-aid kit")


class Trucks(Strict):
    """The depot's truck fleet."""

    count: TruckCount
    payload_kg: Payload


class AgreementReserve(Strict):
    """Stock held by suppliers under agreement: it arrives after a lead time [BJ14]."""

    stock: ItemAmounts = Field(..., description="units per item held by the suppliers")
    lead_time: LeadTime


class ProductionReserve(Strict):
    """Production capacity for catastrophes: a rate after a start-up delay [BJ14]."""

    rate_per_h: ItemAmounts = Field(..., description="units per item produced per hour")
    delay: ProductionDelay
    until: ProductionUntil | None = Field(None, description="production stops at this time, from the event "
                                                            "(a duration; default: the end of the run)")




#: A township as the zones table names it (printable text of at most 64 characters there).
TownshipName = Annotated[str, Field(min_length=1, max_length=64)]


class ServiceArea(Strict):
    """The zones a township or community reserve serves: listed townships or zone ids."""

    townships: list[TownshipName] | None = Field(
        None, min_length=1, max_length=1_000, description="township ids whose zones the depot serves, 1 or more")
    zones: list[AgentId] | None = Field(None, min_length=1, max_length=100_000,
                                        description="zone ids the depot serves, 1 or more")

    @model_validator(mode="after")
    def _one(self):
        if (self.townships is None) == (self.zones is None):
            raise ValueError("give exactly one of 'townships' or 'zones'")
        return self


class Depot(Strict):
    """A reserve depot: physical stock on hand, agreement and production
    reserves, loading bays and a truck fleet."""

    id: AgentId
    name: Name = ""
    tier: Literal["city", "district", "street", "community"] = Field(
        ..., description="city, district, street (township) or community; street and community reserves "
                         "serve their own area first (see serves)")
    at: Location = Field(..., description="where the depot is")
    stock: ItemAmounts = Field(default_factory=ItemAmounts, description="physical stock on hand, units per item")
    agreement: AgreementReserve | None = Field(None, description="suppliers' stock under agreement")
    production: ProductionReserve | None = Field(None, description="production capacity")
    trucks: Trucks = Field(..., description="the truck fleet")
    loading_bays: LoadingBays = 2
    load_time: LoadTime = "20min"
    unload_time: UnloadTime = "15min"
    backup_power: bool = Field(False, description="works at full speed through a power outage")
    sat_phone: bool = Field(False, description="has a satellite phone: unaffected by a comms outage")
    serves: ServiceArea | None = Field(None, description="the zones the depot serves first (default by tier: a "
                                                         "street depot its township, a community depot its zone, "
                                                         "district and city depots every zone)")


class Shelter(Strict):
    """An emergency shelter; capacity = area_m2 / needs.shelter_m2."""

    id: AgentId
    name: Name = ""
    at: Location = Field(..., description="where the shelter is")
    area_m2: ShelterArea
    backup_power: bool = Field(False, description="works at full speed through a power outage")



#: A team's home township (checked against the zones' townships).
TownshipRef = Annotated[TownshipName | None, Field(description="home township: rescue crews work its zones first (first on "
                                                      "scene [TZ, BJ25])")]

class Team(Strict):
    """A rescue or support team: ``count`` crews of ``size`` people."""

    id: AgentId
    name: Name = ""
    kind: Literal["fire_rescue", "sar", "road_repair", "pumping", "lifeline_repair",
                  "volunteer", "medical", "army", "distribution"] = Field(..., description="what the team does")
    base: Location = Field(..., description="where the team starts and returns to")
    count: CrewCount = 1
    size: CrewSize = 10
    mobilize: Mobilize = "15min"
    outside: bool = Field(False, description="comes from outside the district (blocked by no_outside_support)")
    township: TownshipRef = None
    sat_phone: bool = Field(False, description="has a satellite phone: unaffected by a comms outage")
