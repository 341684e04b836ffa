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

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.scenarios.units import Distance, Duration

__all__ = ["Area", "Impact", "Hazard", "HazardNone", "Rainfall", "Earthquake", "Outages"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Circle(_Strict):
    center: tuple[float, float] = Field(..., description="[longitude, latitude]")
    radius: Distance


class Area(_Strict):
    """Where something applies: listed townships, a circle, or everywhere."""

    townships: list[str] | None = Field(None, min_length=1, description="township ids, e.g. T01")
    around: Circle | None = None
    everywhere: bool = False

    @model_validator(mode="after")
    def _exactly_one(self):
        given = sum([self.townships is not None, self.around is not None, self.everywhere])
        if given != 1:
            raise ValueError("give exactly one of 'townships', 'around' or 'everywhere: true'")
        return self


class Impact(_Strict):
    """The effect of a disaster on people, stated directly (no hazard model).

    Within ``area``, each zone is hit with probability ``zone_share``; in a hit
    zone ``affected_share`` of residents need basic-living relief, and
    ``displaced_share`` of those affected also need a shelter place. Shares are
    perturbed per zone by a seeded Beta draw with the given ``spread``. The
    zones are hit at ``start`` (their target clocks start then).
    """

    area: Area
    start: Duration = Field(0.0, ge=0, description="when the zones are hit, from the start of the run")
    zone_share: float = Field(1.0, gt=0, le=1)
    affected_share: float = Field(..., gt=0, le=1)
    displaced_share: float = Field(0.0, ge=0, le=1)
    spread: float = Field(0.2, ge=0, lt=1, description="relative spread of the per-zone shares")


class HazardNone(_Strict):
    type: Literal["none"] = "none"


class DepthSpeedCurve(_Strict):
    """Depth → vehicle speed; default Pregnolato et al. (2017) (:mod:`sim.hazards.depth_speed`).

    ``applies_as: speed_cap`` caps each road's free-flow speed at the curve's
    safe speed; ``relative`` scales every road by v(depth)/v(0). Speed factors
    are rounded to multiples of ``factor_step`` so that rising water makes a
    few road changes, not one per time step.
    """

    relation: Literal["pregnolato2017"] = "pregnolato2017"
    closed_depth_mm: float = Field(300.0, gt=0, description="depth at which a road is impassable")
    applies_as: Literal["speed_cap", "relative"] = Field(
        "speed_cap", description="speed_cap: min(free-flow, safe speed); relative: free-flow × v(depth)/v(0)")
    factor_step: float = Field(0.1, gt=0, le=1, description="speed factors are rounded to multiples of this")


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

    type: Literal["rainfall"]
    hyetograph_mm: list[Annotated[float, Field(ge=0)]] | None = Field(
        None, min_length=1, description="rain per interval, mm")
    design_storm: Literal["beijing-2012-07-21", "beijing-2023-07-31"] | None = None
    interval: Duration = 60.0
    start: Duration = 0.0
    drainage_mm_per_h: float = Field(36.0, ge=0, description="drainage capacity of the sewer network")
    warning_lead: Duration = Field(12 * 60.0, description="warning issued this long before the rain")
    prepositioning: bool = False
    depth_speed: DepthSpeedCurve = Field(default_factory=DepthSpeedCurve)
    rain_factor: float = Field(1.0, ge=0, description="multiplies the hyetograph, e.g. 1.5 for 1.5 × the 2012 storm")
    runoff_coefficient: float = Field(0.8, gt=0, le=1, description="share of the rain that runs off sealed ground")
    drainage_spread: float = Field(0.2, ge=0, le=2, description="coefficient of variation of the drainage "
                                                                "capacity between nodes (blocked inlets)")
    ponding_radius: Distance = Field(500.0, description="how far surface water runs to the lowest ground")
    storm_center: tuple[float, float] | None = Field(
        None, description="[longitude, latitude] of a storm cell where the rain is center_factor × the hyetograph")
    storm_radius: Distance = Field(10_000.0, description="standard deviation of the storm cell's Gaussian footprint")
    center_factor: float = Field(1.0, ge=0, description="rain factor at the storm centre")
    township_factor: dict[str, Annotated[float, Field(ge=0)]] = Field(
        default_factory=dict, description="township id -> factor on the rain there, e.g. {T03: 1.4}")
    pumping_sites: int = Field(20, ge=0, description="pumping work sites at the worst flooded points")

    @model_validator(mode="after")
    def _one_storm(self):
        if (self.hyetograph_mm is None) == (self.design_storm is None):
            raise ValueError("give exactly one of 'hyetograph_mm' or 'design_storm'")
        if self.storm_center is None and self.center_factor != 1.0:
            raise ValueError("'center_factor' is only read with 'storm_center'; give the storm centre as "
                             "[longitude, latitude]")
        if not self.storm_radius > 0:
            raise ValueError(f"storm_radius (={self.storm_radius} m) must be > 0")
        if not self.ponding_radius > 0:
            raise ValueError(f"ponding_radius (={self.ponding_radius} m) must be > 0")
        return self


class Attenuation(_Strict):
    """Elliptical intensity attenuation I = a + b·M − c·log(R + r0) per axis.

    ``wang2000-north-china``: Wang Suyun et al. (2000), eastern China (natural
    log); ``yu2013-east``: Yu Yanxiang et al. (2013), the eastern strong-earthquake
    region of the GB 18306-2015 zonation map (log10). ``custom`` takes
    ``long_axis`` and ``short_axis`` as (a, b, c, r0 km) with the logarithm
    ``log_base`` (coefficients in :mod:`sim.hazards.intensity`).
    """

    relation: Literal["wang2000-north-china", "yu2013-east", "custom"] = "wang2000-north-china"
    long_axis: tuple[float, float, float, float] | None = Field(None, description="a, b, c, r0 (km)")
    short_axis: tuple[float, float, float, float] | None = None
    log_base: Literal["e", "10"] = Field("e", description="logarithm of the custom relation: ln (e) or lg (10)")
    sigma: float = Field(0.0, ge=0, description="standard deviation of intensity at a site")

    @model_validator(mode="after")
    def _custom_needs_axes(self):
        given = (self.long_axis is not None, self.short_axis is not None)
        if self.relation == "custom" and not all(given):
            raise ValueError("relation 'custom' needs both 'long_axis' and 'short_axis' as [a, b, c, r0_km]")
        if self.relation != "custom" and any(given):
            raise ValueError(f"'long_axis'/'short_axis' are only read with relation 'custom', "
                             f"not {self.relation!r}; set 'relation: custom'")
        for name, axis in (("long_axis", self.long_axis), ("short_axis", self.short_axis)):
            if axis is not None and not (axis[2] > 0 and axis[3] > 0):
                raise ValueError(f"{name}: c (={axis[2]}) and r0 (={axis[3]}) must be > 0; "
                                 "write I = a + b*M - c*log(R + r0) with c > 0")
        return self


class Earthquake(_Strict):
    """An earthquake on a fault (model: :mod:`sim.hazards.earthquake`)."""

    type: Literal["earthquake"]
    magnitude: float = Field(..., ge=4.0, le=9.5)
    epicenter: tuple[float, float] = Field(..., description="[longitude, latitude]")
    depth_km: float = Field(15.0, gt=0, le=700)
    strike_deg: float = Field(0.0, ge=0, lt=360)
    time: Duration = 0.0
    attenuation: Attenuation = Field(default_factory=Attenuation)
    bridge_fragility_factor: float = Field(1.0, gt=0, description="scales bridge median capacity (retrofit > 1)")
    clock_hour: float = Field(2.0, ge=0, lt=24, description="local hour of the shock: sets how many are at home")
    self_rescue_share: float = Field(
        0.8, ge=0, le=1, description="share of the trapped freed by neighbours (self and mutual rescue; Tangshan "
        "1976: about 80 % of those buried)")
    self_rescue_time: Duration = Field(
        360.0, gt=0, description="time constant of self and mutual rescue: 63 % of what neighbours free is "
        "freed by then, 98 % within four of them (assumption after de Bruycker et al. 1983: 94 % of live "
        "extrications within 24 h)")
    rescue_crew_time: Duration = Field(
        120.0, gt=0, description="crew time to extricate one trapped person (assumption: light rescue from a "
        "collapsed low-rise house)")
    max_crews_per_site: int = Field(4, ge=1, le=100, description="crews that can work one zone's collapse "
                                                                 "sites at once (assumption)")
    fortified_share: float = Field(0.6, ge=0, le=1, description="share of buildings designed to the seismic code")
    segment_fragility_factor: dict[int, float] = Field(
        default_factory=dict, description="road-segment id -> further factor on that bridge's median capacity "
                                          "(set by a retrofit of listed bridges)")


Hazard = Annotated[Union[HazardNone, Rainfall, Earthquake], Field(discriminator="type")]


class Window(_Strict):
    """A time window [start, end) of an outage, over an area."""

    start: Duration = 0.0
    end: Duration
    area: Area = Field(default_factory=lambda: Area(everywhere=True))

    @model_validator(mode="after")
    def _ordered(self):
        if self.end <= self.start:
            raise ValueError("'end' must come after 'start'")
        return self


class RoadOutage(Window):
    closed_share: float = Field(1.0, gt=0, le=1, description="share of road segments in the area closed")


class PowerOutage(Window):
    slowdown: float = Field(2.0, ge=1, description="loading and shelter work take this many times longer")


class CommsOutage(Window):
    delay_factor: float = Field(3.0, ge=1, description="reports and orders take this many times longer")
    loss_share: float = Field(0.0, ge=0, le=1, description="share of reports lost (re-sent after restoration)")


class WaterOutage(Window):
    extra_water_l: float = Field(2.0, ge=0, description="extra drinking water per affected person, litres")


class Outages(_Strict):
    """The "three outages" (roads, power, comms) and the fourth (water)."""

    roads: list[RoadOutage] = Field(default_factory=list)
    power: list[PowerOutage] = Field(default_factory=list)
    comms: list[CommsOutage] = Field(default_factory=list)
    water: list[WaterOutage] = Field(default_factory=list)
    no_outside_support: Window | None = None
