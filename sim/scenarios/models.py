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

from typing import Annotated, Any, Literal

from pydantic import Field, PrivateAttr, model_validator

from sim.scenarios.fields import count, items, number
from sim.scenarios.hazard_models import Area, Hazard, HazardNone, Impact, Outages
from sim.scenarios.interventions import AgentIds, Intervention, Interventions
from sim.scenarios.last_mile import LastMile
from sim.scenarios.mutual_aid import MutualAid
from sim.scenarios.resources import (
    DEPOT_TIERS,
    ID_PATTERN,
    HouseholdReserve,
    TEAM_KINDS,
    Depot,
    Description,
    ItemAmounts,
    ItemWeights,
    Location,
    Name,
    Needs,
    Shelter,
    Strict,
    Team,
    Trucks,
)
from sim.scenarios.units import distance, duration, parse_duration_min

__all__ = [
    "Strict", "Location", "ItemAmounts", "Needs", "Depot", "Trucks", "Shelter", "Team",
    "Targets", "TARGET_PRESETS", "Region", "NetworkSource", "ZonesSource", "Command",
    "Policy", "Scenario", "TEAM_KINDS", "DEPOT_TIERS", "Area", "ID_PATTERN", "ItemWeights", "Intervention",
    "MAX_DEPOTS", "MAX_SHELTERS", "MAX_TEAMS", "MAX_TARGET_LINES",
]

#: Depots in a scenario: each keeps a routing tree of the whole graph cached.
MAX_DEPOTS = 200
#: Shelters in a scenario.
MAX_SHELTERS = 5_000
#: Team entries in a scenario: each team's base keeps a routing tree cached.
MAX_TEAMS = 500
#: Times per target list.
MAX_TARGET_LINES = 10

TargetTime = duration("the target time, counted from when a zone is hit", above_zero=True,
                      why_at_least="a target is a time after the event")
TargetTimes = items(TargetTime, MAX_TARGET_LINES, what="times per target",
                    reason="each is a line in every report")
ReportTime = duration("a reporting delay", at_most="7d")
OrderDelay = duration("time from a decision to the depot acting on it", at_most="1d")
EscalationDelay = duration("time from a township or community reserve falling short until its request reaches the "
                           "district (assumption)", at_most="1d")
WarningDelay = duration("time until a warning reaches the public ([TZ]: within 10 min on average)", at_most="1d")
ReplanEvery = duration("re-plan at least this often while needs are open", at_least="1min", at_most="1d",
                       why_at_least="command plans at most once a minute")
SnapLimit = distance("farthest a lon/lat may lie from the road node it is snapped to", at_most="100km",
                     why_at_most="a place farther from every road is not on this map")
RunDuration = duration("how long the run simulates", at_least="1min",
                       why_at_least="a shorter run ends before anything a target or a report measures happens",
                       why_at_most="a run simulates every event of its duration; the targets judge the "
                                   "first hours and days")

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


#: An item of the catalogue (:data:`sim.scenarios.items.ITEMS`).
Item = Literal["water_l", "food_ration", "bedding", "tent", "warm_clothing", "medical_kit"]
FirstBatchMinKg = number(ge=0, le=1e5, unit="kg", reason="more than a first batch for any community",
                         description="a first batch holds at least this much of its items, kg (or all a "
                                     "community needs of them on its first day, if less)")


class FirstBatch(Strict):
    """What counts as a community's **first batch** of supplies for the first-supplies targets.

    A community has its first supplies (or its first district or city supplies) when the
    deliveries it has had from those tiers hold at least ``min_kg`` of ``items`` in all
    (the whole first day's need of them, if that is less): a token drop — a few litres of
    water for a village of thousands, a bundle of quilts while water and food are still to
    come — is a delivery, not the first batch the plans promise. Assumption: the plans give
    no quantity; the default is the basic-living pair the Sphere Handbook (2018) puts first,
    water and food, and the smallest load the dispatch rules send on a trip of its own
    (``policy.tours.min_drop_kg``, 100 kg).
    """

    items: Annotated[list[Item], Field(min_length=1, max_length=6)] = Field(
        default_factory=lambda: ["water_l", "food_ration"],
        description="the items a first batch is made of (default: water_l, food_ration)")
    min_kg: FirstBatchMinKg = 100.0

    @model_validator(mode="after")
    def _distinct(self):
        if len(set(self.items)) != len(self.items):
            raise ValueError(f"items: each item once, got {self.items}")
        return self


class Targets(Strict):
    """The planning targets a run is judged against (clocks start at the event).

    Either a ``preset`` (``tongzhou-2030``, ``beijing-2025``, ``beijing-2015``)
    or explicit lists. Reports always show the 3/4/6 h supply lines and the
    8/12 h relief lines; the targets decide which lines are pass/fail.
    """

    preset: Literal["tongzhou-2030", "beijing-2025", "beijing-2015"] | None = Field(
        None, description="the targets of a plan: tongzhou-2030 (3 h supplies, 8 h relief), beijing-2025 "
                          "(4 h district, 6 h city supplies), beijing-2015 (12 h relief)")
    district_supplies: TargetTimes = Field(
        default_factory=list,
        description="first district supplies on every affected site within these times (durations)")
    city_supplies: TargetTimes = Field(
        default_factory=list,
        description="first city supplies on every affected site within these times (durations)")
    basic_relief: TargetTimes = Field(
        default_factory=list,
        description="the basic living of everyone needing relief relieved within these times (durations)")
    site: Literal["community", "township"] = Field(
        "community", description="where the first-supplies target is judged: community (default) — the first "
                                 "batch (first_batch) from any tier of the district's reserve system (district or "
                                 "city depot, township or community reserve) at every affected community; township — "
                                 "the first "
                                 "district or city supplies in every affected township (moved into its township "
                                 "reserve or delivered to any of its communities)")
    first_batch: FirstBatch = Field(default_factory=FirstBatch,
                                    description="what a first batch of supplies holds (default: 100 kg of water "
                                                "and food, or a community's whole first-day need of them if less)")

    @model_validator(mode="before")
    @classmethod
    def _expand_preset(cls, data):
        if isinstance(data, dict) and data.get("preset") in TARGET_PRESETS:
            preset = TARGET_PRESETS[data["preset"]]
            # A dumped scenario repeats the preset's own values: those are no conflict.
            extra = {k for k in set(data) - {"preset", "site", "first_batch"}
                     if not _same_times(data[k], preset.get(k))}
            if extra:
                raise ValueError(f"a preset cannot be combined with {sorted(extra)}; "
                                 "write either 'preset' or explicit targets")
            return {"preset": data["preset"], **TARGET_PRESETS[data["preset"]],
                    **{k: data[k] for k in ("site", "first_batch") if k in data}}
        return data

    @model_validator(mode="after")
    def _not_empty(self):
        if not (self.district_supplies or self.city_supplies or self.basic_relief):
            raise ValueError("no targets given: use a preset or at least one of "
                             "district_supplies, city_supplies, basic_relief")
        return self


#: A file named in a scenario, relative to the scenario's folder.
FileName = Annotated[str, Field(min_length=1, max_length=4096)]


class CsvNetworkFiles(Strict):
    """A road network as two CSV tables."""

    nodes: FileName = Field(..., description="nodes.csv: id, lon, lat[, elevation_m]; a path relative to "
                                             "the scenario file")
    edges: FileName = Field(..., description="edges.csv: u, v, length_m[, speed_kmh, oneway, bridge, tunnel, "
                                             "class]; a path relative to the scenario file")


class NetworkSource(Strict):
    """Where the road graph comes from: exactly one of the keys."""

    builtin: Literal["district"] | None = Field(None, description="the built-in synthetic district")
    osm: FileName | None = Field(None, description="an .osm.pbf or .osm file (.pbf needs the 'osm' extra); "
                                                   "a path relative to the scenario file")
    graphml: FileName | None = Field(None, description="a GraphML file (networkx, OSMnx); a path relative "
                                                       "to the scenario file")
    csv: CsvNetworkFiles | None = Field(None, description="a node table and an edge table")
    dimacs: FileName | None = Field(None, description="a DIMACS .gr or .gr.xz file; a path relative to the "
                                                      "scenario file")
    seed: int | None = Field(None, ge=0, le=2**32 - 1, strict=True,
                             description="seed of the built-in world, 0 to 4,294,967,295 (default: its own)")

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

    builtin: Literal["district"] | None = Field(None, description="the zones of the built-in district")
    csv: FileName | None = Field(None, description="a zones CSV; a path relative to the scenario file")

    @model_validator(mode="after")
    def _exactly_one(self):
        if (self.builtin is None) == (self.csv is None):
            raise ValueError("give exactly one zones source: builtin or csv")
        return self


class Region(Strict):
    """Where the scenario happens: the road graph and the community zones."""

    network: NetworkSource = Field(..., description="where the road graph comes from")
    zones: ZonesSource = Field(..., description="where the community zones come from")
    snap_limit: SnapLimit = "1km"


class ReportDelay(Strict):
    """Triangular distribution of the time from the event until a zone's
    needs reach the command centre. [TZ]: important information within 1 h."""

    low: ReportTime = Field(..., description="shortest reporting delay (up to 7d)")
    mode: ReportTime = Field(..., description="most likely reporting delay (up to 7d)")
    high: ReportTime = Field(..., description="longest reporting delay (up to 7d)")

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


RunnerAfter = duration("how long a community whose report is lost waits before it sends a runner "
                       "(assumption: an hour of silence)", at_most="1d")
RunnerSpeedKmh = number(gt=0, le=60, unit="km/h", reason="faster than a motorbike over damaged streets",
                        description="a runner's speed over damaged streets, km/h (assumption: 5, on foot or "
                                    "by bicycle)")
RunnerDetour = number(ge=1.0, le=5.0, description="a runner's way as a multiple of the straight line, 1 to 5 "
                                                   "(assumption: 1.3, as the last mile's)")


class Runner(Strict):
    """A lost report carried by hand: the community sends a runner to the nearest depot whose
    communications work (outside every outage, or with a satellite phone), which passes it on."""

    after: RunnerAfter = "1h"
    speed_kmh: RunnerSpeedKmh = 5.0
    detour_factor: RunnerDetour = 1.3


class Command(Strict):
    """The command centre: how fast it learns of needs and issues orders."""

    report_delay: ReportDelay = Field(
        default_factory=lambda: ReportDelay(low="10min", mode="30min", high="1h"),
        description="time from a zone being hit until its needs reach command: one duration, or "
                    "{low, mode, high} of a triangular distribution (default 10min, 30min, 1h)")
    order_delay: OrderDelay = "5min"
    escalation_delay: EscalationDelay = "30min"
    warning_delay: WarningDelay = "10min"
    runner: Runner | None = Field(default_factory=Runner,
                                  description="a runner carries a lost report to the nearest depot whose "
                                              "communications work (null: a lost report waits for the network)")


Lookahead = duration("needs due within this time ahead are delivered now (tomorrow's rations the evening "
                     "before)", at_most="3d")
MaxStops = count(1, 20, what="stops on a tour", reason="a tour of more stops is a distribution round, not a "
                 "delivery", description="zones on one tour, at most")
MaxDetour = duration("time a further stop may add to a tour", above_zero=True, at_most="1d")
MaxTour = duration("longest tour, its estimated driving time", above_zero=True, at_most="3d")
DropKg = number(ge=0, le=1e6, unit="kg", reason="more than any truck carries",
                description="a smaller need only starts a tour when nothing larger waits, kg")
FirstBatchKg = number(gt=0, le=1e6, unit="kg", reason="more than any truck carries",
                      description="a zone's first batch, at most, kg")
FirstBatchShare = number(gt=0, le=1, description="a zone's first batch, at most, as a share of the vehicle's "
                                                  "payload (assumption: a truck reaches several sites first)")
DeadlineMargin = duration("a tour plans each stop's hand-over this long before its deadline (assumption: 0; "
                          "worth setting with policy.travel_time_cv above 0)", at_most="3h")
TravelTimeCv = number(ge=0, le=1, description="coefficient of variation of a drive's time around the roads' "
                                               "(lognormal, mean 1; assumption: 0, driving times exactly as the "
                                               "roads give them)")
KeepForFirstBatches = count(0, 1000, what="trucks kept for first batches",
                           reason="more trucks than any depot has",
                           description="a depot's last trucks wait for first batches while sites it answers for "
                                       "have not reported within their first-supplies window (assumption; 0: never)")


class Tours(Strict):
    """Limits of a truck's tour (:mod:`sim.dispatch.tours`): several zones on one
    load when their needs are small."""

    max_stops: MaxStops = 5
    max_detour: MaxDetour = "30min"
    max_tour: MaxTour = "8h"
    min_drop_kg: DropKg = 100.0
    first_batch_kg: FirstBatchKg = 2000.0
    first_batch_share: FirstBatchShare = 0.25
    keep_for_first_batches: KeepForFirstBatches = 1
    keep_stock_for_first_batches: bool = Field(
        True, description="a township or community reserve keeps back from relief the stock of the first batches of "
                          "sites it answers for that have not reported within their first-supplies window "
                          "(assumption; false: never)")
    deadline_margin: DeadlineMargin = "0min"


class Policy(Strict):
    """How command gives trucks their tours (:mod:`sim.dispatch.eligibility`)."""

    dispatch: Literal["nearest", "priority_nearest", "lp"] = Field(
        "priority_nearest", description="nearest, priority_nearest (first batches first) or lp (a "
                                        "transportation problem per item)")
    replan_every: ReplanEvery = "30min"
    lookahead: Lookahead = "12h"
    tours: Tours = Field(default_factory=Tours, description="limits of a truck's tour")
    travel_time_cv: TravelTimeCv = 0.0


Depots = items(Depot, MAX_DEPOTS, min_items=1, what="depots",
               reason="each depot keeps a routing tree of the whole road graph")
Shelters = items(Shelter, MAX_SHELTERS, what="shelters",
                 reason="every displaced person is matched to the nearest shelter with room")
Teams = items(Team, MAX_TEAMS, what="teams", reason="each team's base keeps a routing tree of the whole road graph")


class Scenario(Strict):
    """One disaster scenario, ready to run."""

    name: Name = Field(..., min_length=1, description="the scenario's name, shown in every report")
    description: Description = ""
    seed: int = Field(0, ge=0, le=2**63 - 1, strict=True,
                      description="seed of the run's random streams, 0 to 2**63 - 1")
    duration: RunDuration
    region: Region = Field(..., description="the road graph and the zones")
    targets: Targets = Field(default_factory=lambda: Targets(preset="tongzhou-2030"),
                             description="the planning targets a run is judged against (default: tongzhou-2030)")
    needs: Needs = Field(default_factory=Needs, description="who needs what for basic living, by condition")
    season: Literal["winter", "spring", "summer", "autumn"] = Field(
        "summer", description="the season: winter adds the needs of needs.winter (warm clothing, bedding)")
    household_reserve: HouseholdReserve = Field(default_factory=HouseholdReserve,
                                                description="households' own reserves of water and food")
    item_weights_kg: ItemWeights = Field(default_factory=ItemWeights,
                                         description="shipping weight of one unit per item, kg")
    depots: Depots = Field(..., description=f"reserve depots, 1 to {MAX_DEPOTS}")
    shelters: Shelters = Field(default_factory=list, description=f"emergency shelters, at most {MAX_SHELTERS:,}")
    teams: Teams = Field(default_factory=list, description=f"rescue and support teams, at most {MAX_TEAMS}")
    impact: Impact | None = Field(None, description="the effect on people, stated directly")
    hazard: Hazard = Field(default_factory=HazardNone, description="a hazard model: none, earthquake or rainfall")
    outages: Outages = Field(default_factory=Outages, description="roads, power, comms and water outages")
    command: Command = Field(default_factory=Command, description="reporting, order and warning delays")
    policy: Policy = Field(default_factory=Policy, description="how command assigns deliveries to depots")
    last_mile: LastMile = Field(default_factory=LastMile, description="porters, boats and helicopters for zones "
                                                                      "no truck can reach")
    mutual_aid: MutualAid = Field(default_factory=MutualAid, description="aid from neighbouring regions and "
                                                                          "their requests for the region's supplies")
    interventions: Interventions = Field(
        default_factory=list,
        description="overlays for a before/after comparison, applied by sim run and sim compare")
    applied_interventions: Interventions = Field(
        default_factory=list,
        description="overlays already applied (a record kept by sim; not re-applied)")
    sat_phone_zones: Literal["all"] | AgentIds = Field(
        default_factory=list, description="zone ids with a satellite phone, or 'all' (set by sat_phones)")

    #: Where the scenario was read from (file name and locator of every path),
    #: set by the loader so later stages can report located errors.
    _source: Any = PrivateAttr(default=None)
