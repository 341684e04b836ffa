"""Scenario sections for a hazard's damage and the response to it.

Clearing the roads, downed telephone networks, acting on a forecast or on an
intensity estimate.

``road_clearing`` (in an earthquake section) says how much debris a blocked
street holds, how fast a road crew and an army engineer unit move it, which
army teams are engineers, and the level-1 rescue corridors cleared first
(:mod:`sim.world.corridors`, :mod:`sim.engine.road_clearing`).

``comms_damage`` (in an earthquake section) says which telephone networks
the shaking takes down and for how long; ``intensity_report`` lets the
command act on the rapid intensity estimate before communities report.

``forecast`` (in a rainfall section) is the skill of the rainstorm warning
that pre-positioning acts on: the chance that a zone which will flood is
flagged (hit rate) and that a zone which will not flood is flagged anyway
(false-alarm rate, the probability of false detection).

The defaults and their sources are in the README (Hazard models).
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sim.scenarios.fields import Share, items, number, text
from sim.scenarios.resources import AgentId, Strict
from sim.scenarios.units import duration

__all__ = ["Corridor", "RoadClearing", "Forecast", "CommsDamage", "IntensityReport", "OutageFactor",
           "MAX_CORRIDORS", "MAX_ENGINEER_TEAMS",
           "ROAD_CREW_M3_PER_H", "ARMY_CREW_M3_PER_H", "DEBRIS_M3_PER_M"]

#: Corridors a scenario lists: each is a route cleared ahead of other debris.
MAX_CORRIDORS = 1_000
#: Teams named as army engineers (as many as a scenario may have teams).
MAX_ENGINEER_TEAMS = 500

#: Debris moved to open one lane of a blocked street, m³ per metre (assumption:
#: two-storey frontage 10 m deep collapses into ~33 m³ per metre of street, at
#: 1.65 m³ per m² of floor, FEMA 325 (2007): 0.20 yd³ per ft² per storey; a
#: lane is pushed open through about a quarter of it).
DEBRIS_M3_PER_M = 8.0
#: Debris one road crew clears per hour: 486 m³/h for a road-opening team of 9
#: workers with 2 backhoes and 2 wheel loaders (Okinawa Prefecture road-opening
#: plan, §2-3 priority routes, after the Okinawa disaster-prevention liaison
#: council's interim report).
ROAD_CREW_M3_PER_H = 486.0
#: Debris one army engineer unit of 4 heavy machines clears per hour: 4 × 213 m³
#: per machine-hour, from the engineer regiment that opened Xuankou–Yingxiu after
#: the 2008 Wenchuan earthquake (8 bulldozers, excavators and loaders moved
#: more than 80,000 m³ of earth and rock in 47 h; Xinhua, 17 May 2008).
ARMY_CREW_M3_PER_H = 852.0

TownshipName = text(64, min_length=1, description="a township id of the zones, e.g. T01")
DebrisPerMetre = number(gt=0, le=500, unit="m³ per m", reason="more is a collapsed block to demolish, not a "
                        "street to open", description="debris moved to open one lane of a blocked street, m³ per "
                        "metre of street, more than 0 to 500 (assumption: 8, FEMA 325 volumes, README)")
CrewRate = number(gt=0, le=100_000, unit="m³/h", reason="a hundred machines' work in one crew",
                  description="debris one crew clears per hour of work, m³/h, more than 0 to 100,000")


class Corridor(Strict):
    """A level-1 rescue corridor: the fastest route before the disaster from a depot to a township's
    hub (a depot) or to its most populous zone, cleared of debris before other streets."""

    id: AgentId
    from_depot: AgentId = Field(..., description="id of the depot the corridor starts at")
    to_depot: AgentId | None = Field(None, description="id of the depot (a township hub) it leads to")
    to_township: TownshipName | None = Field(None, description="township whose most populous zone it leads to")

    @model_validator(mode="after")
    def _one_end(self):
        if (self.to_depot is None) == (self.to_township is None):
            raise ValueError("give exactly one of 'to_depot' or 'to_township'")
        return self


Corridors = items(Corridor, MAX_CORRIDORS, what="corridors", reason="each corridor is a route cleared ahead "
                  "of other debris; one per township is the plan")
EngineerTeams = items(AgentId, MAX_ENGINEER_TEAMS, what="teams", reason="a scenario has at most 500 teams")


class RoadClearing(Strict):
    """Debris on blocked streets and the crews that clear it (:mod:`sim.engine.road_clearing`).

    A blocked street holds ``debris_m3_per_m`` per metre; a ``road_repair``
    crew clears ``road_crew_m3_per_h`` and an army engineer crew
    ``army_crew_m3_per_h``. Crews clear the lanes to cut-off zones first, then
    the ``corridors``, then the other streets by road class (arterials
    first). ``engineers`` names the army teams that clear roads; the other
    army teams dig out the trapped.
    """

    debris_m3_per_m: DebrisPerMetre = DEBRIS_M3_PER_M
    road_crew_m3_per_h: CrewRate = Field(ROAD_CREW_M3_PER_H, description=(
        "debris one road_repair crew clears per hour, m³/h, more than 0 to 100,000 (486: a road-opening team "
        "of 9 with 2 backhoes and 2 wheel loaders, Okinawa road-opening plan)"))
    army_crew_m3_per_h: CrewRate = Field(ARMY_CREW_M3_PER_H, description=(
        "debris one army engineer crew clears per hour, m³/h, more than 0 to 100,000 (852: 4 heavy machines "
        "at 213 m³ per machine-hour, Wenchuan 2008, Xuankou–Yingxiu)"))
    engineers: EngineerTeams | None = Field(None, description=(
        "ids of army teams that clear roads and dig out nobody; the army teams not listed dig out the trapped "
        "(default: every army team does both, rescue first)"))
    corridors: Literal["auto"] | Corridors = Field("auto", description=(
        "level-1 rescue corridors cleared before other debris: 'auto' (one per street-tier depot, the "
        "township hubs, from the nearest district depot; without hubs one per township, to its most "
        "populous zone) or a list of {id, from_depot, to_depot | to_township}; [] for none"))


class Forecast(Strict):
    """The skill of the rainstorm warning that pre-positioning acts on (assumptions, README).

    Each zone gets one seeded draw: a zone that will flood is flagged with
    probability ``hit_rate``, a zone that will not flood with probability
    ``false_alarm_rate`` (the probability of false detection, not the false
    alarm ratio). ``hit_rate: 1`` and ``false_alarm_rate: 0`` is a perfect
    forecast.
    """

    hit_rate: Share = Field(0.8, description="chance that a zone which will flood is flagged for "
                                             "pre-positioning, 0 to 1 (assumption)")
    false_alarm_rate: Share = Field(0.1, description="chance that a zone which will not flood is flagged "
                                                     "anyway, 0 to 1 (assumption)")


OutageFactor = number(ge=1, le=100, unit="times", reason="a slowdown of 100 already stops the work",
                      description="times longer, 1 to 100")
CommsRestored = duration("time from the shock until the networks the shaking took down are back (assumption: "
                         "48 h, Lushan 2013: county and township communications back by day 2-3)", above_zero=True)
QuakeIntensity = number(ge=5, le=12, unit="intensity degrees", reason="the Chinese intensity scale runs to 12",
                        description="a seismic intensity (Chinese scale), 5 to 12")


class CommsDamage(Strict):
    """Communications the shaking takes down (model: :mod:`sim.hazards.earthquake`).

    Each zone's networks (its mobile base stations, their power and links) go
    down at the shock with a probability rising linearly with the zone's
    intensity, from 0 at ``down_from`` to 1 at ``all_down_from`` (assumption;
    at intensity IX the defaults give 0.67: Yushu 2010, intensity IX at Jiegu,
    took 64 of China Mobile's 98 base stations in the prefecture off the air,
    half of China Telecom's 44 and 15 of China Unicom's 37; Wenchuan 2008, X to
    XI, cut seven counties off entirely), and stay down for
    ``restored_after``. Depots and teams share the networks of their nearest
    zone centre, however far it is (a limit). While down, a zone's report is
    lost with ``loss_share`` (re-sent when the network is back, or carried by
    a runner) and orders and tasks take
    ``delay_factor`` times longer, as in a communications outage window;
    satellite phones are unaffected.
    """

    down_from: QuakeIntensity = Field(7.0, description="intensity below which no zone's networks go down, 5 to 12 "
                                                       "(assumption: 7)")
    all_down_from: QuakeIntensity = Field(10.0, description="intensity from which every zone's networks go down, 5 "
                                                            "to 12 (assumption: 10, Wenchuan 2008)")
    restored_after: CommsRestored = "48h"
    delay_factor: OutageFactor = Field(3.0, description="orders and tasks to depots and teams whose networks are "
                                                        "down take this many times longer, 1 to 100 (assumption)")
    loss_share: Share = Field(1.0, description="share of a downed zone's reports lost until the network is back "
                                               "or a runner carries them, 0 to 1 (assumption: 1, a downed "
                                               "network carries nothing)")

    @model_validator(mode="after")
    def _rising(self):
        if self.all_down_from <= self.down_from:
            raise ValueError(f"all_down_from ({self.all_down_from:g}) must be above down_from "
                             f"({self.down_from:g}): the share of zones whose networks go down rises from 0 at "
                             "down_from to 1 at all_down_from")
        return self


IntensityReportAfter = duration("time from the shock until the command has the rapid intensity estimate "
                                "(assumption: 1 h)", at_most="3d")


class IntensityReport(Strict):
    """The rapid intensity report the command acts on before communities report.

    ``after`` the shock the command has the intensity estimate and treats every
    zone it puts at ``from_intensity`` or more as reported: first batches leave
    for them without waiting for their reports (the model's zone intensity
    stands for the estimate, and their needs for what the command expects
    there: assumptions). Zones that reported earlier are left as they are.
    """

    after: IntensityReportAfter = "1h"
    from_intensity: QuakeIntensity = Field(9.0, description="intensity from which a zone counts as reported by "
                                                            "the estimate, 5 to 12 (assumption: IX)")
