"""Small worlds for engine tests: CSV road networks with known lengths and
speeds, zones on their nodes, and scenario YAML around them."""
from __future__ import annotations

from pathlib import Path

import yaml


def write_network(tmp: Path, nodes: list[tuple[int, float, float]], edges: list[tuple]) -> dict:
    """nodes: (id, lon, lat); edges: (u, v, length_m, speed_kmh[, oneway[, bridge]])."""
    (tmp / "nodes.csv").write_text("id,lon,lat\n" + "".join(f"{i},{lon},{lat}\n" for i, lon, lat in nodes))
    rows = []
    for e in edges:
        u, v, length, speed = e[:4]
        oneway = e[4] if len(e) > 4 else False
        bridge = e[5] if len(e) > 5 else False
        rows.append(f"{u},{v},{length},{speed},{str(oneway).lower()},{str(bridge).lower()},local\n")
    (tmp / "edges.csv").write_text("u,v,length_m,speed_kmh,oneway,bridge,class\n" + "".join(rows))
    return {"csv": {"nodes": "nodes.csv", "edges": "edges.csv"}}


def write_zones(tmp: Path, zones: list[tuple[str, int, int, float]], township: str = "T01") -> str:
    """zones: (zone_id, node id, population, vulnerable_share)."""
    (tmp / "zones.csv").write_text("zone_id,township,node,population,vulnerable_share\n"
                                   + "".join(f"{z},{township},{n},{p},{v}\n" for z, n, p, v in zones))
    return "zones.csv"


def line_world(tmp: Path, n: int = 4, length_m: float = 10_000.0, speed_kmh: float = 60.0) -> dict:
    """Nodes 1..n on a line, each edge ``length_m`` at ``speed_kmh``."""
    nodes = [(i, 116.5 + 0.1 * i, 39.8) for i in range(1, n + 1)]
    edges = [(i, i + 1, length_m, speed_kmh) for i in range(1, n)]
    return {"network": write_network(tmp, nodes, edges)}


def scenario_doc(region: dict, depots: list[dict], **extra) -> dict:
    doc = {
        "name": "test world",
        "seed": 7,
        "duration": "24h",
        "region": {"snap_limit": "50km", **region},
        "targets": {"preset": "tongzhou-2030"},
        # Hand-checked worlds: every person needing relief needs it on day one, and every
        # displaced person seeks a public shelter (the defaults differ: sim.world.conditions).
        "needs": {"water_l": 3, "food_ration": 1, "bedding": 0, "public_shelter_share": 1.0},
        "household_reserve": {"share": 0.0},
        "command": {"report_delay": "30min", "order_delay": "5min"},
        "policy": {"dispatch": "priority_nearest"},
        "depots": depots,
    }
    doc.update(extra)
    return doc


def depot(depot_id: str, node: int, *, water=10_000, food=5_000, trucks=1, payload=5_000, tier="district",
          load="20min", unload="15min", bays=1, **extra) -> dict:
    d = {"id": depot_id, "tier": tier, "at": {"node": node},
         "stock": {"water_l": water, "food_ration": food},
         "trucks": {"count": trucks, "payload_kg": payload}, "loading_bays": bays,
         "load_time": load, "unload_time": unload}
    d.update(extra)
    return d


def write_scenario(tmp: Path, doc: dict, name: str = "scenario.yaml") -> Path:
    path = tmp / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def everywhere_impact(affected_share: float = 0.5, displaced_share: float = 0.0) -> dict:
    return {"area": {"everywhere": True}, "zone_share": 1.0, "affected_share": affected_share,
            "displaced_share": displaced_share, "spread": 0.0}


def load_benchmark(name: str):
    """The module of ``benchmarks/<name>.py`` (benchmarks are scripts, not a package)."""
    import importlib.util

    import sys

    path = Path(__file__).resolve().parents[1] / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"benchmark_{name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module          # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module
