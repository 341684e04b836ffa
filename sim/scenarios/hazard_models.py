"""Scenario sections that describe what happened: impact, hazard, outages.

``impact`` states the effect on people directly (affected townships or a
radius, affected and displaced shares) — the planners' reference case of a
major disaster under basically normal traffic. ``hazard`` names a physical
hazard whose model derives roads, displacement and trapped people from first
principles (:mod:`sim.hazards`). ``outages`` are the "three/four outages"
windows: roads, power, communications, water, and no outside support.
"""
from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, model_validator

from sim.scenarios.fields import LonLat, Number, Share, count, items, number, text
from sim.scenarios.hazard_response import CommsDamage, Forecast, IntensityReport, OutageFactor, RoadClearing
from sim.scenarios.resources import Strict
from sim.scenarios.units import distance, duration, parse_duration_min

__all__ = ["Area", "Impact", "Hazard", "HazardNone", "Rainfall", "Earthquake", "CommsDamage", "IntensityReport",
           "Outages", "MAX_HYETOGRAPH_STEPS", "MAX_RAIN_TIME", "MAX_PONDING_RADIUS", "MAX_WINDOWS", "MAX_TOWNSHIPS",
           "MAX_FRAGILITY_FACTOR"]

_Strict = Strict

#: Townships named in one area (or in township_factor).
MAX_TOWNSHIPS = 1_000
#: Windows per outage kind.
MAX_WINDOWS = 100
#: Values of a hyetograph.
MAX_HYETOGRAPH_STEPS = 2_016
#: Longest rain (interval × values): the ponding model keeps a depth per node
#: for every 10-minute step of the rain, 1,008 steps for 7 days.
MAX_RAIN_TIME = "7d"
#: Largest ponding radius: every node keeps the nodes within it, so the
#: radius sets the model's memory (the built-in district: ~250 per node at 2 km).
MAX_PONDING_RADIUS = "2km"
#: Bridges a retrofit lists, and segment factors an earthquake keeps.
MAX_SEGMENTS = 100_000

TownshipId = text(64, min_length=1, description="a township id of the zones, e.g. T01")
Factor = number(ge=0, le=10, unit="times", reason="a factor scales a hazard's own figure",
                description="a factor, 0 to 10")
Radius = distance("the circle's radius", above_zero=True, at_most="1000km",
                  why_at_most="a circle wider than that holds every region")


Townships = items(TownshipId, MAX_TOWNSHIPS, min_items=1, what="townships",
                  reason="an area is a few townships or a circle")


class Circle(_Strict):
    """A circle on the map."""

    center: LonLat = Field(..., description="[longitude, latitude] of the centre, degrees")
    radius: Radius


class Area(_Strict):
    """Where something applies: listed townships, a circle, or everywhere."""

    townships: Townships | None = Field(
        None,
        description=f"township ids of the zones, e.g. [T01, T02] (1 to {MAX_TOWNSHIPS:,})")
    around: Circle | None = Field(None, description="a circle: {center: [lon, lat], radius: 5km}")
    everywhere: bool = Field(False, description="true: the whole region")

    @model_validator(mode="after")
    def _exactly_one(self):
        given = sum([self.townships is not None, self.around is not None, self.everywhere])
        if given != 1:
            raise ValueError("give exactly one of 'townships', 'around' or 'everywhere: true'")
        return self


ImpactStart = duration("when the zones are hit, from the start of the run (their target clocks start then)")


#: How long homes stay without mains water and power, from the zone's hit.
LifelinesRestored = duration("time until water and power are back where the disaster cut them (assumption: 3 "
                             "days)", above_zero=True)


class Impact(_Strict):
    """The effect of a disaster on people, stated directly (no hazard model).

    Within ``area``, each zone is hit with probability ``zone_share``; in a hit
    zone ``affected_share`` of residents need basic-living relief, and
    ``displaced_share`` of those affected also need a shelter place. Shares are
    perturbed per zone by a seeded Beta draw with the given ``spread``. The
    zones are hit at ``start`` (their target clocks start then).
    """

    area: Area = Field(..., description="where the disaster hits")
    start: ImpactStart = "0s"
    zone_share: Number = Field(1.0, gt=0, le=1, description="share of the zones in the area that are hit, "
                                                            "more than 0 to 1")
    affected_share: Number = Field(..., gt=0, le=1, description="share of a hit zone's residents who need "
                                                                "relief, more than 0 to 1")
    displaced_share: Number = Field(0.0, ge=0, le=1, description="share of the affected who need a shelter "
                                                                 "place, 0 to 1")
    spread: Number = Field(0.2, ge=0, lt=1, description="coefficient of variation of the per-zone shares "
                                                        "(a Beta draw), 0 to less than 1")
    lifelines_restored_after: LifelinesRestored = "3d"


class HazardNone(_Strict):
    """No hazard model: the impact section alone says who is hit."""

    type: Literal["none"] = Field("none", description="no hazard model")


class DepthSpeedCurve(_Strict):
    """Depth → vehicle speed; default Pregnolato et al. (2017) (:mod:`sim.hazards.depth_speed`).

    ``applies_as: speed_cap`` caps each road's free-flow speed at the curve's
    safe speed; ``relative`` scales every road by v(depth)/v(0). Speed factors
    are rounded to multiples of ``factor_step`` so that rising water makes a
    few road changes, not one per time step.
    """

    relation: Literal["pregnolato2017"] = Field("pregnolato2017", description="the depth-speed relation")
    closed_depth_mm: Number = Field(300.0, gt=0, le=2000, description="water depth at which a road is "
                                                                      "impassable, mm, more than 0 to 2,000")
    applies_as: Literal["speed_cap", "relative"] = Field(
        "speed_cap", description="speed_cap: min(free-flow, safe speed); relative: free-flow × v(depth)/v(0)")
    factor_step: Number = Field(0.1, ge=0.01, le=1, description="speed factors are rounded to multiples of "
                                                                "this, 0.01 to 1")


RainDepth = Annotated[Number, Field(ge=0, le=2000)]
Hyetograph = items(RainDepth, MAX_HYETOGRAPH_STEPS, min_items=1, what="hyetograph values",
                   reason=f"the rain may last at most {MAX_RAIN_TIME}")
RainInterval = duration("time each hyetograph value covers", at_least="1min", at_most="1d",
                        why_at_least="a value is the rain of at least a minute",
                        why_at_most="a value is the rain of at most a day")
StormStart = duration("when the rain starts, from the start of the run")
WarningLead = duration("the warning is issued this long before the rain", at_most="7d")
PondingRadius = distance("how far surface water runs to the lowest ground", at_least="10m",
                         at_most=MAX_PONDING_RADIUS,
                         why_at_most="every node keeps the nodes within the radius, so memory grows with its "
                                     "square")
PumpingSites = count(0, 1_000, what="pumping sites", reason="each site is a work task for pumping crews",
                     description="pumping work sites at the worst flooded points, 0 to 1,000")
StormRadius = distance("standard deviation of the storm cell's Gaussian footprint", at_least="100m",
                       at_most="1000km")


class Rainfall(_Strict):
    """Extreme rainfall with urban waterlogging (model: :mod:`sim.hazards.rainfall`).

    The rain is ``hyetograph_mm`` (mm per ``interval`` from ``start``) or a
    named ``design_storm`` (:mod:`sim.hazards.design_storms`), times
    ``rain_factor``, times a spatial factor: a Gaussian storm cell
    (``storm_center``, ``storm_radius``, ``center_factor``) and/or a factor per
    township. Rain beyond ``drainage_mm_per_h`` ponds in low ground within
    ``ponding_radius`` (:mod:`sim.hazards.ponding`); the depth slows and
    closes roads (``depth_speed``).
    """

    type: Literal["rainfall"] = Field(..., description="extreme rainfall with urban waterlogging")
    hyetograph_mm: Hyetograph | None = Field(
        None,
        description=f"rain per interval, mm (1 to {MAX_HYETOGRAPH_STEPS:,} values, each 0 to 2,000 mm)")
    design_storm: Literal["beijing-2012-07-21", "beijing-2023-07-31"] | None = Field(
        None, description="a recorded Beijing storm instead of hyetograph_mm")
    interval: RainInterval = "1h"
    start: StormStart = "0s"
    drainage_mm_per_h: Number = Field(36.0, ge=0, le=500, description="drainage capacity of the sewer network, "
                                                                      "mm of rain per hour, 0 to 500")
    warning_lead: WarningLead = "12h"
    prepositioning: bool = Field(False, description="on the warning, first batches go to the forecast zones "
                                                    "and pumps to the worst points")
    forecast: Forecast = Field(default_factory=Forecast, description="how well the warning foresees which zones "
                                                                     "flood: hit and false-alarm rates")
    depth_speed: DepthSpeedCurve = Field(default_factory=DepthSpeedCurve,
                                         description="how water depth slows and closes roads")
    rain_factor: Factor = Field(1.0, description="multiplies the hyetograph, e.g. 1.5 for 1.5 × the 2012 "
                                                 "storm; 0 to 10")
    runoff_coefficient: Number = Field(0.8, gt=0, le=1, description="share of the rain that runs off sealed "
                                                                    "ground, more than 0 to 1")
    drainage_spread: Number = Field(0.2, ge=0, le=2, description="coefficient of variation of the drainage "
                                                                 "capacity between nodes (blocked inlets), 0 to 2")
    ponding_radius: PondingRadius = "500m"
    storm_center: LonLat | None = Field(
        None, description="[longitude, latitude] of a storm cell where the rain is center_factor × the hyetograph")
    storm_radius: StormRadius = "10km"
    center_factor: Factor = Field(1.0, description="rain factor at the storm centre, 0 to 10")
    township_factor: dict[TownshipId, Factor] = Field(
        default_factory=dict, max_length=MAX_TOWNSHIPS,
        description="township id -> factor on the rain there (0 to 10), e.g. {T03: 1.4}")
    pumping_sites: PumpingSites = 20
    lifelines_restored_after: LifelinesRestored = "3d"

    @model_validator(mode="after")
    def _one_storm(self):
        if (self.hyetograph_mm is None) == (self.design_storm is None):
            raise ValueError("give exactly one of 'hyetograph_mm' or 'design_storm'")
        if self.storm_center is None and self.center_factor != 1.0:
            raise ValueError("'center_factor' is only read with 'storm_center'; give the storm centre as "
                             "[longitude, latitude]")
        if self.hyetograph_mm is not None:
            rain_min = self.interval * len(self.hyetograph_mm)
            if rain_min > parse_duration_min(MAX_RAIN_TIME):
                raise ValueError(f"the rain lasts {rain_min / 1440:g} days ({len(self.hyetograph_mm):,} values "
                                 f"× interval); at most {MAX_RAIN_TIME}: the ponding model keeps a depth per "
                                 "node for every 10-minute step of the rain")
        return self


Coefficients = tuple[Annotated[Number, Field(ge=-100, le=100, description="a")],
                     Annotated[Number, Field(ge=-10, le=10, description="b, per magnitude unit")],
                     Annotated[Number, Field(ge=-100, le=100, description="c, per log unit of distance")],
                     Annotated[Number, Field(ge=-1000, le=1000, description="r0, km")]]


class Attenuation(_Strict):
    """Elliptical intensity attenuation I = a + b·M − c·log(R + r0) per axis.

    ``wang2000-north-china``: Wang Suyun et al. (2000), eastern China (natural
    log); ``yu2013-east``: Yu Yanxiang et al. (2013), the eastern strong-earthquake
    region of the GB 18306-2015 zonation map (log10). ``custom`` takes
    ``long_axis`` and ``short_axis`` as (a, b, c, r0 km) with the logarithm
    ``log_base`` (coefficients in :mod:`sim.hazards.intensity`).
    """

    relation: Literal["wang2000-north-china", "yu2013-east", "custom"] = Field(
        "wang2000-north-china", description="wang2000-north-china, yu2013-east or custom")
    long_axis: Coefficients | None = Field(None, description="[a, b, c, r0 in km] of the long axis (custom)")
    short_axis: Coefficients | None = Field(None, description="[a, b, c, r0 in km] of the short axis (custom)")
    log_base: Literal["e", "10"] = Field("e", description="logarithm of the custom relation: ln (e) or lg (10)")
    sigma: Number = Field(0.0, ge=0, le=3, description="standard deviation of intensity at a site, degrees "
                                                       "of intensity, 0 to 3")

    @model_validator(mode="after")
    def _custom_needs_axes(self):
        given = (self.long_axis is not None, self.short_axis is not None)
        if self.relation == "custom" and not all(given):
            raise ValueError("relation 'custom' needs both 'long_axis' and 'short_axis' as [a, b, c, r0_km]")
        if self.relation != "custom" and any(given):
            raise ValueError(f"'long_axis'/'short_axis' are only read with relation 'custom', "
                             f"not {self.relation!r}; set 'relation: custom'")
        for name, axis in (("long_axis", self.long_axis), ("short_axis", self.short_axis)):
            if axis is not None and not (axis[2] > 0 and 0 < axis[3] <= 1000):
                raise ValueError(f"{name}: c (={axis[2]:g}) must be > 0 and r0 (={axis[3]:g}) in (0, 1000] km; "
                                 "write I = a + b*M - c*log(R + r0) with c > 0")
        return self


QuakeTime = duration("when the shock happens, from the start of the run")
SelfRescueTime = duration("time constant of self and mutual rescue: 63 % of what neighbours free is freed by "
                          "then, 98 % within four of them (assumption after de Bruycker et al. 1983: 94 % of live "
                          "extrications within 24 h)", at_least="1min", at_most="3d")
RescueCrewTime = duration("crew time to extricate one trapped person (assumption: light rescue from a collapsed "
                          "low-rise house)", at_least="1min", at_most="2d")
CrewsPerSite = count(1, 100, what="crews at one zone's collapse sites", reason="a work front holds only so many",
                     description="crews that can work one zone's collapse sites at once (assumption)")
OutdoorNights = count(0, 30, what="nights", reason="fear of aftershocks keeps people out for days, not months",
                      description="nights the outdoor sleepers stay out")


class UninhabitableWeights(_Strict):
    """Share of dwellings each damage grade leaves uninhabitable: Hazus-MH (FEMA, Earthquake
    Technical Manual, ch. 14, displaced households) for multi-family housing, the housing of
    Beijing's districts: moderate 0, extensive 0.9, complete 1."""

    moderate: Share = Field(0.0, description="share of moderately damaged dwellings, 0 to 1")
    extensive: Share = Field(0.9, description="share of extensively damaged dwellings, 0 to 1")
    complete: Share = Field(1.0, description="share of completely damaged dwellings, 0 to 1")
#: Largest factor on a bridge's median capacity (retrofits multiply into it).
MAX_FRAGILITY_FACTOR = 1_000
FragilityFactor = number(ge=0.001, le=MAX_FRAGILITY_FACTOR, unit="times",
                         reason="a factor of 1,000 already makes a bridge immune",
                         description=f"a factor on bridges' median capacity, 0.001 to {MAX_FRAGILITY_FACTOR:,}")
SegmentId = Annotated[int, Field(ge=0, le=2**63 - 1)]


class Earthquake(_Strict):
    """An earthquake on a fault (model: :mod:`sim.hazards.earthquake`)."""

    type: Literal["earthquake"] = Field(..., description="an earthquake on a fault")
    magnitude: Number = Field(..., ge=4.0, le=9.5, description="surface-wave magnitude Ms (as the attenuation "
                                                               "relations are fitted and Chinese catalogues give it), "
                                                               "4.0 to 9.5")
    epicenter: LonLat = Field(..., description="[longitude, latitude] of the epicentre, degrees")
    depth_km: Number = Field(15.0, gt=0, le=700, description="focal depth, km, more than 0 to 700")
    strike_deg: Number = Field(0.0, ge=0, lt=360, description="strike of the fault: the long axis of the "
                                                              "isoseismal ellipse, degrees from north, 0 to <360")
    time: QuakeTime = "0s"
    attenuation: Attenuation = Field(default_factory=Attenuation, description="intensity attenuation relation")
    bridge_fragility_factor: FragilityFactor = Field(
        1.0, description="scales bridges' median capacity (> 1: retrofitted), 0.001 to 1,000")
    clock_hour: Number = Field(2.0, ge=0, lt=24, description="local hour of the shock, 0 to <24: sets how "
                                                             "many people are at home")
    self_rescue_share: Number = Field(
        0.8, ge=0, le=1, description="share of the trapped freed by neighbours (self and mutual rescue), 0 to 1 "
        "(Tangshan 1976: about 80 % of those buried)")
    self_rescue_time: SelfRescueTime = "6h"
    rescue_crew_time: RescueCrewTime = "2h"
    max_crews_per_site: CrewsPerSite = 4
    uninhabitable: UninhabitableWeights = Field(default_factory=lambda: UninhabitableWeights(),
                                                description="share of dwellings left uninhabitable, by damage grade")
    lifelines_lost_from: Number = Field(8.0, ge=5, le=12, description="zone intensity from which homes lose water "
                                                                      "and power, 5 to 12 (assumption)")
    lifelines_restored_after: LifelinesRestored = "3d"
    outdoor_share: Number = Field(0.3, ge=0, le=1, description="share of residents of habitable, damaged homes who "
                                                               "sleep outdoors for fear of aftershocks, 0 to 1 "
                                                               "(assumption)")
    outdoor_from: Number = Field(7.0, ge=5, le=12, description="zone intensity from which residents sleep "
                                                               "outdoors, 5 to 12")
    outdoor_nights: OutdoorNights = 3
    fortified_share: Number = Field(0.6, ge=0, le=1, description="share of buildings designed to the seismic "
                                                                 "code, 0 to 1")
    road_clearing: RoadClearing = Field(default_factory=RoadClearing,
                                        description="debris on blocked streets, crews' clearing rates, corridors")
    segment_fragility_factor: dict[SegmentId, FragilityFactor] = Field(
        default_factory=dict, max_length=MAX_SEGMENTS,
        description="road-segment id -> further factor (0.001 to 1,000) on that bridge's median capacity "
                    "(set by a retrofit of listed bridges)")
    comms_damage: CommsDamage | None = Field(
        None, description="communications the shaking takes down, by zone intensity (default: none; "
                          "'comms_damage: {}' for the defaults)")
    intensity_report: IntensityReport | None = Field(
        None, description="the command sends first batches to the zones the rapid intensity estimate puts at "
                          "from_intensity or more, before they report (default: none, it waits for reports; "
                          "'intensity_report: {}' for the defaults)")


Hazard = Annotated[Union[HazardNone, Rainfall, Earthquake], Field(discriminator="type")]


WindowTime = duration("a time from the event")


class Window(_Strict):
    """A time window [start, end) of an outage, over an area."""

    start: WindowTime = Field("0s", description="when the window opens, from the event (up to 30d)")
    end: WindowTime = Field(..., description="when the window closes, from the event (up to 30d)")
    area: Area = Field(default_factory=lambda: Area(everywhere=True),
                       description="where the outage applies (default: everywhere)")

    @model_validator(mode="after")
    def _ordered(self):
        if self.end <= self.start:
            raise ValueError("'end' must come after 'start'")
        return self


class RoadOutage(Window):
    """Roads cut: a seeded share of the segments touching the area closes."""

    closed_share: Number = Field(1.0, gt=0, le=1, description="share of road segments in the area closed, "
                                                              "more than 0 to 1")


class PowerOutage(Window):
    """Power cut: depots and shelters without backup work slower."""

    slowdown: OutageFactor = Field(2.0, description="loading and shelter work take this many times longer, "
                                                    "1 to 100")


class CommsOutage(Window):
    """Communications cut: reports and orders slower, some reports lost."""

    delay_factor: OutageFactor = Field(3.0, description="reports and orders take this many times longer, 1 to 100")
    loss_share: Number = Field(0.0, ge=0, le=1, description="share of reports lost (re-sent after "
                                                            "restoration), 0 to 1")


class WaterOutage(Window):
    """Water cut: affected people need more drinking water."""

    extra_water_l: Number = Field(2.0, ge=0, le=100, description="extra drinking water per affected person "
                                                                 "per day, litres, 0 to 100")


def windows(kind):
    """A list of at most :data:`MAX_WINDOWS` outage windows."""
    return items(kind, MAX_WINDOWS, what="windows", reason="each window is a process changing the world")


class Outages(_Strict):
    """The "three outages" (roads, power, comms) and the fourth (water)."""

    roads: windows(RoadOutage) = Field(default_factory=list, description="road outage windows")
    power: windows(PowerOutage) = Field(default_factory=list, description="power outage windows")
    comms: windows(CommsOutage) = Field(default_factory=list, description="communications outage windows")
    water: windows(WaterOutage) = Field(default_factory=list, description="water outage windows")
    no_outside_support: Window | None = Field(None, description="a window in which city depots and outside "
                                                                "teams cannot help")
