"""Semantic checks: what the schema cannot see field by field.

The pydantic models check each value on its own (a count is a whole number, a
tier is one of four). A scenario can still be impossible as a whole: two
depots with one id, a need nobody stocks (relief can never be complete), a
truck that cannot carry a single tent, an intervention that adds trucks to a
depot that does not exist. These checks find such problems after validation,
each as ``(path, message)``; the loader turns them into located
``FILE:LINE:COL: PATH: message`` lines (:func:`sim.scenarios.loader.locate_problems`).

Checks that need the region — a ``{node: ID}`` that is not in the road graph,
a ``{lonlat}`` too far from any road, a zone id or township that is not in the
zones — live in :mod:`sim.scenarios.region_checks`.
"""
from __future__ import annotations

import difflib
import math
from collections.abc import Iterator
from typing import Any

from sim.scenarios.hazard_models import MAX_FRAGILITY_FACTOR
from sim.scenarios.interventions import (
    AddDepot,
    AddShelter,
    AddTeams,
    AddTrucks,
    Prestock,
    Retrofit,
    SatPhones,
)
from sim.scenarios.models import Depot, Scenario
from sim.scenarios.units import format_duration
from sim.scenarios.yaml_nodes import format_path

__all__ = ["Finding", "check_scenario", "check_overlay", "aid_depot_id", "stocked_items", "MAX_TRUCKS", "MAX_CREWS",
           "MAX_REPLANS"]

#: Trucks of all depots of a scenario: each truck is a SimPy process.
MAX_TRUCKS = 10_000
#: Crews of all teams of a scenario: each crew is a SimPy process.
MAX_CREWS = 10_000
#: Periodic re-plans in a run (duration / replan_every): each plan routes and
#: allocates every open need; 4,320 is once a minute for three days, or every
#: ten minutes for a month.
MAX_REPLANS = 4_320

#: A problem found in a valid-looking scenario: its path and a plain message.
Finding = tuple[tuple, str]



def check_scenario(scenario: Scenario) -> list[Finding]:
    """Every graph-independent semantic problem of ``scenario``."""
    return [
        *_duplicate_ids(scenario),
        *_needs_without_stock(scenario),
        *_payloads_below_one_unit(scenario),
        *_intervention_references(scenario),
        *_fleet_size(scenario),
        *_retrofit_factors(scenario),
        *_replanning(scenario),
        *_tour_limits(scenario),
        *_road_clearing_references(scenario),
        *_mutual_aid_references(scenario),
        *_target_times(scenario),
    ]


def aid_depot_id(scenario: Scenario, depot_id: str | None, *, inbound: bool) -> str | None:
    """The depot a mutual-aid entry names, or its default: the first city depot (for inbound
    aid also, failing that, the first district depot); ``None`` when there is none."""
    if depot_id is not None:
        return depot_id
    tiers = ("city", "district") if inbound else ("city",)
    for tier in tiers:
        for _, depot in _depots(scenario):
            if depot.tier == tier:
                return depot.id
    return None


def _mutual_aid_references(s: Scenario) -> Iterator[Finding]:
    ids = {d.id for _, d in _depots(s)}
    helicopters = s.last_mile.helicopters
    if helicopters is not None:
        if helicopters.base is not None and helicopters.base not in ids:
            yield (("last_mile", "helicopters", "base"),
                   f"{helicopters.base!r} is not a depot id{_did_you_mean(helicopters.base, ids)}")
        elif aid_depot_id(s, helicopters.base, inbound=True) is None:
            yield ("last_mile", "helicopters"), ("no depot for the helicopters to fly from: the scenario has no "
                                                 "city or district depot; name one with 'base'")
    for kind, entries in (("inbound", s.mutual_aid.inbound), ("requests", s.mutual_aid.requests)):
        for k, entry in enumerate(entries):
            path = ("mutual_aid", kind, k)
            if entry.depot is not None and entry.depot not in ids:
                yield path + ("depot",), f"{entry.depot!r} is not a depot id{_did_you_mean(entry.depot, ids)}"
            elif aid_depot_id(s, entry.depot, inbound=kind == "inbound") is None:
                yield path, ("no depot to " + ("receive the aid" if kind == "inbound" else "send from")
                             + ": the scenario has no " + ("city or district" if kind == "inbound" else "city")
                             + " depot; name one with 'depot'")


def stocked_items(depot: Depot) -> set[str]:
    """Items a depot can supply: physical stock, agreement stock or production."""
    items = set(depot.stock.as_dict(nonzero=True))
    if depot.agreement is not None:
        items |= set(depot.agreement.stock.as_dict(nonzero=True))
    if depot.production is not None:
        items |= set(depot.production.rate_per_h.as_dict(nonzero=True))
    return items


# --------------------------------------------------------------- the agents
def _depots(s: Scenario) -> Iterator[tuple[tuple, Depot]]:
    """Depots of the scenario and those its (not yet applied) interventions add."""
    for i, depot in enumerate(s.depots):
        yield ("depots", i), depot
    for k, iv in enumerate(s.interventions):
        if isinstance(iv, AddDepot):
            yield ("interventions", k, "depot"), iv.depot


def _agents(s: Scenario) -> Iterator[tuple[tuple, str, Any]]:
    """(path, kind, model) of every depot, shelter and team, added ones last."""
    for i, depot in enumerate(s.depots):
        yield ("depots", i), "depot", depot
    for i, shelter in enumerate(s.shelters):
        yield ("shelters", i), "shelter", shelter
    for i, team in enumerate(s.teams):
        yield ("teams", i), "team", team
    for k, iv in enumerate(s.interventions):
        if isinstance(iv, AddDepot):
            yield ("interventions", k, "depot"), "depot", iv.depot
        elif isinstance(iv, AddShelter):
            yield ("interventions", k, "shelter"), "shelter", iv.shelter
        elif isinstance(iv, AddTeams):
            yield ("interventions", k, "team"), "team", iv.team


def _did_you_mean(word: str, known) -> str:
    close = difflib.get_close_matches(word, list(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _duplicate_ids(s: Scenario) -> Iterator[Finding]:
    first: dict[str, tuple[str, tuple]] = {}
    for path, kind, agent in _agents(s):
        if agent.id in first:
            other_kind, other_path = first[agent.id]
            yield (path + ("id",), f"id {agent.id!r} is already used by the {other_kind} at "
                                   f"{format_path(other_path)}; depots, shelters and teams need unique ids")
        else:
            first[agent.id] = (kind, path)


CONDITION_WORDS = {"public_shelter": "in a public shelter", "outdoors": "sleeping outdoors",
                   "no_lifelines": "without lifelines"}


def _needs_without_stock(s: Scenario) -> Iterator[Finding]:
    stocked = set().union(*(stocked_items(d) for _, d in _depots(s)),
                          *(aid.stock.as_dict(nonzero=True) for aid in s.mutual_aid.inbound))
    flat = s.needs.shorthand()
    reported = set()
    for condition, per in s.needs.table(winter=s.season == "winter").items():
        for item, amount in per.items():
            if item in stocked or item in reported:
                continue
            reported.add(item)
            if item in flat:
                where, say = ("needs", item), f"each affected person needs {amount:g} {item}"
                fix = f"needs.{item}: 0"
            else:
                table = "by_condition" if item in getattr(s.needs.by_condition, condition).as_dict() else "winter"
                where = ("needs", table, condition, item)
                say = f"each person {CONDITION_WORDS[condition]} needs {amount:g} {item}"
                fix = f"needs.{table}.{condition}.{item}: 0"
            yield (where, f"{say}, but no depot stocks {item} (as stock, agreement or production) and no "
                          f"inbound aid brings it: relief could never be complete; stock it in a depot or set {fix}")


def _payloads_below_one_unit(s: Scenario) -> Iterator[Finding]:
    weights = s.item_weights_kg.model_dump()
    for path, depot in _depots(s):
        payload = depot.trucks.payload_kg
        heavy = sorted(item for item in stocked_items(depot) if weights[item] > payload)
        if heavy:
            units = ", ".join(f"{item} ({weights[item]:g} kg)" for item in heavy)
            yield (path + ("trucks", "payload_kg"),
                   f"a truck carries {payload:g} kg, less than one unit of {units}; "
                   "raise payload_kg or correct item_weights_kg")


def _intervention_references(s: Scenario) -> Iterator[Finding]:
    depots = {d.id: d for _, d in _depots(s)}
    remaining = {d_id: d.stock.as_dict() for d_id, d in depots.items()}

    def unknown_depot(path, depot_id):
        return (path, f"no depot with id {depot_id!r}{_did_you_mean(depot_id, depots)} "
                      f"(depots: {', '.join(depots)})")

    for k, iv in enumerate(s.interventions):
        here = ("interventions", k)
        if isinstance(iv, AddTrucks) and iv.depot not in depots:
            yield unknown_depot(here + ("depot",), iv.depot)
        elif isinstance(iv, Prestock):
            bad = False
            for key in ("from_depot", "to_depot"):
                if getattr(iv, key) not in depots:
                    bad = True
                    yield unknown_depot(here + (key,), getattr(iv, key))
            if bad:
                continue
            if iv.from_depot == iv.to_depot:
                yield (here + ("to_depot",), "prestock moves stock from a depot to itself; "
                                             "name two different depots")
                continue
            for item, amount in iv.stock.as_dict(nonzero=True).items():
                have = remaining[iv.from_depot][item]
                if amount > have:
                    yield (here + ("stock", item), f"moves {amount:g} {item} but depot {iv.from_depot!r} "
                                                   f"holds {have:g} (after earlier prestocks)")
                else:
                    remaining[iv.from_depot][item] -= amount
                    remaining[iv.to_depot][item] += amount
        elif isinstance(iv, Retrofit) and s.hazard.type != "earthquake":
            yield (here + ("type",), f"retrofit strengthens bridges against earthquakes, but the hazard "
                                     f"is {s.hazard.type!r}; remove it or use an earthquake hazard")
        elif isinstance(iv, SatPhones) and isinstance(iv.agents, list):
            # Ids that are no depot, shelter or team are zones: checked with the zones.
            seen = set()
            for j, agent in enumerate(iv.agents):
                if agent in seen:
                    yield (here + ("agents", j), f"{agent!r} is listed twice")
                seen.add(agent)


def check_overlay(interventions) -> list[Finding]:
    """Problems of an overlay's interventions that need no baseline: ids added twice, a prestock
    from a depot to itself, an agent given a satellite phone twice."""
    findings: list[Finding] = []
    first: dict[str, tuple] = {}
    for k, iv in enumerate(interventions):
        here = ("interventions", k)
        added = {AddDepot: "depot", AddShelter: "shelter", AddTeams: "team"}.get(type(iv))
        if added is not None:
            agent = getattr(iv, added)
            if agent.id in first:
                findings.append((here + (added, "id"), f"id {agent.id!r} is already added by "
                                                       f"{format_path(first[agent.id])}; ids must be unique"))
            first.setdefault(agent.id, here)
        elif isinstance(iv, Prestock) and iv.from_depot == iv.to_depot:
            findings.append((here + ("to_depot",), "prestock moves stock from a depot to itself; name two "
                                                   "different depots"))
        elif isinstance(iv, SatPhones) and isinstance(iv.agents, list):
            seen: set[str] = set()
            for j, agent in enumerate(iv.agents):
                if agent in seen:
                    findings.append((here + ("agents", j), f"{agent!r} is listed twice"))
                seen.add(agent)
    return findings


def _fleet_size(s: Scenario) -> Iterator[Finding]:
    trucks = sum(d.trucks.count for _, d in _depots(s))
    trucks += sum(iv.count for iv in s.interventions if isinstance(iv, AddTrucks))
    if trucks > MAX_TRUCKS:
        yield (("depots",), f"at most {MAX_TRUCKS:,} trucks in all depots, got {trucks:,} (interventions "
                            "included): each truck is a SimPy process")
    crews = sum(agent.count for _, kind, agent in _agents(s) if kind == "team")
    if crews > MAX_CREWS:
        yield (("teams",), f"at most {MAX_CREWS:,} crews in all teams, got {crews:,} (interventions "
                           "included): each crew is a SimPy process")


def _replanning(s: Scenario) -> Iterator[Finding]:
    plans = s.duration / s.policy.replan_every
    if plans > MAX_REPLANS:
        yield (("policy", "replan_every"),
               f"re-planning every {format_duration(s.policy.replan_every)} over {format_duration(s.duration)} is "
               f"{plans:,.0f} plans; at most {MAX_REPLANS:,} (e.g. every "
               f"{format_duration(math.ceil(s.duration / MAX_REPLANS))}): each plan routes and allocates every "
               "open need")


def _tour_limits(s: Scenario) -> Iterator[Finding]:
    """Tour limits a truck could never meet, or that no tour could reach."""
    tours = s.policy.tours
    path = ("policy", "tours")
    # The default (8 h) means "a working day", not a limit the run must hold: written out
    # (scenario.json, a sweep's variant) it is still the default, and a short run keeps it.
    if tours.max_tour > s.duration and tours.max_tour != type(tours)().max_tour:
        yield (path + ("max_tour",), f"a tour of up to {format_duration(tours.max_tour)} is longer than the run "
               f"({format_duration(s.duration)}); give at most the run's duration")
    if tours.max_detour > tours.max_tour:
        yield (path + ("max_detour",), f"a further stop may add {format_duration(tours.max_detour)}, more than a "
               f"whole tour may last ({format_duration(tours.max_tour)}); give a detour within max_tour")
    if s.targets.district_supplies and tours.deadline_margin >= min(s.targets.district_supplies):
        target = format_duration(min(s.targets.district_supplies))
        yield (path + ("deadline_margin",), f"a margin of {format_duration(tours.deadline_margin)} leaves no time "
               f"before the first-supplies target ({target}); give less than {target}")
    weights = s.item_weights_kg.model_dump()
    stocked = {item for _, depot in _depots(s) for item in stocked_items(depot)}
    lightest = min((weights[item] for item in stocked), default=0.0)
    if stocked and tours.first_batch_kg < lightest:
        yield (path + ("first_batch_kg",), f"a first batch of {tours.first_batch_kg:g} kg holds no unit of any "
               f"stocked item (the lightest weighs {lightest:g} kg); give at least {lightest:g} kg")


def _target_times(s: Scenario) -> Iterator[Finding]:
    """A target time given twice (each would be judged, and printed, again); a city-supplies
    target written out where no depot is a city depot (it is missed whatever the logistics)."""
    targets = s.targets
    for key in ("district_supplies", "city_supplies", "basic_relief"):
        seen: dict[float, int] = {}
        for i, minutes in enumerate(getattr(targets, key)):
            if minutes in seen:
                yield (("targets", key, i), f"the same time as targets.{key}[{seen[minutes]}] "
                                            f"({format_duration(minutes)}); give each target time once")
            seen.setdefault(minutes, i)
    if targets.preset is None and targets.city_supplies and not any(d.tier == "city" for _, d in _depots(s)):
        yield (("targets", "city_supplies"), "no depot is a city depot, so no city supplies can arrive and this "
                                             "target is missed whatever the logistics; add a city depot or leave "
                                             "the target out")


def _retrofit_factors(s: Scenario) -> Iterator[Finding]:
    """Retrofits multiply the bridges' factors: the product keeps the factor's limit."""
    if s.hazard.type != "earthquake":
        return
    overall = s.hazard.bridge_fragility_factor
    segments = dict(s.hazard.segment_fragility_factor)
    for k, iv in enumerate(s.interventions):
        if not isinstance(iv, Retrofit):
            continue
        if iv.bridges == "all":
            overall *= iv.fragility_factor
            if overall > MAX_FRAGILITY_FACTOR:
                yield (("interventions", k, "fragility_factor"),
                       f"the retrofits multiply the bridges' factor to {overall:,g}; at most "
                       f"{MAX_FRAGILITY_FACTOR:,}: a factor of 1,000 already makes a bridge immune")
                return
        else:
            for segment in iv.bridges:
                segments[segment] = segments.get(segment, 1.0) * iv.fragility_factor
                if segments[segment] > MAX_FRAGILITY_FACTOR:
                    yield (("interventions", k, "fragility_factor"),
                           f"the retrofits multiply the factor of bridge {segment} to {segments[segment]:,g}; "
                           f"at most {MAX_FRAGILITY_FACTOR:,}: a factor of 1,000 already makes a bridge immune")
                    return


# ------------------------------------------------------------ with the world
def _all_interventions(s: Scenario) -> Iterator[tuple[tuple, Any]]:
    for k, iv in enumerate(s.interventions):
        yield ("interventions", k), iv
    for k, iv in enumerate(s.applied_interventions):
        yield ("applied_interventions", k), iv


def _road_clearing_references(s: Scenario) -> Iterator[Finding]:
    """An earthquake's ``road_clearing``: engineers are army teams, corridors join known depots."""
    plan = getattr(s.hazard, "road_clearing", None)
    if plan is None:
        return
    here = ("hazard", "road_clearing")
    teams = {agent.id: agent for _, kind, agent in _agents(s) if kind == "team"}
    for j, team_id in enumerate(plan.engineers or []):
        if team_id not in teams:
            yield (here + ("engineers", j), f"no team with id {team_id!r}{_did_you_mean(team_id, teams)}")
        elif teams[team_id].kind != "army":
            yield (here + ("engineers", j), f"team {team_id!r} is a {teams[team_id].kind} team; engineers are "
                                            "army teams (road_repair teams clear roads anyway)")
    if plan.corridors == "auto":
        return
    depots = {d.id for _, d in _depots(s)}
    seen: set[str] = set()
    for j, corridor in enumerate(plan.corridors):
        if corridor.id in seen:
            yield (here + ("corridors", j, "id"), f"corridor id {corridor.id!r} is listed twice")
        seen.add(corridor.id)
        for key in ("from_depot", "to_depot"):
            depot_id = getattr(corridor, key)
            if depot_id is not None and depot_id not in depots:
                yield (here + ("corridors", j, key), f"no depot with id {depot_id!r}"
                                                     f"{_did_you_mean(depot_id, depots)} (depots: {', '.join(depots)})")
        if corridor.to_depot is not None and corridor.to_depot == corridor.from_depot:
            yield (here + ("corridors", j, "to_depot"), "a corridor leads from a depot to another; name two "
                                                        "different depots")
