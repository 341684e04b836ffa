"""Which road segments were closed, from when until when, and why.

Read from the run's world, never recomputed: the hazard's scheduled road
changes (damage at the hit, bridges reopened on their repair schedule, water
rising and falling), the road outages' windows, the work sites crews clear
(debris, flooded points) and every road layer's state at the end of the run.

One row per closure of a segment (a segment closed twice has two rows):
``segment``, ``road_class``, ``length_m``, ``bridge``, ``cause``,
``closed_from_h`` and ``closed_until_h`` (hours on the run's clock: the
scheduled reopening, the end of the outage, or when the crew finished the
segment's work site; NaN when the segment was still closed at the end of the
run), ``reopened`` (how it reopened: ``repaired on schedule``, ``outage
ended``, ``water receded``, ``cleared by crews``, ``still closed at the end``)
and the end points ``lon0, lat0, lon1, lat1``.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.network.graph import RoadClass

__all__ = ["closure_table", "closed_km_by_class", "CLOSURE_COLUMNS"]

CLOSURE_COLUMNS = ("segment", "road_class", "length_m", "bridge", "cause", "closed_from_h", "closed_until_h",
                   "reopened", "lon0", "lat0", "lon1", "lat1")


def _reopen_reason(cause: str) -> str:
    if "repaired" in cause:
        return "repaired on schedule"
    return "water receded" if "flood" in cause or "water" in cause or "rain" in cause else "reopened on schedule"


def _hazard_intervals(world, first_edge, duration_min: float) -> list[tuple[int, str, float, float, str]]:
    """(segment, cause, from_min, until_min, reopened) from the hazard's scheduled changes (a reopening
    scheduled after the end of the run leaves the segment closed at the end)."""
    hazard = world.hazard
    if hazard is None or not hazard.road_changes:
        return []
    g = world.graph
    open_since: dict[int, tuple[float, str]] = {}
    rows = []
    for change in sorted(hazard.road_changes, key=lambda c: c.time_min):
        if change.time_min > duration_min:
            break
        segs = g.segment[change.edges]
        for seg, factor in zip(segs.tolist(), change.speed_factor.tolist()):
            if factor == 0.0 and seg not in open_since:
                open_since[seg] = (change.time_min, change.cause)
            elif factor > 0.0 and seg in open_since:
                since, cause = open_since.pop(seg)
                rows.append((seg, cause, since, change.time_min, _reopen_reason(change.cause)))
    sites = [s for s in hazard.work_sites if s.on_done is not None and len(s.on_done.edges)]
    crew_sites = dict(zip(g.segment[np.array([s.on_done.edges[0] for s in sites], dtype=np.int64)].tolist(), sites))
    clearing = getattr(world, "road_clearing", None)
    works = clearing.works if clearing is not None else {}
    hazard_layer = world.road_layers.layers.get("hazard")
    for seg, (since, cause) in open_since.items():
        still = hazard_layer is not None and hazard_layer[first_edge[seg]] == 0.0
        site = crew_sites.get(seg)
        if site is not None and site.cause:
            cause = site.cause
        if still or site is None:
            rows.append((seg, cause, since, math.inf, "still closed at the end"))
            continue
        work = works.get(seg)
        done = work.done_min if work is not None and work.done_min <= duration_min else math.inf
        rows.append((seg, cause, since, done, "cleared by crews"))
    return rows


def _outage_intervals(world, duration_min: float) -> list[tuple[int, str, float, float, str]]:
    rows = []
    for closure in world.outages.road_closures:
        ended = closure.end_min <= duration_min
        for seg in np.unique(closure.segments).tolist():
            rows.append((int(seg), "road outage", closure.start_min, closure.end_min if ended else math.inf,
                         "outage ended" if ended else "still closed at the end"))
    return rows


def _class_names(classes: np.ndarray) -> list[str]:
    """The lower-case :class:`~sim.network.graph.RoadClass` name of each road class code."""
    names = {c: RoadClass(c).name.lower() for c in np.unique(classes).tolist()}
    return [names[c] for c in classes.tolist()]


def closure_table(run) -> pd.DataFrame:
    """Every closure of a road segment in ``run`` (see the module docstring)."""
    world = run.world
    g = world.graph
    first_edge = np.unique(g.segment, return_index=True)[1]
    duration = run.scenario.duration
    rows = _hazard_intervals(world, first_edge, duration) + _outage_intervals(world, duration)
    if not rows:
        return pd.DataFrame(columns=list(CLOSURE_COLUMNS))
    seg = np.array([r[0] for r in rows], dtype=np.int64)
    edge = first_edge[seg]
    until = np.array([r[3] for r in rows], dtype=float)
    frame = pd.DataFrame({
        "segment": seg,
        "road_class": _class_names(g.road_class[edge]),
        "length_m": g.length_m[edge].astype(float),
        "bridge": g.is_bridge[edge].astype(bool),
        "cause": [r[1] for r in rows],
        "closed_from_h": np.array([r[2] for r in rows], dtype=float) / 60.0,
        "closed_until_h": np.where(np.isfinite(until), until / 60.0, np.nan),
        "reopened": [r[4] for r in rows],
        "lon0": g.lon[g.tails[edge]], "lat0": g.lat[g.tails[edge]],
        "lon1": g.lon[g.heads[edge]], "lat1": g.lat[g.heads[edge]],
    })
    return frame.sort_values(["closed_from_h", "segment"], kind="stable").reset_index(drop=True)


def closed_km_by_class(closures: pd.DataFrame, at_h: float) -> dict[str, float]:
    """Closed road length by road class at ``at_h`` hours: rows closed by then
    and not yet reopened (a row that reopened without a time counts only at
    its closing)."""
    if closures.empty:
        return {}
    until = closures["closed_until_h"].to_numpy(dtype=float)
    still = closures["reopened"].to_numpy() == "still closed at the end"
    open_ended = np.isnan(until) & ~still
    active = (closures["closed_from_h"].to_numpy() <= at_h) & (
        np.where(np.isnan(until), np.inf, until) > at_h)
    active &= ~(open_ended & (at_h > closures["closed_from_h"].to_numpy()))
    km = closures.loc[active].groupby("road_class")["length_m"].sum() / 1000.0
    return {str(k): round(float(v), 3) for k, v in km.items()}
