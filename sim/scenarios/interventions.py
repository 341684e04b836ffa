"""Interventions: the "after" of a before/after capability assessment.

A capability assessor asks what an investment buys: a new depot, stock moved
forward before the storm, more teams, more trucks, a shelter, retrofitted
bridges, satellite phones. Each is an overlay on a scenario, written in its
``interventions:`` list, for example::

    interventions:
      - {type: add_depot, depot: {id: east, tier: street, at: {node: 88}, stock: {water_l: 20000},
                                  trucks: {count: 2, payload_kg: 3000}}}
      - {type: prestock, from_depot: south, to_depot: east, stock: {water_l: 10000}, lead: 12h}
      - {type: add_teams, team: {id: sar-2, kind: sar, base: {node: 5}}}
      - {type: add_trucks, depot: south, count: 4}
      - {type: add_shelter, shelter: {id: s20, at: {node: 9}, area_m2: 5000}}
      - {type: retrofit, bridges: all, fragility_factor: 1.5}
      - {type: sat_phones, agents: all_teams}
      - {type: household_reserves, share: 0.6}

The same file runs "before" (:func:`sim.scenarios.loader.load_scenario`, the
list is ignored) and "after" (:func:`apply_interventions`), so a paired
comparison differs only by the overlays.

How each overlay is applied (kept simple on purpose):

- ``add_depot``, ``add_shelter``, ``add_teams`` append to their lists;
- ``add_trucks`` raises the depot's ``trucks.count``;
- ``prestock`` moves physical stock from one depot to another. Against a
  hazard that comes with a warning (rainfall) the move starts when the
  warning is issued and takes ``lead`` (loading, driving, unloading): the
  stock leaves the source then and is at the target ``lead`` later — maybe
  after the rain has begun. The engine makes the move
  (:mod:`sim.engine.transfers`); here the record stays in
  ``Scenario.applied_interventions``. Without a warning (an earthquake, a
  drill) the stock is a standing pre-positioning, in place at t = 0: it is
  moved here;
- ``retrofit`` multiplies the earthquake's ``bridge_fragility_factor``
  (``bridges: all``) or sets a per-segment factor in
  ``Earthquake.segment_fragility_factor`` (a list of segment ids); it has no
  effect on other hazards, so the checks refuse it there;
- ``household_reserves`` sets the share (and optionally the days) of
  households holding their own reserve of water and food;
- ``sat_phones`` sets ``sat_phone`` on the listed depots and teams;
  any other listed id is a community zone and goes to
  ``Scenario.sat_phone_zones`` (``all_zones`` sets it to ``"all"``), to be
  checked against the zones when the world is built.

Additions are applied first, then truck and stock moves, then phones and
retrofits, so ``agents: all_depots`` includes depots the list adds.
"""
from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, field_validator

from sim.scenarios.fields import count as count_of
from sim.scenarios.fields import Share, items, number
from sim.scenarios.hazard_models import MAX_FRAGILITY_FACTOR
from sim.scenarios.resources import (
    ReserveDays,
    MAX_TRUCKS_PER_DEPOT,
    AgentId,
    Depot,
    ItemAmounts,
    Shelter,
    Strict,
    Team,
)
from sim.scenarios.units import duration

__all__ = ["Intervention", "AddDepot", "Prestock", "AddTeams", "AddTrucks", "AddShelter",
           "Retrofit", "SatPhones", "HouseholdReserves", "apply_interventions", "prestock_on_warning",
           "INTERVENTION_TYPES", "MAX_INTERVENTIONS", "Interventions", "AgentIds"]

#: Interventions in one scenario or overlay.
MAX_INTERVENTIONS = 1_000
#: Ids one intervention lists (bridges, agents with satellite phones).
MAX_LISTED = 100_000

PrestockLead = duration("how long before the event the move has to start")
AddedTrucks = count_of(1, MAX_TRUCKS_PER_DEPOT, what="trucks added", reason="each truck is a SimPy process",
                       description=f"trucks added, 1 to {MAX_TRUCKS_PER_DEPOT:,}")
RetrofitFactor = number(gt=1, le=MAX_FRAGILITY_FACTOR, unit="times",
                        reason="a factor of 1,000 already makes a bridge immune",
                        description="multiplies the bridges' median capacity, more than 1 to 1,000")
BridgeId = Annotated[int, Field(ge=0, le=2**63 - 1, strict=True)]
BridgeIds = items(BridgeId, MAX_LISTED, what="bridges", reason="a list names bridges one by one")
AgentIds = items(AgentId, MAX_LISTED, what="ids", reason="a list names agents one by one")


class AddDepot(Strict):
    """A new reserve depot, with its stock and fleet."""

    type: Literal["add_depot"] = Field(..., description="a new depot")
    depot: Depot = Field(..., description="the depot, as in the scenario's depots list")


class Prestock(Strict):
    """Physical stock moved from one depot to another before the event."""

    type: Literal["prestock"] = Field(..., description="stock moved between depots before the event")
    from_depot: AgentId = Field(..., description="id of the depot the stock leaves")
    to_depot: AgentId = Field(..., description="id of the depot the stock goes to")
    stock: ItemAmounts = Field(..., description="units moved per item")
    lead: PrestockLead


class AddTeams(Strict):
    """A further rescue or support team."""

    type: Literal["add_teams"] = Field(..., description="a further team")
    team: Team = Field(..., description="the team, as in the scenario's teams list")


class AddTrucks(Strict):
    """More trucks at an existing (or added) depot."""

    type: Literal["add_trucks"] = Field(..., description="more trucks at a depot")
    depot: AgentId = Field(..., description="id of the depot")
    count: AddedTrucks


class AddShelter(Strict):
    """A further emergency shelter."""

    type: Literal["add_shelter"] = Field(..., description="a further shelter")
    shelter: Shelter = Field(..., description="the shelter, as in the scenario's shelters list")


class Retrofit(Strict):
    """Seismic retrofit of bridges: their median capacity grows by ``fragility_factor``."""

    type: Literal["retrofit"] = Field(..., description="seismic retrofit of bridges")
    bridges: Literal["all"] | BridgeIds = Field(
        ..., description="'all', or the road-segment ids of the retrofitted bridges")
    fragility_factor: RetrofitFactor

    @field_validator("bridges", mode="before")
    @classmethod
    def _all_or_ids(cls, value):
        if isinstance(value, list):
            if not value:
                raise ValueError("list at least one bridge segment id, or write 'all'")
            return value
        if value != "all":
            raise ValueError(f"write 'all' or a list of bridge segment ids such as [12, 40], not {value!r}")
        return value


SAT_PHONE_GROUPS = ("all_depots", "all_teams", "all_zones")


class SatPhones(Strict):
    """Satellite phones: reports and orders of these agents ignore comms outages."""

    type: Literal["sat_phones"] = Field(..., description="satellite phones for agents")
    agents: Literal["all_depots", "all_teams", "all_zones"] | AgentIds = Field(
        ..., description="ids of depots, teams or zones; or all_depots, all_teams, all_zones")

    @field_validator("agents", mode="before")
    @classmethod
    def _group_or_ids(cls, value):
        if isinstance(value, list):
            if not value:
                raise ValueError("list at least one depot, team or zone id")
            return value
        if value not in SAT_PHONE_GROUPS:
            raise ValueError(f"write one of {', '.join(SAT_PHONE_GROUPS)} or a list of ids, not {value!r}")
        return value


class HouseholdReserves(Strict):
    """More households keep the plans' reserve of water and food [BJ25]."""

    type: Literal["household_reserves"] = Field(..., description="more households keep their own reserve")
    share: Share = Field(..., description="share of households holding a usable reserve, 0 to 1")
    days: ReserveDays | None = Field(None, description="days it holds (default: unchanged)")


Intervention = Annotated[
    Union[AddDepot, Prestock, AddTeams, AddTrucks, AddShelter, Retrofit, SatPhones, HouseholdReserves],
    Field(discriminator="type"),
]
Interventions = items(Intervention, MAX_INTERVENTIONS, what="interventions",
                      reason="each is applied and checked before every run")
INTERVENTION_TYPES = ("add_depot", "prestock", "add_teams", "add_trucks", "add_shelter", "household_reserves",
                      "retrofit", "sat_phones")


def apply_interventions(scenario):
    """A new scenario with ``scenario.interventions`` applied (see the module docstring).

    The result has an empty ``interventions`` list and the applied overlays in
    ``applied_interventions``, so applying twice changes nothing. Added
    depots, shelters and teams keep pointing at where they were written: a
    located error about ``depots[3]`` of the result names
    ``interventions[0].depot`` of the file. Raises ``ValueError`` for
    references the checks (:mod:`sim.scenarios.checks`, :mod:`sim.scenarios.region_checks`) refuse at load time.
    """
    new = scenario.model_copy(deep=True)
    todo = list(enumerate(new.interventions))
    aliases: dict[tuple, tuple] = {}

    for i, iv in todo:
        if isinstance(iv, AddDepot):
            aliases[("depots", len(new.depots))] = ("interventions", i, "depot")
            new.depots.append(iv.depot.model_copy(deep=True))
        elif isinstance(iv, AddShelter):
            aliases[("shelters", len(new.shelters))] = ("interventions", i, "shelter")
            new.shelters.append(iv.shelter.model_copy(deep=True))
        elif isinstance(iv, AddTeams):
            aliases[("teams", len(new.teams))] = ("interventions", i, "team")
            new.teams.append(iv.team.model_copy(deep=True))

    depots = {d.id: d for d in new.depots}
    for _, iv in todo:
        if isinstance(iv, AddTrucks):
            _known(depots, iv.depot, "depot").trucks.count += iv.count
        elif isinstance(iv, Prestock) and prestock_on_warning(new):
            _known(depots, iv.from_depot, "depot"), _known(depots, iv.to_depot, "depot")
        elif isinstance(iv, Prestock):
            source = _known(depots, iv.from_depot, "depot")
            target = _known(depots, iv.to_depot, "depot")
            for item, amount in iv.stock.as_dict(nonzero=True).items():
                have = getattr(source.stock, item)
                if amount > have:
                    raise ValueError(f"prestock moves {amount:g} {item} from {source.id!r}, which has {have:g}")
                setattr(source.stock, item, have - amount)
                setattr(target.stock, item, getattr(target.stock, item) + amount)

    for _, iv in todo:
        if isinstance(iv, SatPhones):
            _give_sat_phones(new, iv.agents)
        elif isinstance(iv, HouseholdReserves):
            new.household_reserve.share = iv.share
            if iv.days is not None:
                new.household_reserve.days = iv.days
        elif isinstance(iv, Retrofit):
            hazard = new.hazard
            if hazard.type != "earthquake":
                raise ValueError(f"retrofit needs an earthquake hazard, not {hazard.type!r}")
            if iv.bridges == "all":
                hazard.bridge_fragility_factor *= iv.fragility_factor
            else:
                for segment in iv.bridges:
                    factors = hazard.segment_fragility_factor
                    factors[segment] = factors.get(segment, 1.0) * iv.fragility_factor

    done = len(new.applied_interventions)
    aliases.update({("applied_interventions", done + k): ("interventions", k) for k in range(len(todo))})
    new.applied_interventions = [*new.applied_interventions, *new.interventions]
    new.interventions = []
    source = getattr(scenario, "_source", None)
    if source is not None:
        new._source = source.with_aliases(aliases)
    return new


def prestock_on_warning(scenario) -> bool:
    """Whether ``prestock`` moves start on the hazard's warning (else they are in place at t = 0)."""
    return scenario.hazard.type == "rainfall"


def _known(by_id: dict, agent_id: str, kind: str):
    try:
        return by_id[agent_id]
    except KeyError:
        raise ValueError(f"no {kind} with id {agent_id!r}") from None


def _give_sat_phones(scenario, agents) -> None:
    if agents == "all_depots":
        targets = list(scenario.depots)
    elif agents == "all_teams":
        targets = list(scenario.teams)
    elif agents == "all_zones":
        scenario.sat_phone_zones = "all"
        return
    else:
        by_id = {a.id: a for a in (*scenario.depots, *scenario.teams)}
        shelters = {s.id for s in scenario.shelters}
        targets = [by_id[a] for a in agents if a in by_id]
        zones = [a for a in agents if a not in by_id and a not in shelters]
        if zones and scenario.sat_phone_zones != "all":
            scenario.sat_phone_zones = [*scenario.sat_phone_zones,
                                        *(z for z in zones if z not in scenario.sat_phone_zones)]
    for agent in targets:
        agent.sat_phone = True
