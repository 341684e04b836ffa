"""The scenario format: pydantic models of every section of a scenario file.

A scenario is one disaster as a planner would describe it to a drill team:
where (``region``), what happened (``impact``, ``hazard``, ``outages``), what
the plan has to work with (``depots``, ``shelters``, ``teams``), what it
promised (``targets``) and how the command centre decides (``command``,
``policy``). The models validate at the door: every field has a type, a unit
where one matters and a range; unknown keys are refused. Reading YAML and
turning validation errors into ``FILE:LINE:COL: PATH: message`` lines is the
loader's job (:mod:`sim.scenarios.loader`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from .hazard_models import Area, Hazard, HazardNone, Impact, Outages
from .items import DEFAULT_NEEDS_PER_PERSON, DEFAULT_UNIT_WEIGHT_KG, SHELTER_M2_PER_PERSON
from .units import Distance, Duration, parse_duration_min

__all__ = [
    "Strict", "Location", "ItemAmounts", "Needs", "Depot", "Trucks", "Shelter", "Team",
    "Targets", "TARGET_PRESETS", "Region", "NetworkSource", "ZonesSource", "Command",
    "Policy", "Scenario", "TEAM_KINDS", "DEPOT_TIERS", "Area",
]

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
    sat_phone: bool = False


TARGET_PRESETS: dict[str, dict] = {
    # [TZ] Tongzhou 2026-2030: district supplies on site in 3 h, basic living in 8 h.
    "tongzhou-2030": {"district_supplies": ["3h"], "city_supplies": [], "basic_relief": ["8h"]},
    # [BJ14] Beijing 14th FYP: district supplies in 4 h, city supplies in 6 h.
    "beijing-2025": {"district_supplies": ["4h"], "city_supplies": ["6h"], "basic_relief": []},
    # [BJ12] Beijing 12th FYP: basic living relieved within 12 h of the event.
    "beijing-2015": {"district_supplies": [], "city_supplies": [], "basic_relief": ["12h"]},
}


def _same_times(given, preset) -> bool:
    """Whether ``given`` lists the same durations as ``preset`` (``["180min"]`` == ``["3h"]``)."""
    try:
        return preset is not None and [parse_duration_min(v) for v in given] == \
            [parse_duration_min(v) for v in preset]
    except (TypeError, ValueError):
        return False


class Targets(Strict):
    """The planning targets a run is judged against (clocks start at the event).

    Either a ``preset`` (``tongzhou-2030``, ``beijing-2025``, ``beijing-2015``)
    or explicit lists. Reports always show the 3/4/6 h supply lines and the
    8/12 h relief lines; the targets decide which lines are pass/fail.
    """

    preset: Literal["tongzhou-2030", "beijing-2025", "beijing-2015"] | None = None
    district_supplies: list[Duration] = Field(default_factory=list,
                                              description="first district supplies on site within")
    city_supplies: list[Duration] = Field(default_factory=list,
                                          description="first city supplies on site within")
    basic_relief: list[Duration] = Field(default_factory=list,
                                         description="affected people's basic living relieved within")

    @model_validator(mode="before")
    @classmethod
    def _expand_preset(cls, data):
        if isinstance(data, dict) and data.get("preset") in TARGET_PRESETS:
            preset = TARGET_PRESETS[data["preset"]]
            # A dumped scenario repeats the preset's own values: those are no conflict.
            extra = {k for k in set(data) - {"preset"} if not _same_times(data[k], preset.get(k))}
            if extra:
                raise ValueError(f"a preset cannot be combined with {sorted(extra)}; "
                                 "write either 'preset' or explicit targets")
            return {"preset": data["preset"], **TARGET_PRESETS[data["preset"]]}
        return data

    @model_validator(mode="after")
    def _not_empty(self):
        if not (self.district_supplies or self.city_supplies or self.basic_relief):
            raise ValueError("no targets given: use a preset or at least one of "
                             "district_supplies, city_supplies, basic_relief")
        return self


class CsvNetworkFiles(Strict):
    nodes: str = Field(..., description="nodes.csv: id, lon, lat[, elevation_m]")
    edges: str = Field(..., description="edges.csv: u, v, length_m, speed_kmh, oneway, bridge, class")


class NetworkSource(Strict):
    """Where the road graph comes from: exactly one of the keys."""

    builtin: Literal["district"] | None = None
    osm: str | None = Field(None, description="an .osm.pbf or .osm file (needs the 'osm' extra)")
    graphml: str | None = None
    csv: CsvNetworkFiles | None = None
    dimacs: str | None = Field(None, description="a DIMACS .gr or .gr.xz file")
    seed: int | None = Field(None, ge=0, description="seed of the built-in world (default: its own)")

    @model_validator(mode="after")
    def _exactly_one(self):
        given = [k for k in ("builtin", "osm", "graphml", "csv", "dimacs") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one network source: builtin, osm, graphml, csv or dimacs")
        if self.seed is not None and self.builtin is None:
            raise ValueError("'seed' applies only to the built-in network")
        return self


class ZonesSource(Strict):
    """Community zones: the built-in ones, or a CSV of
    ``id, node|lon,lat, population, vulnerable_share[, township]``."""

    builtin: Literal["district"] | None = None
    csv: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self):
        if (self.builtin is None) == (self.csv is None):
            raise ValueError("give exactly one zones source: builtin or csv")
        return self


class Region(Strict):
    network: NetworkSource
    zones: ZonesSource
    snap_limit: Distance = Field(1000.0, description="farthest a lon/lat may be from its node")


class ReportDelay(Strict):
    """Triangular distribution of the time from the event until a zone's
    needs reach the command centre. [TZ]: important information within 1 h."""

    low: Duration
    mode: Duration
    high: Duration

    @model_validator(mode="before")
    @classmethod
    def _fixed(cls, data):
        if isinstance(data, str):
            return {"low": data, "mode": data, "high": data}
        return data

    @model_validator(mode="after")
    def _ordered(self):
        if not self.low <= self.mode <= self.high:
            raise ValueError("report delay must satisfy low <= mode <= high")
        return self


class Command(Strict):
    """The command centre: how fast it learns of needs and issues orders."""

    report_delay: ReportDelay = Field(default_factory=lambda: ReportDelay(low="10min", mode="30min", high="1h"))
    order_delay: Duration = Field(5.0, description="from a decision to the depot acting on it")
    warning_delay: Duration = Field(10.0, description="[TZ] warnings published within 10 min on average")


class Policy(Strict):
    """How command assigns deliveries to depots."""

    dispatch: Literal["nearest", "priority_nearest", "lp"] = "priority_nearest"
    replan_every: Duration = Field(30.0, description="re-plan at least this often while needs are open")


class Scenario(Strict):
    """One disaster scenario, ready to run."""

    name: str = Field(..., min_length=1)
    description: str = ""
    seed: int = Field(0, ge=0, le=2**63 - 1)
    duration: Duration
    region: Region
    targets: Targets = Field(default_factory=lambda: Targets(preset="tongzhou-2030"))
    needs: Needs = Field(default_factory=Needs)
    item_weights_kg: ItemWeights = Field(default_factory=ItemWeights)
    depots: list[Depot] = Field(..., min_length=1)
    shelters: list[Shelter] = Field(default_factory=list)
    teams: list[Team] = Field(default_factory=list)
    impact: Impact | None = None
    hazard: Hazard = Field(default_factory=HazardNone)
    outages: Outages = Field(default_factory=Outages)
    command: Command = Field(default_factory=Command)
    policy: Policy = Field(default_factory=Policy)
    interventions: list[Intervention] = Field(
        default_factory=list, description="overlays for a before/after comparison (sim.scenarios.interventions)")
    applied_interventions: list[Intervention] = Field(
        default_factory=list, description="overlays already applied by apply_interventions (a record; not re-applied)")
    sat_phone_zones: Literal["all"] | list[str] = Field(
        default_factory=list, description="zone ids with a satellite phone, or 'all' (set by sat_phones)")

    #: Where the scenario was read from (file name and locator of every path),
    #: set by the loader so later stages can report located errors.
    _source: Any = PrivateAttr(default=None)

    @field_validator("duration")
    @classmethod
    def _positive(cls, v: float) -> float:
        if v <= 0:
            raise ValueError("duration must be longer than zero")
        return v


if TYPE_CHECKING:
    from .interventions import Intervention
# The interventions build on Depot, Team and Shelter above; importing them
# completes Scenario (sim.scenarios.interventions calls Scenario.model_rebuild).
from . import interventions as _interventions  # noqa: E402,F401
