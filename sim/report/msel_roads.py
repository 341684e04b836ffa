"""The road injects of the exercise event list: what each cause closed and reopened.

Read from the run's road state (:class:`~sim.world.road_layers.RoadLayers`: each
segment's closures and which change closed and reopened it), so an inject states
the km its own cause closed or reopened in its minutes and the km closed in the
whole network right after its last change; the first change on its own, the rest
per block of :data:`~sim.report.msel_rows.BLOCK_H` hours and cause.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.report.msel_rows import BLOCK_H, EOC, Inject, run_clock

__all__ = ["RoadSteps", "road_steps_of_layers", "road_changes"]


@dataclass(frozen=True)
class RoadSteps:
    """The road changes of a run, minute by minute: ``minutes`` (ascending, every minute some
    road changed), ``closed_km`` (the network's closed length right after that minute's
    changes) and ``km`` ((minute, cause) -> km that cause closed at that minute, negative
    when it reopened them)."""

    minutes: np.ndarray
    closed_km: np.ndarray
    km: dict

    def closed_after(self, minute: float) -> float:
        """The network's closed km right after the changes of ``minute``."""
        k = int(np.searchsorted(self.minutes, minute, side="right")) - 1
        return float(self.closed_km[k]) if k >= 0 else 0.0

    def change(self, minutes, cause: str) -> float:
        """Km ``cause`` closed (negative: reopened) at ``minutes`` (each minute counted once)."""
        return float(sum(self.km.get((m, cause), 0.0) for m in dict.fromkeys(minutes)))


def road_steps_of_layers(roads) -> RoadSteps:
    """:class:`RoadSteps` from the road state (:class:`~sim.world.road_layers.RoadLayers`): each
    segment's closures (``roads.closures`` and ``roads.still_closed()``) with the length of its
    first edge, each closing and reopening counted for the cause of the change that did it."""
    g = roads.graph
    ids, first_edge = np.unique(g.segment, return_index=True)
    rows = [(seg, since, why, 1.0) for seg, since, _, why, _ in roads.closures]
    rows += [(seg, until, how, -1.0) for seg, _, until, _, how in roads.closures]
    rows += [(seg, since, why, 1.0) for seg, since, why in roads.still_closed()]
    if not rows:
        return RoadSteps(np.zeros(0), np.zeros(0), {})
    seg = np.array([r[0] for r in rows], dtype=np.int64)
    km = g.length_m[first_edge[np.searchsorted(ids, seg)]].astype(float) / 1000.0 * np.array([r[3] for r in rows])
    frame = pd.DataFrame({"minute": np.array([r[1] for r in rows], dtype=float),
                          "cause": [str(r[2]) for r in rows], "km": km})
    by_cause = frame.groupby(["minute", "cause"], sort=True)["km"].sum()
    by_minute = frame.groupby("minute", sort=True)["km"].sum()
    return RoadSteps(by_minute.index.to_numpy(dtype=float), np.cumsum(by_minute.to_numpy(dtype=float)),
                     {(float(m), c): float(v) for (m, c), v in by_cause.items()})


def _road_phrase(cause: str, n: int) -> tuple[str, str, str, str]:
    """(what happened, sender, expected action, objective) for ``n`` road changes of ``cause``."""
    s = "s" if n != 1 else ""
    if "debris cleared" in cause:
        return (f"road-repair crews cleared debris at {n} site{s}", "road-repair crews",
                "update the open-route map; send convoys through the reopened streets", "Critical Transportation")
    if "repaired" in cause:
        if "(slight" in cause or "(moderate" in cause:      # slowed by the damage, never closed
            state = cause.split("(", 1)[1].split(" ", 1)[0]
            return (f"{n} bridge{s} slowed by {state} damage back to full speed (never closed)", "bridge engineers",
                    "update the open-route map", "Infrastructure Systems; Critical Transportation")
        return (f"{n} bridge{s} {cause.replace('bridge ', '', 1)}", "bridge engineers",
                "update the open-route map", "Infrastructure Systems; Critical Transportation")
    if "pumped" in cause:
        return (f"pumping crews cleared {n} flooded point{s}", "pumping crews", "update the open-route map",
                "Infrastructure Systems")
    return (f"roads: {cause} ({n} change{s})", "traffic police", "re-route convoys around closed roads",
            "Critical Transportation")


def road_changes(events: pd.DataFrame, summary: dict, roads) -> list[Inject]:
    """Road changes by cause, the first on its own and the rest per block of :data:`BLOCK_H` hours;
    road-outage layers are left to :func:`outage_windows`. Each inject states the km its own cause
    closed or reopened in its minutes and the km closed in the whole network right after its last
    change, read from the road state's closures (``roads``, the run's
    :class:`~sim.world.road_layers.RoadLayers`: :func:`road_steps_of_layers`)."""
    hz = summary.get("hazard", {})
    every = events[events["kind"] == "road"].sort_values("time_min", kind="stable")
    road = every[~every["agent"].astype(str).str.startswith("road-outage")]
    if road.empty:
        return []
    steps, source = road_steps_of_layers(roads), "km from the road segments' closures (roads_closed.geojson)"
    out = []
    minutes = road["time_min"].to_numpy(dtype=float)
    hours = minutes / 60
    causes = [None if missing else cause for cause, missing in zip(road["item"].tolist(), road["item"].isna().tolist())]
    t_first = float(minutes[0])
    for cause in dict.fromkeys(c for m, c in zip(minutes.tolist(), causes) if m == t_first and c is not None):
        km = steps.change([t_first], str(cause))
        parts = [f"{km:,.0f} km of road closed"]
        if "road_segments_blocked" in hz:
            parts.append(f"{hz['road_segments_blocked']:,} street segments blocked")
        if "bridges_closed" in hz:
            parts.append(f"{hz['bridges_closed']:,} {'bridge' if hz['bridges_closed'] == 1 else 'bridges'} closed")
        out.append(Inject(t_first / 60, f"roads: {cause}: {', '.join(parts)}",
                          f"Traffic police: {cause}; {', '.join(parts)}.", "phone call", "traffic police", EOC,
                          "map the open routes; request road clearance towards cut-off sites",
                          "Critical Transportation; Situational Assessment", source, order=1))
    blocks: dict[tuple[int, str], list[float]] = {}         # (block, cause) -> minutes of its changes
    later = minutes > t_first
    for block, m, cause in zip(np.floor(hours[later] / BLOCK_H).astype(int).tolist(), minutes[later].tolist(),
                               [c for c, keep in zip(causes, later.tolist()) if keep]):
        if cause is not None:
            blocks.setdefault((block, cause), []).append(m)
    for (block, cause), group in sorted(blocks.items()):
        t0, t1 = group[0] / 60, group[-1] / 60
        what, sender, action, objective = _road_phrase(str(cause), len(group))
        closed, after = steps.change(group, str(cause)), steps.closed_after(group[-1])
        change = (f"{-closed:,.1f} km reopened" if closed < -0.05 else
                  f"{closed:,.1f} km more closed" if closed > 0.05 else "no road length reopened")
        when = f" between {run_clock(t0)} and {run_clock(t1)}" if t1 > t0 else ""
        out.append(Inject(t0, f"{what}{when}: {change}, {after:,.0f} km still closed",
                          f"{sender.capitalize()}: {what}; {change}; {after:,.0f} km of road remain closed.",
                          "situation report", sender, EOC, action, objective,
                          f"{len(group)} road events grouped by {BLOCK_H:g}-hour block; {source}", order=60))
    return out
