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

from typing import Any, Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator

from sim.scenarios.hazard_models import Area, Hazard, HazardNone, Impact, Outages
from sim.scenarios.interventions import Intervention
from sim.scenarios.resources import (
    DEPOT_TIERS,
    ID_PATTERN,
    TEAM_KINDS,
    Depot,
    ItemAmounts,
    ItemWeights,
    Location,
    Needs,
    Shelter,
    Strict,
    Team,
    Trucks,
)
from sim.scenarios.units import Distance, Duration, parse_duration_min

__all__ = [
    "Strict", "Location", "ItemAmounts", "Needs", "Depot", "Trucks", "Shelter", "Team",
    "Targets", "TARGET_PRESETS", "Region", "NetworkSource", "ZonesSource", "Command",
    "Policy", "Scenario", "TEAM_KINDS", "DEPOT_TIERS", "Area", "ID_PATTERN", "ItemWeights", "Intervention",
]

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


class Tours(Strict):
    """Limits of a truck's tour (:mod:`sim.dispatch.tours`): several zones on one
    load when their needs are small."""

    max_stops: int = Field(5, ge=1, le=20, description="zones on one tour, at most")
    max_detour: Duration = Field(30.0, gt=0, description="minutes a further stop may add to the tour")
    max_tour: Duration = Field(480.0, gt=0, description="longest tour (estimated driving time)")
    min_drop_kg: float = Field(100.0, ge=0, description="a smaller need only starts a tour when nothing larger waits, kg")
    first_batch_kg: float = Field(2000.0, gt=0, description="a zone's first batch, at most, kg")


class Policy(Strict):
    """How command gives trucks their tours (:mod:`sim.dispatch.eligibility`)."""

    dispatch: Literal["nearest", "priority_nearest", "lp"] = "priority_nearest"
    replan_every: Duration = Field(30.0, description="idle trucks look again at least this often while need is "
                                                     "open; also the slack of the earliest-arrival rule")
    tours: Tours = Field(default_factory=Tours)


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
