"""Monotonicity study: does every investment leave the headline KPIs no worse?

For each shipped scenario and each investment a logistician expects to help,
paired replications on common random numbers (one batch per scenario through
:func:`sim.experiments.batch.run_batch`, replication *i* of every variant on
the same seed) give the mean change of each headline KPI with its 95 %
interval (:func:`sim.experiments.statistics.paired_statistics`):

* first district supplies within 3 h, people relieved within 8 h and 12 h
  (shares of sites and of affected people; higher is better);
* unmet need at the end, in kilograms (every item's unmet units times its
  unit weight; lower is better).

A change is flagged **worse** when its whole interval lies on the bad side of
zero (for a share: the upper bound below 0; for unmet need: the lower bound
above 0), and **better** when it lies on the good side.

Investments (each where it applies):

* ``trucks x2`` — every depot's fleet doubled;
* ``bays x2`` — every depot's loading bays doubled;
* ``stock x1.5`` — every depot's physical stock times 1.5;
* ``warning +6h`` (rainfall) — the warning 6 h earlier. The shipped rainstorm
  starts 12 h into the run with a 12 h lead, so its warning is already at the
  start of the run and cannot come earlier; the pairs are therefore a 6 h
  lead against the shipped 12 h (``warning 6h→12h``) and no lead against a
  6 h one (``warning 0h→6h``);
* ``retrofit`` (earthquake) — the ``retrofit`` intervention on all bridges,
  fragility factor 1.5;
* ``street depot`` — an ``add_depot`` intervention: a street depot with
  stock and trucks at the community of the most affected township (by the
  scenario's own seed) with the most affected people.
* ``sat phones`` (where communications fail: a ``comms`` outage window or
  an earthquake's ``comms_damage``) — the ``sat_phones`` intervention for
  every depot, team and community.

Usage::

    python benchmarks/monotonicity.py [--replications 20] [--scenarios NAME ...] [--investments NAME ...]
                                      [--workers 1] [--out DIR] [--json OUT] [--markdown]

``--out`` keeps the batches (one folder per scenario) so an interrupted study
resumes; without it they go to a temporary folder.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SCENARIOS = ("baseline_normal_traffic", "m8_earthquake", "extreme_rainfall", "three_outages", "four_outages")
SHARES = ("first_supplies_within_3h", "relief_within_8h", "relief_within_12h")
UNMET = "unmet_need_kg"
KPIS = (*SHARES, UNMET)
BASE = "shipped"
#: The added street depot: what it holds and sends.
STREET_DEPOT = {"id": "street-added", "tier": "street",
                "stock": {"water_l": 40000, "food_ration": 20000, "bedding": 5000},
                "trucks": {"count": 6, "payload_kg": 3000}, "loading_bays": 2,
                "load_time": "15min", "unload_time": "15min", "backup_power": True}


Change = Callable[[dict, dict], dict]


@dataclass(frozen=True)
class Investment:
    """An investment: the pair of variants it is judged on.

    ``before`` is the variant the change is measured from and ``after`` the
    variant with the investment, each a ``(name, change)`` of the scenario's
    data, or ``None`` for the shipped scenario.
    """

    name: str
    applies: Callable[[dict], bool]
    after: tuple[str, Change] | None
    before: tuple[str, Change] | None = None


def _every_depot(data: dict, change) -> dict:
    for depot in data["depots"]:
        change(depot)
    return data


def _double_trucks(data: dict, _ctx: dict) -> dict:
    return _every_depot(data, lambda d: d["trucks"].update(count=2 * d["trucks"]["count"]))


def _double_bays(data: dict, _ctx: dict) -> dict:
    return _every_depot(data, lambda d: d.update(loading_bays=2 * d["loading_bays"]))


def _more_stock(data: dict, _ctx: dict) -> dict:
    return _every_depot(data, lambda d: d.update(stock={k: math.floor(1.5 * v) for k, v in d["stock"].items()}))


def _warning_lead(hours: float) -> Change:
    def change(data: dict, _ctx: dict) -> dict:
        data["hazard"]["warning_lead"] = f"{hours:g}h"
        return data
    return change


def _retrofit(data: dict, _ctx: dict) -> dict:
    data["interventions"] = [{"type": "retrofit", "bridges": "all", "fragility_factor": 1.5}]
    return data


def _street_depot(data: dict, ctx: dict) -> dict:
    data["interventions"] = [{"type": "add_depot", "depot": {**STREET_DEPOT, "at": {"node": ctx["hot_node"]}}}]
    return data


def _sat_phones(data: dict, _ctx: dict) -> dict:
    data["interventions"] = [{"type": "sat_phones", "agents": group}
                             for group in ("all_depots", "all_teams", "all_zones")]
    return data


def _comms_fail(data: dict) -> bool:
    return bool((data.get("outages") or {}).get("comms")) or bool((data.get("hazard") or {}).get("comms_damage"))


def _hazard(kind: str):
    return lambda data: (data.get("hazard") or {}).get("type") == kind


def _always(data: dict) -> bool:
    return True


def _shipped_warning(hours: float):
    return lambda data: _hazard("rainfall")(data) and data["hazard"]["warning_lead"] == f"{hours:g}h"


INVESTMENTS = (
    Investment("trucks x2", _always, ("trucks x2", _double_trucks)),
    Investment("bays x2", _always, ("bays x2", _double_bays)),
    Investment("stock x1.5", _always, ("stock x1.5", _more_stock)),
    Investment("warning 6h→12h", _shipped_warning(12), None, before=("warning lead 6h", _warning_lead(6))),
    Investment("warning 0h→6h", _shipped_warning(12), ("warning lead 6h", _warning_lead(6)),
               before=("warning lead 0h", _warning_lead(0))),
    Investment("retrofit", _hazard("earthquake"), ("retrofit", _retrofit)),
    Investment("street depot", _always, ("street depot", _street_depot)),
    Investment("sat phones", _comms_fail, ("sat phones", _sat_phones)),
)


# ------------------------------------------------------------ variants
def most_affected_node(scenario, base_dir: Path) -> tuple[str, int]:
    """The most affected township (by the scenario's own seed) and the node of its most affected zone."""
    from sim.world.world import build_world

    world = build_world(scenario, base_dir=base_dir)
    by_township: dict[str, int] = {}
    for zone in world.zones:
        by_township[zone.township] = by_township.get(zone.township, 0) + zone.affected
    township = max(sorted(by_township), key=lambda t: by_township[t])
    zone = max((z for z in world.zones if z.township == township), key=lambda z: (z.affected, -z.index))
    return township, int(zone.node)


def _scenario_of(data: dict):
    from sim.scenarios.checks import check_scenario
    from sim.scenarios.interventions import apply_interventions
    from sim.scenarios.models import Scenario

    scenario = Scenario.model_validate(data)
    problems = check_scenario(scenario)
    if problems:
        raise ValueError(f"{data.get('name')}: {problems}")
    return apply_interventions(scenario) if scenario.interventions else scenario


def study_variants(scenario, base_dir: Path, investments=None):
    """The batch's variants (the shipped scenario first) and the pairs ``(investment, before, after)``
    of the ``investments`` named (default: all)."""
    import copy

    from sim.experiments.sweep import Variant

    base_data = scenario.model_dump(mode="json")
    township, node = most_affected_node(scenario, base_dir)
    ctx = {"hot_township": township, "hot_node": node}
    variants = {BASE: Variant(BASE, {}, scenario, base_dir.resolve())}
    pairs = []
    for inv in INVESTMENTS:
        if not inv.applies(base_data) or (investments is not None and inv.name not in investments):
            continue
        for side in (inv.before, inv.after):
            if side is not None and side[0] not in variants:
                name, change = side
                variants[name] = Variant(name, {"variant": name}, _scenario_of(change(copy.deepcopy(base_data), ctx)),
                                         base_dir.resolve())
        pairs.append((inv.name, *(BASE if side is None else side[0] for side in (inv.before, inv.after))))
    return list(variants.values()), pairs, ctx


# ------------------------------------------------------------ statistics
def with_unmet_kg(rows, scenario):
    """``rows`` with the :data:`UNMET` column: unmet units times unit weights, summed over items."""
    weights = scenario.item_weights_kg.model_dump()
    rows = rows.copy()
    rows[UNMET] = sum(rows[c].fillna(0.0) * weights[c[len("unmet_"):]]
                      for c in rows.columns if c.startswith("unmet_") and c[len("unmet_"):] in weights)
    return rows


def changes(rows, pairs) -> list[dict]:
    """One row per (investment, KPI): the mean paired change with its interval and the flag."""
    from sim.experiments.statistics import paired_statistics

    ok = rows[rows["status"] == "ok"]
    by_variant = {name: df.set_index("replication").sort_index() for name, df in ok.groupby("variant")}
    out = []
    for investment, before_name, after_name in pairs:
        before, after = by_variant[before_name], by_variant[after_name]
        common = before.index.intersection(after.index)
        for kpi in KPIS:
            s = paired_statistics(before.loc[common, kpi].to_numpy(float), after.loc[common, kpi].to_numpy(float),
                                  share=kpi in SHARES)
            lower_is_better = kpi == UNMET
            worse = s["diff_ci_low"] > 0 if lower_is_better else s["diff_ci_high"] < 0
            better = s["diff_ci_high"] < 0 if lower_is_better else s["diff_ci_low"] > 0
            diff = after.loc[common, kpi].to_numpy(float) - before.loc[common, kpi].to_numpy(float)
            pairs_worse = int((diff * (-1 if lower_is_better else 1) < -1e-9).sum())
            out.append({"investment": investment, "kpi": kpi, "n_pairs": s["n_pairs"],
                        "before_mean": s["before_mean"], "after_mean": s["after_mean"],
                        "change": s["diff_mean"], "ci_low": s["diff_ci_low"], "ci_high": s["diff_ci_high"],
                        "method": s["diff_method"], "pairs_worse": pairs_worse,
                        "pairs_changed": int((np.abs(diff) > 1e-9).sum()),
                        "flag": "WORSE" if worse else ("better" if better else "")})
    return out


# ------------------------------------------------------------ the study
def run_scenario(name: str, replications: int, workers: int, out_dir: Path, investments=None) -> dict:
    from sim.experiments.batch import run_batch
    from sim.experiments.results import read_results
    from sim.scenarios import builtin_scenario_path, load_scenario

    path = builtin_scenario_path(name)
    scenario = load_scenario(path)
    variants, pairs, ctx = study_variants(scenario, path.parent, investments)
    started = time.perf_counter()
    run_batch(scenario, replications=replications, variants=variants, out_dir=out_dir, workers=workers,
              resume=(out_dir / "batch.json").exists(), base_dir=path.parent, scenario_file=str(path))
    wall = time.perf_counter() - started
    rows = with_unmet_kg(read_results(out_dir), scenario)
    failed = int((rows["status"] != "ok").sum())
    return {"scenario": name, "replications": replications, "variants": [v.name for v in variants],
            "street_depot": ctx, "wall_s": round(wall, 1), "failed_runs": failed, "changes": changes(rows, pairs)}


def _fmt(value: float, kpi: str) -> str:
    if not math.isfinite(value):
        return "n/a"
    return f"{100 * value:+.1f}" if kpi in SHARES else f"{value:+,.0f}"


def _cell(c: dict, markdown: bool) -> str:
    if c["pairs_changed"] == 0:
        return "no change in any pair"
    kpi = c["kpi"]
    text = f"{_fmt(c['change'], kpi)} [{_fmt(c['ci_low'], kpi)}, {_fmt(c['ci_high'], kpi)}]"
    if c["flag"]:
        text += f" **{c['flag']}**" if markdown else f" {c['flag']}"
    return text


def format_levels(results: list[dict]) -> str:
    """The shipped scenarios' means of the headline KPIs, for reading the changes."""
    lines = []
    for res in results:
        first = {c["kpi"]: c for c in res["changes"] if c["investment"] == res["changes"][0]["investment"]}
        base = first if all(k in first for k in KPIS) else {}
        if not base:
            continue
        shares = ", ".join(f"{k} {100 * base[k]['before_mean']:.1f} %" for k in SHARES)
        lines.append(f"{res['scenario']}: {shares}, {UNMET} {base[UNMET]['before_mean']:,.0f}")
    return "\n".join(lines)


def format_table(results: list[dict], markdown: bool = False) -> str:
    """Scenario × investment × KPI: change [95 % CI] and the flag (shares in points, unmet need in kg)."""
    head = ["scenario", "investment", *KPIS]
    lines = []
    if markdown:
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for res in results:
        by_inv: dict[str, dict[str, dict]] = {}
        for c in res["changes"]:
            by_inv.setdefault(c["investment"], {})[c["kpi"]] = c
        for inv, cells in by_inv.items():
            texts = [_cell(cells[kpi], markdown) for kpi in KPIS]
            row = [res["scenario"], inv, *texts]
            lines.append("| " + " | ".join(row) + " |" if markdown else "  ".join(
                [f"{row[0]:<24}", f"{row[1]:<13}", *(f"{t:<34}" for t in texts)]))
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS), choices=SCENARIOS, metavar="NAME")
    parser.add_argument("--investments", nargs="+", choices=[i.name for i in INVESTMENTS], metavar="NAME",
                        help="only these investments (default: all)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--out", type=Path, help="keep the batches here (resumable)")
    parser.add_argument("--json", type=Path, metavar="OUT")
    parser.add_argument("--markdown", action="store_true", help="print the table in Markdown")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="monotonicity_") as tmp:
        root = args.out or Path(tmp)
        results = []
        for name in args.scenarios:
            res = run_scenario(name, args.replications, args.workers, root / name, args.investments)
            results.append(res)
            print(f"{name}: {args.replications} replications x {len(res['variants'])} variants in "
                  f"{res['wall_s']:.0f} s" + (f", {res['failed_runs']} runs failed" if res["failed_runs"] else ""),
                  file=sys.stderr)
            if args.json:
                args.json.write_text(json.dumps({"kpis": list(KPIS), "results": results}, indent=2) + "\n")
    print("change after − before, mean [95 % CI] over paired replications: shares in points, unmet need in kg; "
          "WORSE = the interval lies on the bad side of 0")
    print(format_table(results, markdown=args.markdown))
    print(format_levels(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
