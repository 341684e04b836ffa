"""The resources of a scenario: depots with their reserves and trucks, shelters, teams.

Also the base of every scenario model (:class:`Strict`: unknown keys are
errors), locations on the road graph, and per-item amounts. The interventions
(:mod:`sim.scenarios.interventions`) and the whole scenario
(:mod:`sim.scenarios.models`) build on these.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.scenarios.items import (
    DEFAULT_NEEDS_PER_PERSON,
    DEFAULT_UNIT_WEIGHT_KG,
    SHELTER_M2_PER_PERSON,
)
from sim.scenarios.units import Duration

__all__ = ["Strict", "Location", "ItemAmounts", "Needs", "ItemWeights", "Trucks", "AgreementReserve",
           "ProductionReserve", "Depot", "Shelter", "Team", "ID_PATTERN", "TEAM_KINDS", "DEPOT_TIERS"]

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
TEAM_KINDS = ("fire_rescue", "sar", "road_repair", "pumping", "lifeline_repair",
              "volunteer", "medical", "army", "distribution")
DEPOT_TIERS = ("city", "district", "street", "community")


class Strict(BaseModel):
    """Base of every scenario model: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=False)


class Location(Strict):
    """A place on the road graph: a node id of the source data, or a lon/lat
    that is snapped to the nearest node (the snap distance is reported)."""

    node: int | None = Field(None, ge=0, description="node id in the road graph's source data")
    lonlat: tuple[float, float] | None = Field(None, description="[longitude, latitude] in degrees (WGS84)")

    @model_validator(mode="after")
    def _exactly_one(self):
        if (self.node is None) == (self.lonlat is None):
            raise ValueError("give exactly one of 'node' or 'lonlat'")
        if self.lonlat is not None:
            lon, lat = self.lonlat
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise ValueError(f"lonlat {list(self.lonlat)} is not [longitude, latitude] in degrees")
        return self


def _amount(description: str):
    return Field(0.0, ge=0, description=description)


class ItemAmounts(Strict):
    """Units per relief item (see :mod:`sim.scenarios.items`)."""

    water_l: float = _amount("litres of drinking water")
    food_ration: float = _amount("one-day food rations")
    bedding: float = _amount("bedding sets")
    tent: float = _amount("family tents")
    warm_clothing: float = _amount("warm clothing sets")
    medical_kit: float = _amount("first-aid kits")

    def as_dict(self, nonzero: bool = False) -> dict[str, float]:
        d = self.model_dump()
        return {k: v for k, v in d.items() if v > 0} if nonzero else d


class Needs(Strict):
    """What one affected person needs for basic living (first day), and the
    shelter area standard for the displaced."""

    water_l: float = Field(DEFAULT_NEEDS_PER_PERSON["water_l"], ge=0)
    food_ration: float = Field(DEFAULT_NEEDS_PER_PERSON["food_ration"], ge=0)
    bedding: float = Field(DEFAULT_NEEDS_PER_PERSON["bedding"], ge=0)
    tent: float = Field(0.0, ge=0)
    warm_clothing: float = Field(0.0, ge=0)
    medical_kit: float = Field(0.0, ge=0)
    shelter_m2: float = Field(SHELTER_M2_PER_PERSON, gt=0, description="shelter area per person, m2 [TZ: 1.8]")

    def per_person(self) -> dict[str, float]:
        """Item → units per affected person, for items actually needed."""
        return {k: v for k, v in self.model_dump(exclude={"shelter_m2"}).items() if v > 0}


class ItemWeights(Strict):
    """Shipping weight of one unit of each item, kg."""

    water_l: float = Field(DEFAULT_UNIT_WEIGHT_KG["water_l"], gt=0)
    food_ration: float = Field(DEFAULT_UNIT_WEIGHT_KG["food_ration"], gt=0)
    bedding: float = Field(DEFAULT_UNIT_WEIGHT_KG["bedding"], gt=0)
    tent: float = Field(DEFAULT_UNIT_WEIGHT_KG["tent"], gt=0)
    warm_clothing: float = Field(DEFAULT_UNIT_WEIGHT_KG["warm_clothing"], gt=0)
    medical_kit: float = Field(DEFAULT_UNIT_WEIGHT_KG["medical_kit"], gt=0)


class Trucks(Strict):
    count: int = Field(..., ge=0, description="trucks based at the depot")
    payload_kg: float = Field(..., gt=0, description="payload of one truck, kg")


class AgreementReserve(Strict):
    """Stock held by suppliers under agreement: it arrives after a lead time [BJ14]."""

    stock: ItemAmounts
    lead_time: Duration = Field(..., description="time from the event until the stock is at the depot")


class ProductionReserve(Strict):
    """Production capacity for catastrophes: a rate after a start-up delay [BJ14]."""

    rate_per_h: ItemAmounts
    delay: Duration = Field(..., description="time from the event until production starts")
    until: Duration | None = Field(None, description="production stops at this time (default: run end)")


class Depot(Strict):
    """A reserve depot: physical stock on hand, agreement and production
    reserves, loading bays and a truck fleet."""

    id: str = Field(..., pattern=ID_PATTERN)
    name: str = ""
    tier: Literal["city", "district", "street", "community"]
    at: Location
    stock: ItemAmounts = Field(default_factory=ItemAmounts)
    agreement: AgreementReserve | None = None
    production: ProductionReserve | None = None
    trucks: Trucks
    loading_bays: int = Field(2, ge=1)
    load_time: Duration = Field(20.0, description="time to load one truck at a bay")
    unload_time: Duration = Field(15.0, description="time to unload one truck at a zone")
    backup_power: bool = False
    sat_phone: bool = False


class Shelter(Strict):
    """An emergency shelter; capacity = area_m2 / needs.shelter_m2."""

    id: str = Field(..., pattern=ID_PATTERN)
    name: str = ""
    at: Location
    area_m2: float = Field(..., gt=0)
    backup_power: bool = False
    sat_phone: bool = False


class Team(Strict):
    """A rescue or support team: ``count`` crews of ``size`` people."""

    id: str = Field(..., pattern=ID_PATTERN)
    name: str = ""
    kind: Literal["fire_rescue", "sar", "road_repair", "pumping", "lifeline_repair",
                  "volunteer", "medical", "army", "distribution"]
    base: Location
    count: int = Field(1, ge=1, description="crews (vehicles) in the team")
    size: int = Field(10, ge=1, description="people per crew")
    mobilize: Duration = Field(15.0, description="time from alert to departure")
    outside: bool = Field(False, description="comes from outside the district (blocked by no_outside_support)")
    township: str | None = Field(None, description="home township: rescue crews work its zones first (first on "
                                                   "scene [TZ, BJ25])")
    sat_phone: bool = False
