"""Mutual aid in a run's summary: what came in, and whether a neighbour's request was met.

A request is **met** when every unit asked for was handed over at its exit
within ``within`` of the request *and* sending it cost the region none of its
own targets: each share its verdicts judge (first supplies, city supplies,
relief) is the same or better than in the run of the same scenario and seed
without the requests (:attr:`sim.engine.simulation.Run.without_requests`,
common random numbers, so the difference is the requests' doing).
"""
from __future__ import annotations

import math

from sim.scenarios.checks import aid_depot_id
from sim.scenarios.items import ITEMS

__all__ = ["mutual_aid_figures", "own_target_shares"]


def own_target_shares(verdicts: list[dict]) -> dict[str, float | None]:
    """``{"district_supplies 3h": share, ...}``: the shares of the region's own verdicts."""
    return {f"{v['target']} {v['within_h']:g}h": v["share"] for v in verdicts if v["target"] != "aid_request"}


def mutual_aid_figures(run, verdicts: list[dict], without_verdicts: list[dict] | None) -> dict:
    """The ``mutual_aid`` section of ``summary.json`` and one verdict per request."""
    sc = run.scenario
    inbound = []
    for aid in sc.mutual_aid.inbound:
        inbound.append({"region": aid.region, "depot": aid_depot_id(sc, aid.depot, inbound=True),
                        "arrives_h": aid.lead_time / 60, "in_run": bool(aid.lead_time <= sc.duration),
                        "units": aid.stock.as_dict(nonzero=True)})
    requests, request_verdicts = [], []
    with_shares = own_target_shares(verdicts)
    without_shares = own_target_shares(without_verdicts) if without_verdicts is not None else {}
    cost = {k: {"with": with_shares[k], "without": without_shares.get(k)} for k in with_shares
            if without_shares.get(k) is not None and (with_shares[k] or 0.0) < without_shares[k] - 1e-12}
    for request in run.world.aid_requests:
        handed_h = (None if request.handed_over_min == math.inf else
                    float(request.handed_over_min - request.at_min) / 60)
        within_h = float(request.due_min - request.at_min) / 60
        in_time = bool(handed_h is not None and handed_h <= within_h + 1e-9)
        entry = {"region": request.region, "depot": run.world.depots[request.depot_index].depot_id,
                 "asked_at_h": request.at_min / 60, "within_h": within_h,
                 "asked": {i: float(a) for i, a in zip(ITEMS, request.asked) if a > 0},
                 "handed_over": {i: float(a) for i, a in zip(ITEMS, request.delivered) if a > 0},
                 "handed_over_h": None if handed_h is None else round(handed_h, 4),
                 "in_time": in_time, "own_targets_lost": cost}
        requests.append(entry)
        request_verdicts.append({"target": "aid_request", "region": request.region, "within_h": within_h,
                                 "share": float(min(1.0, (request.delivered.sum() / request.asked.sum())))
                                 if request.asked.sum() else None,
                                 "met": bool(in_time and not cost)})
    return {"inbound": inbound, "requests": requests}, request_verdicts
