"""The road injects of the exercise event list state the km their own cause closed or reopened
in their minutes, and the km closed in the whole network right after their last change: read
from each segment's closures (the run's road state), never from the summary's series, whose
hours are rounded to 0.001 h."""
from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import sim
from sim.report import msel_roads
from sim.report.msel import msel_injects
from sim.report.msel_rows import BLOCK_H

COLUMNS = ["time_min", "kind", "agent", "zone", "item", "amount"]


def _events(rows) -> pd.DataFrame:
    return pd.DataFrame([(t, "road", agent, "", cause, 1.0) for t, agent, cause in rows],
                        columns=COLUMNS).sort_values("time_min", kind="stable")


def _synopses(events, summary, roads) -> list[str]:
    return [i.synopsis for i in msel_roads.road_changes(events, summary, roads)]


def _km(synopsis: str) -> float:
    """Signed km of an inject: closed positive, reopened negative."""
    found = re.search(r": ([\d.,]+) km (reopened|more closed|of road closed)", synopsis)
    if found is None:
        assert "no road length reopened" in synopsis, synopsis
        return 0.0
    return float(found.group(1).replace(",", "")) * (-1 if found.group(2) == "reopened" else 1)


def _stub_roads():
    """Road state of five segments (segment 1 has two edges): all closed by the earthquake at 0,
    a debris clearance and a bridge repair in the same minute, then two more clearances."""
    graph = SimpleNamespace(segment=np.array([0, 1, 1, 2, 3, 4]),
                            length_m=np.array([1000.0, 2000.0, 2000.0, 600.0, 1400.0, 3000.0]))
    closures = [(0, 0.0, 300.0, "earthquake damage", "debris cleared"),
                (4, 0.0, 300.0, "earthquake damage", "bridge repaired (minor)"),
                (2, 0.0, 330.0, "earthquake damage", "debris cleared"),
                (3, 0.0, 400.0, "earthquake damage", "debris cleared")]
    roads = SimpleNamespace(graph=graph, closures=closures,
                            still_closed=lambda: [(1, 0.0, "earthquake damage")])
    events = _events([(0.0, "hazard", "earthquake damage"), (300.0, "crew", "debris cleared"),
                      (300.0, "hazard", "bridge repaired (minor)"), (330.0, "crew", "debris cleared"),
                      (400.0, "crew", "debris cleared")])
    return events, {"hazard": {}}, roads


def test_road_injects_read_each_segment_s_closures_when_the_road_state_is_given():
    """Two causes reopening roads in the same minute are told apart by the closures."""
    events, summary, roads = _stub_roads()
    assert _synopses(events, summary, roads) == [
        "roads: earthquake damage: 8 km of road closed",
        "1 bridge repaired (minor): 3.0 km reopened, 4 km still closed",
        "road-repair crews cleared debris at 2 sites between H+05:00 and H+05:30: 1.6 km reopened, "
        "3 km still closed",
        "road-repair crews cleared debris at 1 site: 1.4 km reopened, 2 km still closed"]


def test_the_event_list_passes_the_road_state_to_the_road_injects():
    events, summary, roads = _stub_roads()
    summary.update({"run": {"duration_h": 12.0},
                    "kpi": {"affected_sites": 0, "relief": {"people_affected": 0, "people_needing_relief": 0,
                                                            "displaced": 0, "within": {}}}})
    zones = pd.DataFrame({"zone_id": ["Z1"], "township": ["T01"], "affected": [0], "hit_h": [0.0]})
    got = [i.synopsis for i in msel_injects(summary, zones, events, None, roads)]
    assert "1 bridge repaired (minor): 3.0 km reopened, 4 km still closed" in got


def _group_ends(events: pd.DataFrame) -> dict:
    """(block, cause) -> minute of its last change, for the road injects after the first minute."""
    road = events[(events["kind"] == "road") & ~events["agent"].astype(str).str.startswith("road-outage")]
    road = road.sort_values("time_min", kind="stable")
    first = float(road["time_min"].iloc[0])
    ends = {}
    for t, cause in zip(road["time_min"].tolist(), road["item"].tolist()):
        if t > first and isinstance(cause, str):
            ends[(int(np.floor(t / 60 / BLOCK_H)), cause)] = t
    return dict(sorted(ends.items()))


def _closed_after(run, minute: float) -> float:
    closed = run.world.road_layers.closed_km
    times = np.array([t for t, _ in closed])
    return float(closed[int(np.searchsorted(times, minute, side="right")) - 1][1])


@pytest.fixture(scope="module")
def m8():
    return sim.run("m8_earthquake")


@pytest.fixture(scope="module")
def rainfall():
    return sim.run("extreme_rainfall")


def _debris_km(synopses) -> float:
    return -sum(_km(s) for s in synopses if "cleared debris" in s)


def test_m8_debris_injects_add_up_to_the_km_crews_cleared(m8):
    """As msel.csv is written: the 12 debris-clearing injects of M8 make road_clearing.cleared_km
    (41.8 km), not 38.8 km."""
    cleared = m8.summary()["hazard"]["road_clearing"]["cleared_km"]
    synopses = m8.msel_frame()["Event Synopsis"].tolist()
    assert sum("cleared debris" in s for s in synopses) >= 10
    assert _debris_km(synopses) == pytest.approx(cleared, abs=0.3)


def test_rainfall_road_injects_state_what_their_cause_did(rainfall):
    synopses = rainfall.msel_frame()["Event Synopsis"].tolist()
    first = next(s for s in synopses if s.startswith("roads: rainfall"))
    assert first == "roads: rainfall: water rising: 13 km of road closed"
    pumping = next(s for s in synopses if s.startswith("pumping crews cleared 1 flooded point:"))
    assert pumping.startswith("pumping crews cleared 1 flooded point: 0.7 km reopened")


def test_rainfall_injects_agree_with_the_closures_and_with_each_other(rainfall):
    """Every block inject's km is what its cause closed or reopened in its minutes (from the
    closures), and its "still closed" is the network's closed km right after its last change."""
    summary, events = rainfall.summary(), rainfall.events_frame()
    layers = rainfall.world.road_layers
    injects = msel_roads.road_changes(events, summary, layers)
    later = [i for i in injects if i.order == 60]
    ends = _group_ends(events)
    assert len(later) == len(ends) > 5
    first = float(events.loc[events["kind"] == "road", "time_min"].min())
    km = dict(zip(layers._segment_ids.tolist(), (layers.graph.length_m[layers.first_edge] / 1000).tolist()))
    for inject, ((block, cause), end) in zip(later, ends.items()):
        in_block = [t for t in events.loc[(events["kind"] == "road") & (events["item"] == cause), "time_min"]
                    if t > first and int(np.floor(t / 60 / BLOCK_H)) == block]
        change = (sum(km[seg] for seg, since, _, why, _ in layers.closures if why == cause and since in in_block)
                  + sum(km[seg] for seg, since, why in layers.still_closed() if why == cause and since in in_block)
                  - sum(km[seg] for seg, _, until, _, how in layers.closures if how == cause and until in in_block))
        assert _km(inject.synopsis) == pytest.approx(change, abs=0.051), inject.synopsis
        still = int(re.search(r"([\d,]+) km still closed", inject.synopsis).group(1).replace(",", ""))
        assert still == int(round(_closed_after(rainfall, end))), inject.synopsis
