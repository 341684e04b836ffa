"""Planning cost against the size of the district: is it linear in the work?

A built-in scenario on the built-in district (default: ``m8_earthquake``) is run
with a share of its 658 community zones (``--fractions``, default 1/8, 1/4,
1/2 and all): a sample of the zones drawn once per share, in proportion from
every township (at least one each, so every township reserve keeps its
area), written as a zones CSV of the same district; every depot's stock and
trucks are scaled by the same share (at least one truck where there was
one), so a smaller district is the same disaster with proportionally less
of everything, and the work — tours to plan — falls about in proportion.

Each size is run ``--repeats`` times warm (the first run of the process
compiles and caches) with the command centre timed as in
``bench_engine.py`` (``planning``: every method of
:class:`sim.dispatch.command.Command`, the tour planner inside it, without
the routing, task assignment and needs calls inside them), and
reports per size the zones, the tours planned, the CPU seconds of the run
and of planning (medians) and planning per tour; then the slope of
log(planning seconds) against log(zones) and against log(tours) (least
squares). Planning that grows linearly with the work has a slope near 1
against tours; the slope against zones says how the whole grows with the
district (``LINEAR_SLOPE_MAX``: the most that still counts as linear, a
choice, not a published figure). Ratios and slopes compare across machines;
the seconds only on one.

Usage::

    python benchmarks/planning_scaling.py [SCENARIO] [--fractions 0.125,0.25,0.5,1]
        [--repeats 3] [--json OUT]
"""
from __future__ import annotations

import argparse
import copy
import json
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_engine import Split, instrumented  # noqa: E402

from sim.api import run  # noqa: E402
from sim.errors import InputError  # noqa: E402
from sim.scenarios import builtin_scenario_path, load_scenario  # noqa: E402

#: The largest slope of log planning time against log tours that counts as linear (a choice).
LINEAR_SLOPE_MAX = 1.2
SAMPLE_SEED = 2026


def sample_zones(zones, fraction: float, seed: int = SAMPLE_SEED):
    """About ``fraction`` of ``zones`` (the district's zone table), in proportion from every
    township and at least one from each, in the table's order."""
    rng = np.random.default_rng(seed)
    keep = []
    for _, rows in zones.groupby("township", sort=True):
        n = max(1, math.floor(fraction * len(rows) + 0.5))
        keep.extend(rng.choice(rows.index.to_numpy(), size=min(n, len(rows)), replace=False).tolist())
    return zones.loc[sorted(keep)]


def scaled_scenario(doc: dict, fraction: float) -> dict:
    """``doc`` with every depot's stock (and agreement stock) and truck count scaled by ``fraction``."""
    out = copy.deepcopy(doc)
    for depot in out.get("depots", []):
        for holder in (depot, depot.get("agreement") or {}):
            if "stock" in holder:
                holder["stock"] = {item: math.ceil(n * fraction) for item, n in holder["stock"].items()}
        trucks = depot.get("trucks")
        if trucks and trucks.get("count", 0) > 0:
            trucks["count"] = max(1, math.floor(trucks["count"] * fraction + 0.5))
    return out


def write_size(doc: dict, zones, fraction: float, folder: Path) -> tuple[Path, int]:
    """The scenario of one size in ``folder``: its zones CSV and YAML; returns (path, zones)."""
    sample = sample_zones(zones, fraction)
    csv = folder / f"zones_{fraction:g}.csv"
    sample[["zone_id", "township", "lon", "lat", "population", "vulnerable_share"]].to_csv(csv, index=False)
    sized = scaled_scenario(doc, fraction)
    sized["region"] = {**sized["region"], "zones": {"csv": csv.name}}
    path = folder / f"scenario_{fraction:g}.yaml"
    path.write_text(yaml.safe_dump(sized, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path, len(sample)


def measure_size(path: Path, repeats: int) -> dict:
    """Median CPU seconds of a warm run and of its planning, and the tours it planned."""
    scenario = load_scenario(path)
    runs, plans, tours = [], [], []
    split = Split()
    instrumented(split)
    try:
        for _ in range(repeats):
            split.seconds.clear()
            cpu = time.process_time()
            result = run(scenario, base_dir=path.parent)
            runs.append(time.process_time() - cpu)
            plans.append(split.seconds.get("planning", 0.0))
            tours.append(int(result.world.command.planner.tours_sent.sum()))
    finally:
        split.restore()
    return {"run_cpu_s": round(statistics.median(runs), 4), "planning_s": round(statistics.median(plans), 4),
            "tours": int(statistics.median(tours))}


def slope(x, y) -> float:
    """Least-squares slope of log ``y`` against log ``x``."""
    return float(np.polyfit(np.log(np.asarray(x, float)), np.log(np.asarray(y, float)), 1)[0])


def measure(name: str, fractions: list[float], repeats: int) -> dict:
    from sim.network.district import build_district

    source = builtin_scenario_path(name)
    doc = yaml.safe_load(source.read_text(encoding="utf-8"))
    if doc.get("region", {}).get("zones", {}).get("builtin") != "district":
        raise InputError(f"{name}: the scaling benchmark needs a scenario on the built-in district's zones; "
                         f"name one that uses them (e.g. m8_earthquake)")
    zones = build_district().zones
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        run(load_scenario(source))                       # warm: kernels, the district, the routing hierarchy
        for fraction in fractions:
            path, n_zones = write_size(doc, zones, fraction, folder)
            row = {"fraction": fraction, "zones": n_zones, **measure_size(path, repeats)}
            row["planning_ms_per_tour"] = round(1e3 * row["planning_s"] / max(row["tours"], 1), 3)
            row["planning_share"] = round(row["planning_s"] / row["run_cpu_s"], 4) if row["run_cpu_s"] else None
            rows.append(row)
    usable = [r for r in rows if r["tours"] > 0 and r["planning_s"] > 0]
    out = {"scenario": name, "repeats": repeats, "sizes": rows, "linear_slope_max": LINEAR_SLOPE_MAX}
    if len(usable) >= 2:
        out["slope_planning_vs_zones"] = round(slope([r["zones"] for r in usable], [r["planning_s"] for r in usable]), 3)
        out["slope_planning_vs_tours"] = round(slope([r["tours"] for r in usable], [r["planning_s"] for r in usable]), 3)
        out["slope_run_vs_zones"] = round(slope([r["zones"] for r in usable], [r["run_cpu_s"] for r in usable]), 3)
        out["linear_in_the_work"] = out["slope_planning_vs_tours"] <= LINEAR_SLOPE_MAX
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default="m8_earthquake")
    ap.add_argument("--fractions", default="0.125,0.25,0.5,1")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", metavar="OUT")
    args = ap.parse_args(argv)
    try:
        fractions = sorted({float(f) for f in args.fractions.split(",") if f.strip()})
    except ValueError:
        ap.error(f"--fractions: expected comma-separated numbers in (0, 1], got {args.fractions!r}")
    if not fractions or any(not 0 < f <= 1 for f in fractions):
        ap.error(f"--fractions: every share must be in (0, 1], got {args.fractions!r}")
    if args.repeats < 1:
        ap.error("--repeats: at least 1")
    try:
        out = measure(args.scenario, fractions, args.repeats)
    except InputError as err:
        print("\n".join(err.lines), file=sys.stderr)
        return 2
    print(f"{'share':>6} {'zones':>6} {'tours':>6} {'run CPU':>9} {'planning':>9} {'share':>6} {'ms/tour':>8}")
    for r in out["sizes"]:
        print(f"{r['fraction']:6.3g} {r['zones']:6d} {r['tours']:6d} {r['run_cpu_s']:8.3f}s {r['planning_s']:8.3f}s "
              f"{100 * (r['planning_share'] or 0):5.1f}% {r['planning_ms_per_tour']:8.3f}")
    if "slope_planning_vs_tours" in out:
        print(f"slope of log planning time: {out['slope_planning_vs_zones']:.2f} against log zones, "
              f"{out['slope_planning_vs_tours']:.2f} against log tours (linear: ≤ {LINEAR_SLOPE_MAX}); "
              f"the whole run {out['slope_run_vs_zones']:.2f} against log zones")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
