"""Dispatch quality of one run: load sizes, stock idle beside unmet need, rescue crews per site.

What a logistician checks first in a dispatch plan, measured on the event log
and the final state of one run of a scenario (same seed, same figures):

* ``loads``: number of truckloads, median and mean load (kg), loads of 10 kg
  or less, the mean load in each quarter of the run;
* ``idle_stock``: per item, stock left at depots at the end while affected
  zones those depots can reach still lack that item (both amounts);
* ``rescue``: in the first 2 h, how many crews of each rescue kind started work
  at each site, and the most crews at one site.

Usage: python benchmarks/dispatch_quality.py [SCENARIO ...] [--seed N] [--json OUT]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.api import run  # noqa: E402
from sim.errors import InputError  # noqa: E402
from sim.scenarios import DEFAULT_SCENARIO, builtin_scenario_path, load_scenario  # noqa: E402
from sim.scenarios.items import ITEMS  # noqa: E402

RESCUE_LABELS = ("sar", "rescue")


def _scenario(name: str):
    path = Path(name)
    return load_scenario(path if path.exists() else builtin_scenario_path(name))


def measure(result) -> dict:
    w = result.world
    ev = result.events_frame()
    loads = ev[ev["kind"] == "load"]
    kg = loads["amount"].to_numpy(dtype=float)
    duration = result.scenario.duration
    quarters = {}
    for q in range(4):
        lo, hi = q * duration / 4, (q + 1) * duration / 4
        part = kg[(loads["time_min"].to_numpy() >= lo) & (loads["time_min"].to_numpy() < hi)]
        quarters[f"q{q + 1}_mean_kg"] = round(float(part.mean()), 1) if len(part) else None
    idle = {}
    end = duration - 1e-6                       # rations due at the very end are not late
    unmet = {z.zone_id: z.unmet(end) for z in w.zones if z.is_affected}
    for item in ITEMS:
        lacking = [z for z in w.zones if z.is_affected and unmet[z.zone_id].get(item, 0.0) > 1e-9]
        holding = [d for d in w.depots if d.stock.get(item, 0.0) > 0]
        if not lacking or not holding:
            continue
        nodes = np.array([z.node for z in lacking])
        in_reach = np.zeros(len(lacking), dtype=bool)
        stock_left = 0.0
        for d in holding:
            reach = np.isfinite(w.router.times_from(d.node)[nodes])
            if reach.any():
                stock_left += d.stock[item]
                in_reach |= reach
        if in_reach.any():
            idle[item] = {"stock_left": stock_left,
                          "unmet_in_reach": float(sum(unmet[z.zone_id][item] for z, r in zip(lacking, in_reach) if r)),
                          "zones_lacking": int(in_reach.sum())}
    starts = ev[(ev["kind"] == "task_start") & ev["item"].isin(RESCUE_LABELS) & (ev["time_min"] <= 120.0)]
    per_site = starts.groupby("zone")["agent"].nunique() if len(starts) else None
    return {
        "scenario": result.scenario.name, "seed": result.seed,
        "loads": {"count": int(len(kg)), "median_kg": round(float(np.median(kg)), 1) if len(kg) else None,
                  "mean_kg": round(float(kg.mean()), 1) if len(kg) else None,
                  "loads_10kg_or_less": int((kg <= 10.0).sum()), **quarters},
        "idle_stock": idle,
        "rescue_first_2h": {"crews_started": int(starts["agent"].nunique()) if len(starts) else 0,
                            "sites": int(len(per_site)) if per_site is not None else 0,
                            "most_crews_at_one_site": int(per_site.max()) if per_site is not None else 0},
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("scenarios", nargs="*", default=[DEFAULT_SCENARIO])
    p.add_argument("--seed", type=int)
    p.add_argument("--json", metavar="OUT")
    args = p.parse_args(argv)
    try:
        scenarios = [_scenario(name) for name in args.scenarios]
    except InputError as err:
        print("\n".join(err.lines), file=sys.stderr)
        return 2
    out = [measure(run(scenario, seed=args.seed)) for scenario in scenarios]
    print(json.dumps(out, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
