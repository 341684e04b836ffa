"""Our tour heuristic against the optimum order, PyVRP and OR-Tools, on the tours the engine builds.

Issue 10 asks whether a VRP library (PyVRP, OR-Tools) should build the trucks'
multi-drop tours, or our own insertion heuristic (:func:`sim.dispatch.tours.build_tour`)
where it is faster — measured on the real instances. This script answers it.

**Capture.** Each scenario runs (``sim.api.run``) with the planner's
``build_tour`` wrapped (for that run only). Every call records what the
heuristic gets and gives: the depot, its stock, unit weights, payload, the
tour rules and the depot's minutes per straight-line km; the candidates —
the ``--candidates`` most urgent ones with something to carry, plus any the
heuristic chose beyond them — with their urgency rank, tier, position,
minutes from the depot, need and the kg the heuristic would carry; the road
travel times among the depot and those candidates at that moment
(``Router.table``, read-only); and the tour: stops in driving order, kg per
drop, ``planned_min``. A second, plain run with only the calls timed gives
the heuristic's time per call as in the engine (the capture's road tables
change the router's caches, which the heuristic's drivability checks use)
and shows that capturing changed no tour (``capture_changed_no_tour``).

**Two travel-time matrices.** *est*: straight-line km times the depot's
minutes per km — what the heuristic costs every insertion with (symmetric).
*road*: the router's travel times at that moment (asymmetric) — what the
truck drives. The heuristic's ``planned_min`` is ``2 × depot_min[first] +``
the est minutes its insertions added; the script checks that identity on
every call (``planned_min_identity_breaches``).

**(a) Order.** For the stops the heuristic chose, the exact optimum order by
brute force (at most ``max_stops``! = 120 orders) on est and on road, and the
heuristic's gap to it (``ours / optimum - 1``); also the road gap of the
est-optimal order (what an exact ordering on the same estimate would recover
on the roads). PyVRP and OR-Tools solve the same stops as a TSP on road
times (every stop required) for a sample of instances: do they find the
optimum, at what time per call.

**(b) Selection and order** (sampled instances). The same single-truck
problem solved as a prize-collecting VRP on est minutes: the heuristic's
first stop (the most urgent worth a trip) is required; every other candidate
is optional with a prize of ``max_detour × min(1, kg / min_drop_kg)`` minutes
— the heuristic's own exchange rate: a drop worth a trip is worth up to
``max_detour`` minutes of added driving, a smaller one pro rata; capacity
``payload_kg`` (kg the heuristic would carry for each stop, whole), at most
``max_stops`` stops (a second load dimension), at most ``max_tour`` minutes.
Objective: est minutes + prizes of the candidates left out (the heuristic's
tour is scored the same way). Urgency beyond the first stop is not in this
objective (the heuristic takes the most urgent stop that fits first), so the
mean urgency rank of the stops served is reported beside it. Loads are
replayed with the heuristic's loading rule (:func:`~sim.dispatch.tours.compose_load`,
first-batch cap, in urgency order). Every tour is then timed on the roads:
``load_time + driving + unload`` (the depot's unload time for the first
drop, half of it for each further one, no helpers) gives the **load
delivered per tour-hour**; the heuristic's stops in their road-optimal order
are scored as well.

**Time per call.** Ours: the whole ``build_tour`` call in the plain run
(choice of stops, loads, order, drivability checks). The brute-force
oracle: the order alone, given the matrix. ``road_table_of_the_stops``: the
router's table among the depot and the chosen stops, timed in the capture
run — what ordering on the roads would cost the engine first. The
libraries: building the model and solving, from Python, per call, at a
small effort chosen on a pilot of these instances: PyVRP (iterated local
search) stops after ``--pyvrp-tsp-no-improvement`` = 1 (a) or
``--pyvrp-pc-no-improvement`` = 50 (b) iterations without improvement (on
the pilot, 50 matched the best objective 1 s of search found); OR-Tools
routing starts from the cheapest arc (a) or parallel cheapest insertion (b)
and descends to a local optimum (``--ortools-guided``: guided local search
until the limit, which gained little on the pilot); both stop at
``--time-limit`` at the latest. The report says how often each found the
optimum order (``library_order``) and how its objective compares with ours
(``selection``). The engine builds ``tours_per_run`` tours per run;
planning should stay within 20 % of a ~1 s M8 run (issue 10), so the
seconds per run are given beside it (``seconds_per_run``: mean time per
call × tours per run). Every time is given as wall time and as the
process's CPU time (``cpu_*``): on a machine shared with other work the CPU
time is close to what the wall time would be on an idle one.

Usage: python benchmarks/tour_heuristic.py [--scenario NAME ...] [--seed N] [--sample N]
       [--candidates K] [--time-limit S] [--no-libraries] [--json OUT]
"""
from __future__ import annotations

import argparse
import functools
import itertools
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.dispatch.tours import compose_load  # noqa: E402

SCENARIOS = ("m8_earthquake", "extreme_rainfall", "baseline_normal_traffic")
#: Integer units per minute (and per kg) in the libraries' models.
SCALE = 1000
#: A leg the roads do not allow, in the libraries' integer models.
BLOCKED = 10 ** 9
#: The planning budget of issue 10: planning at most this share of a warm M8 run of about this long.
PLANNING_SHARE, M8_RUN_S = 0.20, 1.0
#: An order within this share of the optimum counts as optimal (float sums; the libraries' rounding).
TOLERANCE = 1e-6
#: From vehicle.py: a further drop of a multi-drop tour takes half the unload time.
EXTRA_DROP_UNLOAD_FACTOR = 0.5


# ----------------------------------------------------------------------------- capture
def carry_kg(cand_need, tier, avail, unit_kg, payload_kg, rules) -> np.ndarray:
    """The kg the heuristic would carry for each candidate (as ``build_tour`` computes it)."""
    first_cap = np.where(tier == 0, rules.first_batch_cap_kg(payload_kg), payload_kg)
    return np.minimum(np.minimum(cand_need, np.maximum(avail, 0.0)[None, :]) @ unit_kg, first_cap)


def first_row(carry: np.ndarray, unit_kg: np.ndarray, payload_kg: float, rules) -> int | None:
    """The row ``build_tour`` starts its tour with (the most urgent worth a trip)."""
    worth = carry >= min(rules.min_drop_kg, payload_kg)
    pool = np.flatnonzero(worth) if worth.any() else np.flatnonzero(carry >= float(unit_kg.min()))
    return int(pool[0]) if len(pool) else None


def clock() -> tuple[float, float]:
    """Wall and process CPU time now (s): the CPU time is what a call costs on a machine shared with other work."""
    return time.perf_counter(), time.process_time()


def since(start: tuple[float, float]) -> tuple[float, float]:
    wall, cpu = clock()
    return wall - start[0], cpu - start[1]


def record_call(args: tuple, kwargs: dict, tour, seconds: tuple[float, float], top_k: int) -> dict:
    """What one ``build_tour`` call got and gave (see the module docstring), as plain arrays;
    ``seconds``: the call's wall and CPU time."""
    tour_id, depot_id, depot_xy, cand, avail, unit_kg, _items, payload_kg, rules, min_per_km = args[:10]
    leg_min = kwargs.get("leg_min", args[10] if len(args) > 10 else None)
    avail = np.array(avail, dtype=float)
    unit_kg = np.asarray(unit_kg, dtype=float)
    carry = carry_kg(cand.need, cand.tier, avail, unit_kg, payload_kg, rules)
    first = first_row(carry, unit_kg, payload_kg, rules)
    row_of = {id(z): k for k, z in enumerate(cand.zones)}
    chosen_rows = [row_of[id(d.zone)] for d in tour.drops] if tour is not None else []
    rows = set(np.flatnonzero(carry > 0)[:top_k].tolist()) | set(chosen_rows)
    if first is not None:
        rows.add(first)
    sel = np.array(sorted(rows), dtype=np.int64)
    local = {int(r): i + 1 for i, r in enumerate(sel)}          # local index 0 is the depot
    command = getattr(leg_min, "__self__", None)
    road = None
    load_min = unload_min = 0.0
    now = math.nan
    table_s = (math.nan, math.nan)
    if command is not None and hasattr(command, "router"):
        depot = next(d for d in command.depots if d.depot_id == depot_id)
        if tour is not None:          # what ordering the tour on the roads would cost the engine first
            stops = [depot.node] + [cand.zones[r].node for r in chosen_rows]
            start = clock()
            command.router.table(stops, stops)
            table_s = since(start)
        nodes = [depot.node] + [cand.zones[r].node for r in sel]
        road = np.array(command.router.table(nodes, nodes), dtype=float)
        load_min, unload_min = float(depot.load_time_min()), float(depot.spec.unload_time)
        now = float(command.env.now)
    return {
        "tour_id": int(tour_id), "depot_id": str(depot_id), "now_min": now, "seconds": tuple(seconds),
        "road_table_s": table_s,
        "n_candidates": len(cand), "payload_kg": float(payload_kg), "min_per_km": float(min_per_km),
        "rules": {k: float(getattr(rules, k)) for k in ("max_stops", "max_detour_min", "max_tour_min",
                                                         "min_drop_kg", "first_batch_kg", "first_batch_share")},
        "load_min": load_min, "unload_min": unload_min,
        "unit_kg": unit_kg, "avail": avail, "depot_xy": np.asarray(depot_xy, dtype=float),
        "rank": sel, "tier": np.asarray(cand.tier)[sel].astype(int), "xy": np.asarray(cand.xy_km)[sel],
        "depot_min": np.asarray(cand.depot_min, dtype=float)[sel], "need": np.asarray(cand.need, dtype=float)[sel],
        "carry_kg": carry[sel], "first": local.get(first) if first is not None else None,
        "road": road,
        "ours": None if tour is None else {
            "order": [local[r] for r in chosen_rows],
            "drop_kg": [float(d.weight_kg) for d in tour.drops],
            "planned_min": float(tour.planned_min)},
    }


def signature(tour) -> tuple | None:
    """What a tour is, to tell whether two runs built the same tours."""
    if tour is None:
        return None
    return (tour.tour_id, tour.depot_id, round(tour.planned_min, 6),
            tuple((d.zone.zone_id, round(d.weight_kg, 6)) for d in tour.drops))


def run_wrapped(scenario, on_call, *, seed=None, base_dir="."):
    """Run ``scenario`` once with the planner's ``build_tour`` wrapped (this run only):
    ``on_call(args, kwargs, tour, (wall, cpu))`` after each call. The run's result and wall time."""
    from sim.api import run
    from sim.dispatch import planner

    original = planner.build_tour

    def wrapped(*args, **kwargs):
        start = clock()
        tour = original(*args, **kwargs)
        on_call(args, kwargs, tour, since(start))
        return tour

    planner.build_tour = wrapped
    try:
        start = time.perf_counter()
        result = run(scenario, seed=seed, base_dir=base_dir)
        return result, time.perf_counter() - start
    finally:
        planner.build_tour = original


def capture(scenario, *, seed=None, base_dir=".", top_k: int = 64, timed_run: bool = True) -> tuple[list[dict], dict]:
    """Run ``scenario`` with every ``build_tour`` call recorded; the tours built and the run's figures.

    With ``timed_run``, a second, plain run (only the calls timed) gives the heuristic's time
    per call as in the engine — the capture's road tables change the router's caches, which
    the heuristic's drivability checks use — and shows that capturing changed no tour."""
    calls: list[dict] = []
    sigs: list = []

    def record(args, kwargs, tour, seconds):
        calls.append(record_call(args, kwargs, tour, seconds, top_k))
        sigs.append(signature(tour))

    result, wall = run_wrapped(scenario, record, seed=seed, base_dir=base_dir)
    tours = [c for c in calls if c["ours"] is not None]
    info = {"scenario": result.scenario.name, "seed": result.seed, "build_tour_calls": len(calls),
            "tours_per_run": len(tours), "run_wall_s_with_capture": round(wall, 2)}
    if timed_run:
        plain: list = []
        _, wall = run_wrapped(scenario, lambda a, k, tour, s: plain.append((s, signature(tour))),
                              seed=seed, base_dir=base_dir)
        info["run_wall_s_plain"] = round(wall, 2)
        info["capture_changed_no_tour"] = [sig for _, sig in plain] == sigs
        info["plain_seconds"] = [s for s, _ in plain]
    return tours, info


# ----------------------------------------------------------------------------- matrices and orders
def est_matrix(inst: dict) -> np.ndarray:
    """Straight-line km times the depot's minutes per km, among the depot (0) and the candidates."""
    pts = np.vstack([inst["depot_xy"][None, :], inst["xy"]])
    return np.hypot(pts[:, None, 0] - pts[None, :, 0], pts[:, None, 1] - pts[None, :, 1]) * inst["min_per_km"]


def tour_minutes(matrix: np.ndarray, order) -> float:
    """Minutes of the closed tour depot → ``order`` → depot on ``matrix`` (local indices)."""
    return float(sum(matrix[a, b] for a, b in itertools.pairwise([0, *order, 0])))


def best_order(matrix: np.ndarray, stops) -> tuple[list[int], float]:
    """The exact shortest order of ``stops`` on ``matrix`` (every permutation; first of ties)."""
    stops = list(stops)
    if len(stops) <= 1:
        return stops, tour_minutes(matrix, stops)
    perms = np.array(list(itertools.permutations(stops)))
    total = matrix[0, perms[:, 0]] + matrix[perms[:, :-1], perms[:, 1:]].sum(axis=1) + matrix[perms[:, -1], 0]
    k = int(np.argmin(total))
    return [int(s) for s in perms[k]], float(total[k])


def gap(length: float, optimum: float) -> float:
    """``length / optimum - 1`` (0 for two empty tours; inf where the optimum is finite and the length not)."""
    if optimum <= 0:
        return 0.0 if length <= 0 else math.inf
    return length / optimum - 1.0


def replay_loads(inst: dict, stops) -> list[float]:
    """kg per stop by the heuristic's loading rule, stops served in urgency order (local indices)."""
    rules, payload = inst["rules"], inst["payload_kg"]
    avail = inst["avail"].copy()
    room = payload
    first_cap = min(rules["first_batch_kg"], rules["first_batch_share"] * payload)
    out = {}
    for s in sorted(stops):
        cap = min(room, first_cap) if inst["tier"][s - 1] == 0 else room
        load = compose_load(inst["need"][s - 1], avail, inst["unit_kg"], cap)
        avail -= load
        kg = float(load @ inst["unit_kg"])
        room -= kg
        out[s] = kg
    return [out[s] for s in stops]


def road_tour(inst: dict, order, drop_kg) -> dict:
    """The tour as the truck drives it: minutes (load, driving, unload) and kg per tour-hour."""
    drive = tour_minutes(inst["road"], order)
    n = len(order)
    minutes = inst["load_min"] + drive + inst["unload_min"] * (1 + EXTRA_DROP_UNLOAD_FACTOR * max(n - 1, 0))
    kg = float(sum(drop_kg))
    return {"stops": n, "kg": kg, "drive_min": drive, "tour_min": minutes,
            "kg_per_h": kg / (minutes / 60.0) if minutes > 0 and math.isfinite(minutes) else 0.0}


def prizes(inst: dict) -> np.ndarray:
    """The prize (minutes) of each candidate: ``max_detour × min(1, kg / min_drop_kg)``."""
    rules = inst["rules"]
    worth = min(rules["min_drop_kg"], inst["payload_kg"])
    return rules["max_detour_min"] * np.minimum(1.0, inst["carry_kg"] / worth)


def pc_objective(inst: dict, est: np.ndarray, order) -> float:
    """Est minutes of the tour plus the prizes of the candidates it leaves out."""
    p = prizes(inst)
    left = np.ones(len(p), dtype=bool)
    left[np.asarray(order, dtype=int) - 1] = False
    return tour_minutes(est, order) + float(p[left].sum())


def _ints(matrix: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(matrix), np.rint(matrix * SCALE), BLOCKED).astype(np.int64)


# ----------------------------------------------------------------------------- PyVRP
def pyvrp_solve(matrix: np.ndarray, nodes, *, required=None, kg=None, prize=None, payload=None,
                max_stops=None, max_minutes=None, time_limit: float = 0.1, no_improvement: int = 200,
                seed: int = 0) -> list[int]:
    """One truck from the depot (local 0) through ``nodes`` (local indices) on ``matrix`` with PyVRP.
    Without ``prize`` a TSP (every node required); with it a prize-collecting tour. The order
    driven, in local indices."""
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime, MultipleCriteria, NoImprovement

    w = _ints(matrix)
    idx = [0, *nodes]
    model = Model()
    locs = [model.add_location(0, 0) for _ in idx]
    model.add_depot(locs[0])
    for j, node in enumerate(nodes, start=1):
        if prize is None:
            model.add_client(locs[j])
        else:
            model.add_client(locs[j], delivery=[int(math.ceil(kg[node - 1] - 1e-9)), 1],
                             prize=int(round(prize[node - 1] * SCALE)), required=node == required)
    if prize is None:
        model.add_vehicle_type(1)
    else:
        model.add_vehicle_type(1, capacity=[int(payload), int(max_stops)],
                               shift_duration=int(round(max_minutes * SCALE)))
    for a, i in enumerate(idx):
        for b, j in enumerate(idx):
            model.add_edge(locs[a], locs[b], distance=int(w[i, j]), duration=int(w[i, j]))
    result = model.solve(stop=MultipleCriteria([NoImprovement(no_improvement), MaxRuntime(time_limit)]),
                         seed=seed, display=False, collect_stats=False)
    routes = result.best.routes()
    if not result.best.is_feasible() or not routes:
        return []
    return [idx[a.idx + 1] for a in routes[0] if a.is_client()]


# ----------------------------------------------------------------------------- OR-Tools
def ortools_solve(matrix: np.ndarray, nodes, *, required=None, kg=None, prize=None, payload=None,
                  max_stops=None, max_minutes=None, time_limit: float = 0.1, guided: bool = False) -> list[int]:
    """As :func:`pyvrp_solve`, with OR-Tools routing: cheapest arc, then local search (greedy
    descent to a local optimum; guided local search until ``time_limit`` with ``guided`` and prizes)."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    idx = [0, *nodes]
    w = _ints(matrix)[np.ix_(idx, idx)]
    manager = pywrapcp.RoutingIndexManager(len(idx), 1, 0)
    routing = pywrapcp.RoutingModel(manager)
    transit = routing.RegisterTransitMatrix(w.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(transit)
    params = pywrapcp.DefaultRoutingSearchParameters()
    first = routing_enums_pb2.FirstSolutionStrategy
    params.first_solution_strategy = first.PATH_CHEAPEST_ARC if prize is None else first.PARALLEL_CHEAPEST_INSERTION
    if prize is not None:
        routing.AddDimension(transit, 0, int(round(max_minutes * SCALE)), True, "time")
        load = routing.RegisterUnaryTransitVector([0] + [int(math.ceil(kg[n - 1] - 1e-9)) for n in nodes])
        routing.AddDimensionWithVehicleCapacity(load, 0, [int(payload)], True, "kg")
        count = routing.RegisterUnaryTransitVector([0] + [1] * len(nodes))
        routing.AddDimensionWithVehicleCapacity(count, 0, [int(max_stops)], True, "stops")
        for j, node in enumerate(nodes, start=1):
            if node != required:
                routing.AddDisjunction([manager.NodeToIndex(j)], int(round(prize[node - 1] * SCALE)))
    if guided:
        params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMicroseconds(max(1, int(time_limit * 1e6)))
    solution = routing.SolveWithParameters(params)
    if solution is None:
        return []
    order, index = [], routing.Start(0)
    while not routing.IsEnd(index):
        node = manager.IndexToNode(index)
        if node:
            order.append(idx[node])
        index = solution.Value(routing.NextVar(index))
    return order


def _timed(fn, *args, **kwargs):
    start = clock()
    out = fn(*args, **kwargs)
    return out, since(start)


# ----------------------------------------------------------------------------- analysis
#: How hard the libraries try (see the module docstring and ``--help``).
SETTINGS = {"time_limit": 0.1, "pyvrp_tsp_no_improvement": 1, "pyvrp_pc_no_improvement": 50, "ortools_guided": False}


def _library_args(name: str, settings: dict, problem: str) -> dict:
    if name == "pyvrp":
        return {"time_limit": settings["time_limit"], "no_improvement": settings[f"pyvrp_{problem}_no_improvement"]}
    return {"time_limit": settings["time_limit"], "guided": settings["ortools_guided"] and problem == "pc"}


def analyse(inst: dict, *, libraries=(), settings: dict | None = None) -> dict:
    """Figures of one captured call (see the module docstring); ``libraries`` among "pyvrp", "ortools"."""
    settings = {**SETTINGS, **(settings or {})}
    ours = inst["ours"]
    order = ours["order"]
    est = est_matrix(inst)
    rules = inst["rules"]
    rec = {"tour_id": inst["tour_id"], "depot_id": inst["depot_id"], "now_min": inst["now_min"],
           "n_candidates": inst["n_candidates"], "stops": len(order), "ours_s": inst["seconds"],
           "road_table_s": inst.get("road_table_s", (math.nan, math.nan))}
    # The heuristic's own account of its tour: 2 × depot_min[first] + est minutes its insertions added.
    first = inst["first"]
    expect = 2.0 * inst["depot_min"][first - 1] + tour_minutes(est, order) - 2.0 * est[0, first]
    rec["planned_min_identity"] = abs(expect - ours["planned_min"]) <= 1e-6 * max(1.0, ours["planned_min"])
    start = clock()
    est_opt, est_best = best_order(est, order)
    rec["oracle_s"] = since(start)
    rec["est"] = {"ours_min": tour_minutes(est, order), "optimum_min": est_best}
    rec["est"]["gap"] = gap(rec["est"]["ours_min"], est_best)
    road = inst["road"]
    if road is not None:
        road_opt, road_best = best_order(road, order)
        rec["road"] = {"ours_min": tour_minutes(road, order), "optimum_min": road_best,
                       "est_optimal_order_min": tour_minutes(road, est_opt)}
        rec["road"]["gap"] = gap(rec["road"]["ours_min"], road_best)
        rec["road"]["est_optimal_order_gap"] = gap(rec["road"]["est_optimal_order_min"], road_best)
        rec["orders"] = {"ours": order, "road_optimal": road_opt, "est_optimal": est_opt}
        rec["tour"] = {"ours": road_tour(inst, order, ours["drop_kg"]),
                       "ours_road_optimal_order": road_tour(inst, road_opt, ours["drop_kg"])}
    rec["tour_urgency"] = {"ours": float(np.mean(inst["rank"][np.asarray(order) - 1]))}
    replayed = replay_loads(inst, order)
    rec["replay_matches_ours"] = bool(np.allclose(replayed, ours["drop_kg"], atol=1e-6))
    rec["objective"] = {"ours": pc_objective(inst, est, order)}
    # The libraries cannot split a load: the heuristic's last drop may be cut to the room left.
    whole_kg = np.ceil(np.minimum(inst["carry_kg"], inst["payload_kg"])[np.asarray(order) - 1] - 1e-9).sum()
    rec["ours_fits_library_model"] = bool(whole_kg <= int(inst["payload_kg"])
                                          and tour_minutes(est, order) <= rules["max_tour_min"])
    if not libraries or road is None:
        return rec
    nodes = list(range(1, len(inst["rank"]) + 1))
    pc = {"required": first, "kg": np.minimum(inst["carry_kg"], inst["payload_kg"]), "prize": prizes(inst),
          "payload": inst["payload_kg"], "max_stops": rules["max_stops"], "max_minutes": rules["max_tour_min"]}
    rec["tsp"], rec["pc"] = {}, {}
    for name in libraries:
        solve = pyvrp_solve if name == "pyvrp" else ortools_solve
        # (a) The heuristic's stops, ordered by the library on the roads.
        lib_order, seconds = _timed(solve, road, order, **_library_args(name, settings, "tsp"))
        length = tour_minutes(road, lib_order) if sorted(lib_order) == sorted(order) else math.inf
        rec["tsp"][name] = {"s": seconds, "order": lib_order, "road_min": length,
                            "gap": gap(length, rec["road"]["optimum_min"])}
        # (b) Stops and order chosen by the library (prize-collecting, est minutes).
        lib_tour, seconds = _timed(solve, est, nodes, **pc, **_library_args(name, settings, "pc"))
        if not lib_tour:
            rec["pc"][name] = {"s": seconds, "feasible": False}
            continue
        kg = replay_loads(inst, lib_tour)
        rec["pc"][name] = {"s": seconds, "feasible": True, "order": lib_tour,
                           "ranks": [int(inst["rank"][s - 1]) for s in lib_tour],
                           "objective": pc_objective(inst, est, lib_tour),
                           "same_stops_as_ours": sorted(lib_tour) == sorted(order),
                           "tour": road_tour(inst, lib_tour, kg)}
        rec["tour_urgency"][name] = float(np.mean(inst["rank"][np.asarray(lib_tour) - 1]))
    return rec


def _q(values, q) -> float | None:
    values = [v for v in values if v is not None and math.isfinite(v)]
    return float(np.percentile(values, q)) if values else None


def _r(x, digits=4):
    return None if x is None else round(float(x), digits)


def summarise(records: list[dict], run_info: dict) -> dict:
    """Per scenario: order gaps, kg per tour-hour, time per call, the library cost per run."""
    tours = run_info["tours_per_run"]
    multi = [r for r in records if r["stops"] >= 2 and "road" in r]
    out = {**{k: v for k, v in run_info.items() if k != "plain_seconds"},
           "tours_analysed": len(records),
           "stops_per_tour": {str(k): sum(r["stops"] == k for r in records) for k in range(1, 6)},
           "planned_min_identity_breaches": sum(not r["planned_min_identity"] for r in records),
           "replay_differs_from_ours": sum(not r["replay_matches_ours"] for r in records)}
    order = {"tours_with_2plus_stops": len(multi)}
    for metric in ("est", "road"):
        gaps = [r[metric]["gap"] for r in multi]
        order[metric] = {"median_gap": _r(_q(gaps, 50)), "p95_gap": _r(_q(gaps, 95)), "max_gap": _r(_q(gaps, 100)),
                         "share_optimal": _r(np.mean([g <= TOLERANCE for g in gaps])) if gaps else None,
                         "share_over_1pct": _r(np.mean([g > 0.01 for g in gaps])) if gaps else None,
                         "share_over_5pct": _r(np.mean([g > 0.05 for g in gaps])) if gaps else None}
    eo = [r["road"]["est_optimal_order_gap"] for r in multi]
    order["road"]["est_optimal_order_median_gap"] = _r(_q(eo, 50))
    order["road"]["est_optimal_order_p95_gap"] = _r(_q(eo, 95))
    order["road"]["est_optimal_order_share_over_5pct"] = _r(np.mean([g > 0.05 for g in eo])) if eo else None
    ours_min = sum(r["road"]["ours_min"] for r in multi)
    order["road"]["minutes_saved_by_optimal_order_share"] = (
        _r(1 - sum(r["road"]["optimum_min"] for r in multi) / ours_min) if ours_min else None)
    out["order"] = order
    worst = sorted(multi, key=lambda r: -r["road"]["gap"])[:5]
    out["worst_road_order_examples"] = [
        {"tour_id": r["tour_id"], "depot_id": r["depot_id"], "now_h": _r(r["now_min"] / 60, 2), "stops": r["stops"],
         "ours_road_min": _r(r["road"]["ours_min"], 1), "optimum_road_min": _r(r["road"]["optimum_min"], 1),
         "gap": _r(r["road"]["gap"]), "est_gap": _r(r["est"]["gap"]), "orders": r["orders"]} for r in worst]
    plain = run_info.get("plain_seconds")
    timing = {"ours_build_tour": _timing(plain if plain is not None else [r["ours_s"] for r in records]),
              "ours_build_tour_in_the_capture_run": _timing([r["ours_s"] for r in records]),
              "oracle_order_brute_force": _timing([r["oracle_s"] for r in records]),
              "road_table_of_the_stops": _timing([r["road_table_s"] for r in records
                                                  if math.isfinite(r["road_table_s"][0])])}
    sampled = [r for r in records if "tsp" in r]
    if sampled:
        libs = list(sampled[0]["tsp"])
        tsp, pc = {}, {}
        for name in libs:
            t_gaps = [r["tsp"][name]["gap"] for r in sampled if r["stops"] >= 2]
            tsp[name] = {"optimal_share": _r(np.mean([g <= TOLERANCE for g in t_gaps])) if t_gaps else None,
                         "max_gap": _r(_q(t_gaps, 100))}
            timing[f"{name}_tsp"] = _timing([r["tsp"][name]["s"] for r in sampled])
            timing[f"{name}_prize_collecting"] = _timing([r["pc"][name]["s"] for r in sampled])
        pc = _pc_summary(sampled, libs)
        out["library_order"] = {"instances": len(sampled), **tsp}
        out["selection"] = pc
    out["time_per_call_ms"] = timing
    per_run = {"tours_per_run": tours, "budget_s": PLANNING_SHARE * M8_RUN_S}
    for key, t in timing.items():
        per_run[key + "_s"] = _r(t["mean_ms"] * tours / 1e3, 4) if t["mean_ms"] is not None else None
        per_run[key + "_cpu_s"] = _r(t["cpu_mean_ms"] * tours / 1e3, 4) if t["cpu_mean_ms"] is not None else None
    out["seconds_per_run"] = per_run
    return out


def _timing(pairs) -> dict:
    """Wall time per call (median, 95th percentile, mean) and CPU time (median, mean), ms, of (wall, cpu) pairs."""
    ms = [1e3 * w for w, _ in pairs]
    cpu = [1e3 * c for _, c in pairs]
    return {"n": len(ms), "median_ms": _r(_q(ms, 50), 3), "p95_ms": _r(_q(ms, 95), 3),
            "mean_ms": _r(float(np.mean(ms)), 3) if ms else None,
            "cpu_median_ms": _r(_q(cpu, 50), 3), "cpu_mean_ms": _r(float(np.mean(cpu)), 3) if cpu else None}


def _pc_summary(sampled: list[dict], libs) -> dict:
    """Load per tour-hour and the objective: ours, ours re-ordered, and each library's own tours."""
    methods = {"ours": lambda r: r["tour"]["ours"],
               "ours_road_optimal_order": lambda r: r["tour"]["ours_road_optimal_order"]}
    for name in libs:
        methods[name] = lambda r, name=name: r["pc"][name]["tour"] if r["pc"][name].get("feasible") else None
    out = {"instances": len(sampled),
           "ours_splits_a_load": sum(not r["ours_fits_library_model"] for r in sampled)}
    base = {r["tour_id"]: r["tour"]["ours"]["kg_per_h"] for r in sampled}
    for m, get in methods.items():
        tours = [(r, get(r)) for r in sampled]
        ok = [(r, t) for r, t in tours if t is not None and math.isfinite(t["tour_min"])]
        kg, minutes = sum(t["kg"] for _, t in ok), sum(t["tour_min"] for _, t in ok)
        ratio = [t["kg_per_h"] / base[r["tour_id"]] for r, t in ok if base[r["tour_id"]] > 0]
        entry = {"tours": len(ok), "kg_per_tour_hour_pooled": _r(kg / (minutes / 60.0), 1) if minutes else None,
                 "mean_stops": _r(np.mean([t["stops"] for _, t in ok]), 2) if ok else None,
                 "mean_kg": _r(np.mean([t["kg"] for _, t in ok]), 1) if ok else None,
                 "mean_tour_min": _r(np.mean([t["tour_min"] for _, t in ok]), 1) if ok else None,
                 "median_kg_per_h_ratio_to_ours": _r(_q(ratio, 50)), "p5_ratio": _r(_q(ratio, 5)),
                 "p95_ratio": _r(_q(ratio, 95)),
                 "mean_urgency_rank": _r(np.mean([r["tour_urgency"].get(m, r["tour_urgency"]["ours"])
                                                  for r, _ in ok]), 1) if ok else None}
        if m in libs:
            obj = [(r["objective"]["ours"], r["pc"][m]["objective"]) for r, _ in ok if r["ours_fits_library_model"]]
            entry["compared_where_ours_fits_the_model"] = len(obj)
            entry["share_same_stops_as_ours"] = _r(np.mean([r["pc"][m]["same_stops_as_ours"] for r, _ in ok]))
            entry["share_objective_better_than_ours"] = _r(np.mean([b < a - 1e-6 for a, b in obj])) if obj else None
            entry["share_objective_worse_than_ours"] = _r(np.mean([b > a + 1e-6 for a, b in obj])) if obj else None
            entry["mean_objective_gain_min"] = _r(np.mean([a - b for a, b in obj]), 2) if obj else None
            entry["infeasible"] = len(sampled) - len(ok)
        out[m] = entry
    return out


def run_scenario(scenario, *, seed=None, base_dir=".", sample: int = 300, top_k: int = 64, libraries=(),
                 settings: dict | None = None, timed_run: bool = True) -> dict:
    """Capture one run of ``scenario`` and analyse it; library solves on ``sample`` evenly spaced tours."""
    tours, info = capture(scenario, seed=seed, base_dir=base_dir, top_k=top_k, timed_run=timed_run)
    picked = set(np.unique(np.linspace(0, len(tours) - 1, min(sample, len(tours))).round().astype(int)).tolist()) \
        if tours and sample > 0 else set()
    records = []
    for k, inst in enumerate(tours):
        records.append(analyse(inst, libraries=libraries if k in picked else (), settings=settings))
    return summarise(records, info) | {"records": records}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", nargs="+", default=list(SCENARIOS), metavar="NAME",
                        help="built-in scenario names or YAML files (default: the three shipped ones)")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--sample", type=int, default=300, help="tours per scenario solved by the libraries")
    parser.add_argument("--candidates", type=int, default=64, help="most urgent candidates the libraries choose from")
    parser.add_argument("--time-limit", type=float, default=SETTINGS["time_limit"],
                        help="seconds per library call, at most")
    parser.add_argument("--pyvrp-tsp-no-improvement", type=int, default=SETTINGS["pyvrp_tsp_no_improvement"],
                        help="PyVRP orders a tour's stops until this many iterations bring no improvement")
    parser.add_argument("--pyvrp-pc-no-improvement", type=int, default=SETTINGS["pyvrp_pc_no_improvement"],
                        help="the same for the prize-collecting tour")
    parser.add_argument("--ortools-guided", action="store_true",
                        help="OR-Tools: guided local search until the time limit for the prize-collecting tour")
    parser.add_argument("--no-libraries", action="store_true", help="only the heuristic and the brute-force oracle")
    parser.add_argument("--records", action="store_true", help="keep every tour's figures in the JSON")
    parser.add_argument("--json", type=Path, metavar="OUT")
    args = parser.parse_args(argv)
    libraries = () if args.no_libraries else _available_libraries()
    settings = {"time_limit": args.time_limit, "pyvrp_tsp_no_improvement": args.pyvrp_tsp_no_improvement,
                "pyvrp_pc_no_improvement": args.pyvrp_pc_no_improvement, "ortools_guided": args.ortools_guided}
    report = {"config": {"seed": args.seed, "sample": args.sample, "candidates": args.candidates, **settings,
                         "libraries": _versions(libraries)}, "scenarios": {}}
    for name in args.scenario:
        scenario, base = _scenario(name)
        print(f"{name}: running and capturing …", file=sys.stderr, flush=True)
        start = time.perf_counter()
        summary = run_scenario(scenario, seed=args.seed, base_dir=base, sample=args.sample, top_k=args.candidates,
                               libraries=libraries, settings=settings)
        summary["benchmark_wall_s"] = round(time.perf_counter() - start, 1)
        if not args.records:
            summary.pop("records")
        report["scenarios"][name] = summary
        print(_table_row(summary), file=sys.stderr, flush=True)
    print(markdown(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=_json_default))
    return 0


def _scenario(name: str):
    from sim.scenarios import builtin_scenario_path, load_scenario

    path = Path(name)
    if path.exists():
        return load_scenario(path), path.parent
    path = builtin_scenario_path(name)
    return load_scenario(path), path.parent


def _available_libraries() -> tuple:
    out = []
    for name, module in (("pyvrp", "pyvrp"), ("ortools", "ortools.constraint_solver.pywrapcp")):
        try:
            __import__(module)
            out.append(name)
        except ImportError:
            print(f"{name} not installed: skipped (pip install -e '.[vrp]')", file=sys.stderr)
    return tuple(out)


def _versions(libraries) -> dict:
    from importlib.metadata import version

    return {name: version(name) for name in libraries}


def _json_default(x):
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    raise TypeError(type(x))


def _fmt(x, pct=False):
    if x is None:
        return "–"
    return f"{100 * x:.1f} %" if pct else f"{x:.2f}"


def _table_row(s: dict) -> str:
    o, t = s["order"]["road"], s["time_per_call_ms"]
    return (f"{s['scenario']}: {s['tours_per_run']} tours; road gap median {_fmt(o['median_gap'], True)}, "
            f"p95 {_fmt(o['p95_gap'], True)}; ours {_fmt(t['ours_build_tour']['cpu_median_ms'])} CPU ms/call")


def markdown(report: dict) -> str:
    """The per-scenario table of the README."""
    head = ("| scenario | tours (≥ 2 stops) | order gap to optimum, est: median / p95 | road: median / p95 "
            "| road gap > 5 % | ours CPU ms/call (median) | PyVRP order / prize ms | OR-Tools order / prize ms "
            "| kg per tour-hour: ours / optimal order / PyVRP / OR-Tools |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for name, s in report["scenarios"].items():
        o = s["order"]
        ms = functools.partial(_cpu_ms, s["time_per_call_ms"])
        kgh = functools.partial(_kg_per_h, s.get("selection", {}))
        lines.append(
            f"| {name} | {s['tours_per_run']} ({o['tours_with_2plus_stops']}) "
            f"| {_fmt(o['est']['median_gap'], True)} / {_fmt(o['est']['p95_gap'], True)} "
            f"| {_fmt(o['road']['median_gap'], True)} / {_fmt(o['road']['p95_gap'], True)} "
            f"| {_fmt(o['road']['share_over_5pct'], True)} | {ms('ours_build_tour')} "
            f"| {ms('pyvrp_tsp')} / {ms('pyvrp_prize_collecting')} "
            f"| {ms('ortools_tsp')} / {ms('ortools_prize_collecting')} "
            f"| {kgh('ours')} / {kgh('ours_road_optimal_order')} / {kgh('pyvrp')} / {kgh('ortools')} |")
    return "\n".join(lines)


def _cpu_ms(timing: dict, key: str) -> str:
    return _fmt(timing[key]["cpu_median_ms"]) if key in timing else "–"


def _kg_per_h(selection: dict, key: str) -> str:
    value = selection.get(key, {}).get("kg_per_tour_hour_pooled")
    return f"{value:.0f}" if value else "–"


if __name__ == "__main__":
    sys.exit(main())
