"""One seed per run, one independent random stream per component.

:func:`stream` gives each component (impact, reporting, hazard, each outage
window, …) its own ``numpy.random.Generator`` spawned from
``numpy.random.SeedSequence(seed)`` by a fixed key, so adding or changing a
component never shifts another's draws, and a before/after pair on the same
seed shares the hazard, demand, reporting and outage draws (common random
numbers). Within a component, draws are made per fixed entity (one per zone
of the zone table, one per road segment of the graph), never per "entity
that happens to be selected", so widening an area or raising a share draws
nothing new for the entities already covered.

Dispatch and team assignment draw nothing: their tie-breaks are by index.
"""
from __future__ import annotations

import numpy as np

__all__ = ["STREAMS", "MAX_SEED", "stream", "replication_seed"]

#: Largest seed of a run: seeds are 64-bit in results tables (replication seeds stay below it).
MAX_SEED = 2**63 - 1

#: Fixed spawn keys: never renumber, only append. (5: a retired shared outage stream.)
STREAMS = {"impact": 0, "reporting": 1, "hazard": 2, "shelter": 3, "travel": 4, "teams": 6,
           "road_outages": 7, "comms_outages": 8, "conditions": 9, "forecast": 10, "rescue": 11, "hazard_comms": 12}


def stream(seed: int, component: str, *index: int) -> np.random.Generator:
    """The random generator of ``component`` (and of its ``index``-th part, e.g.
    the second road outage window) for a run with ``seed``."""
    key = (STREAMS[component], *(int(i) for i in index))
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=key))


def replication_seed(seed: int, replication: int) -> int:
    """Seed of replication ``replication`` of a batch with base ``seed``.

    Every variant of a batch uses the same replication seeds (common random
    numbers), and they do not depend on how many replications are run.
    """
    state = np.random.SeedSequence(entropy=seed, spawn_key=(1000, replication)).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))
