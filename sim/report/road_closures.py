"""Which road segments were closed, from when until when, and why.

Read from the run's road state, never recomputed: :class:`~sim.world.road_layers.RoadLayers`
records when each segment closed and reopened and which change did it (the hazard's
scheduled changes — damage at the hit, bridges repaired on schedule, water rising and
receding — a road outage's window, a crew finishing a work site), so the closures
add up, at every moment, to the closed road length the summary reports over time.

One row per closure of a segment (a segment closed twice has two rows):
``segment``, ``road_class``, ``length_m``, ``bridge``, ``cause`` (what closed it; a
segment a crew's work site holds carries the site's cause, e.g. the debris on it),
``closed_from_h`` and ``closed_until_h`` (hours on the run's clock; NaN while still
closed at the end), ``reopened`` (what reopened it: ``repaired on schedule``,
``outage ended``, ``water receded``, ``cleared by crews``, ``reopened on schedule``,
``still closed at the end``) and the end points ``lon0, lat0, lon1, lat1``. A
segment closed by two causes at once (debris, then a road outage) is one closure,
from the first closing to the last reopening.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.engine.outages import ROAD_OUTAGE_ENDED
from sim.network.graph import RoadClass

__all__ = ["closure_table", "closed_km_by_class", "CLOSURE_COLUMNS"]

CLOSURE_COLUMNS = ("segment", "road_class", "length_m", "bridge", "cause", "closed_from_h", "closed_until_h",
                   "reopened", "lon0", "lat0", "lon1", "lat1")

def _reopen_reason(cause: str, crew_causes: set[str]) -> str:
    """How a segment reopened, from the cause of the change that reopened it."""
    if cause in crew_causes:
        return "cleared by crews"
    if cause == ROAD_OUTAGE_ENDED:
        return "outage ended"
    if "repaired" in cause:
        return "repaired on schedule"
    return "water receded" if "flood" in cause or "water" in cause or "rain" in cause else "reopened on schedule"


def _closure_rows(world) -> list[tuple[int, str, float, float, str]]:
    """(segment, cause, from_min, until_min, reopened) of every closure the road state recorded."""
    layers = world.road_layers
    g = world.graph
    sites = [s for s in (world.hazard.work_sites if world.hazard is not None else ())
             if s.on_done is not None and len(s.on_done.edges)]
    site_cause = {seg: s.cause for s in sites if s.cause
                  for seg in np.unique(g.segment[np.asarray(s.on_done.edges, dtype=np.int64)]).tolist()}
    crew_causes = {s.on_done.cause for s in sites}
    rows = [(seg, site_cause.get(seg, why), since, until, _reopen_reason(how, crew_causes))
            for seg, since, until, why, how in layers.closures]
    rows += [(seg, site_cause.get(seg, why), since, math.inf, "still closed at the end")
             for seg, since, why in layers.still_closed()]
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
    rows = _closure_rows(world)
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
