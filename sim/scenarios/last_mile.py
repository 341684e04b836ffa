"""The last mile where trucks cannot go: porters, boats and helicopters.

A zone no truck can reach (its road node cut off from every depot) is served
by a mode that can: **porters** on foot over debris and closed streets, from
the truck-reachable node nearest to the zone within ``max_walk``; **boats**
over flooded streets, likewise from the nearest dry reachable node; and
**helicopters** straight from their base depot, available from
``available_from`` (airdrops began on day 2 of the 2023 Beijing–Hebei floods,
the documented default). Each mode has its own fleet (``count``), payload and
speed; a zone is *cut off* only when no mode can reach it.

Defaults are assumptions labelled as such in the field descriptions: a porter
carries 25 kg at 3 km/h over rubble; a rescue boat 500 kg at 8 km/h in
floodwater (the district plans one command boat and three rescue boats [TZ]);
a medium transport helicopter 3 t at 200 km/h. Distances on foot and by boat
are the straight line times ``detour_factor``.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from sim.scenarios.fields import count, number
from sim.scenarios.resources import AgentId, Strict
from sim.scenarios.units import distance, duration

__all__ = ["LastMile", "Porters", "Boats", "Helicopters", "LAST_MILE_MODES"]

#: Modes in the order a cut-off zone tries them.
LAST_MILE_MODES = ("porters", "boats", "helicopters")

Carriers = count(1, 100_000, what="carriers", reason="each carrier is counted in the run's capacity",
                 description="how many carriers (people, boats or aircraft) the mode has; a mode needs at "
                             "least one: leave it out to have none")


def _payload(default: float, what: str):
    return Field(default, description=f"kg one {what} carries per trip (assumption; default {default:g})")


def _speed(default: float, what: str):
    return Field(default, description=f"km/h of a {what} (assumption; default {default:g})")


PayloadKg = number(gt=0, le=50_000, unit="kg", reason="more than a heavy-lift helicopter carries",
                   description="kg carried per trip")
SpeedKmh = number(gt=0, le=1_000, unit="km/h", reason="faster than any aircraft of the kind",
                  description="speed, km/h")
MaxWalk = distance("farthest a truck-reachable node may be from the zone for porters or boats (straight line)",
                   at_most="100km", above_zero=True)
HandOver = duration("time to load carriers at the transfer point and unload at the zone, per trip",
                    at_most="1d")
AvailableFrom = duration("helicopters fly from this time after the event (default 24 h: airdrops from day 2 "
                         "of the 2023 Beijing-Hebei floods)", at_most="30d")


class Porters(Strict):
    """People carrying supplies on foot over debris and closed streets."""

    count: Carriers
    payload_kg: PayloadKg = _payload(25.0, "porter")
    speed_kmh: SpeedKmh = _speed(3.0, "porter over rubble")
    max_walk: MaxWalk = "5km"
    hand_over: HandOver = "10min"


class Boats(Strict):
    """Boats over flooded streets."""

    count: Carriers
    payload_kg: PayloadKg = _payload(500.0, "rescue boat")
    speed_kmh: SpeedKmh = _speed(8.0, "rescue boat in floodwater")
    max_walk: MaxWalk = "10km"
    hand_over: HandOver = "20min"


class Helicopters(Strict):
    """Helicopters flying from a depot (airdrops or landings)."""

    count: Carriers
    base: AgentId | None = Field(None, description="depot id they fly from (default: the first city depot, "
                                                   "else the first district depot)")
    payload_kg: PayloadKg = _payload(3000.0, "helicopter")
    speed_kmh: SpeedKmh = _speed(200.0, "helicopter")
    available_from: AvailableFrom = "24h"
    hand_over: HandOver = "30min"


#: Distance on foot or by boat over the straight line (a number, not text or true/false).
DetourFactor = number(ge=1.0, le=5.0, description="distance on foot or by boat as a multiple of the straight "
                                                  "line, 1 to 5 (assumption)")


class LastMile(Strict):
    """Modes that reach zones trucks cannot (see the module docstring)."""

    porters: Porters | None = Field(None, description="people carrying on foot over debris and closed streets")
    boats: Boats | None = Field(None, description="boats over flooded streets")
    helicopters: Helicopters | None = Field(None, description="helicopters from a depot, from available_from on")
    detour_factor: DetourFactor = 1.3
    ground: Literal["auto", "water", "debris"] = Field(
        "auto", description="what cuts zones off: water (boats) or debris and closed streets (porters); auto: "
                            "water under a rainfall hazard, debris otherwise")
