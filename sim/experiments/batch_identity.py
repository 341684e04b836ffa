"""What identifies a batch (:mod:`sim.experiments.batch`): the code that ran it, its scenario
and variants by their SHA-256, and the files their regions read, as ``batch.json`` records
them so that a resumed batch, or a comparison, never pools rows of two worlds."""
from __future__ import annotations

import subprocess
from pathlib import Path

from sim.experiments.sweep import SweepAxis, Variant, scenario_hash

__all__ = ["code_version", "code_text", "batch_identity", "per_region", "region_files_sha256"]


def code_version() -> dict:
    """``sim.__version__`` and the git commit of the checkout it runs from (if any)."""
    from sim.version import __version__

    commit = None
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parent,
                              capture_output=True, text=True, timeout=5)
        if done.returncode == 0:
            commit = done.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        pass
    return {"version": __version__, "git_commit": commit}


def code_text(code: dict) -> str:
    """The code a batch ran with, for a message: ``sim 1.2.3 at 0123456789``."""
    commit = code.get("git_commit")
    return f"sim {code.get('version')}" + (f" at {commit[:10]}" if commit else "")


def batch_identity(scenario, variants: list[Variant], axes: list[SweepAxis]) -> dict:
    """What ``batch.json`` records to recognise the batch on resume: the scenario's and each
    variant's SHA-256, the sweep, and the files each variant's region reads."""
    hashes = per_region(variants, lambda v: region_files_sha256(v.scenario.region, v.base_dir))
    return {
        "scenario": scenario.name,
        "scenario_sha256": scenario_hash(scenario),
        "sweep": [{"path": a.path, "values": list(a.values)} for a in axes],
        "variants": [{"index": i, "name": v.name, "values": v.values, "scenario_sha256": v.scenario_sha256,
                      "region_files": hashes[i]} for i, v in enumerate(variants)],
    }


def per_region(variants: list[Variant], work) -> list:
    """``work(variant)`` for each variant, done once per distinct region (its section and
    folder): a sweep of many variants on one region reads its files once."""
    done: dict[tuple[str, str], object] = {}
    out = []
    for v in variants:
        key = (v.scenario.region.model_dump_json(), str(v.base_dir))
        if key not in done:
            done[key] = work(v)
        out.append(done[key])
    return out


def region_files_sha256(region, base_dir: Path | str) -> dict[str, str]:
    """The SHA-256 of each file the region reads (its road network and zones tables), by the
    path the scenario gives: a batch resumed after one of them changed would pool two worlds
    in one table, and the scenario's own hash does not see them."""
    import hashlib

    network, zones = region.network, region.zones
    names = [network.osm, network.graphml, network.dimacs, zones.csv]
    if network.csv is not None:
        names += [network.csv.nodes, network.csv.edges]
    out = {}
    for name in (n for n in names if n):
        path = Path(base_dir) / name
        digest = hashlib.sha256()
        try:
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
        except OSError:
            continue                        # the world check has said what is wrong with it
        out[str(name)] = digest.hexdigest()
    return out
