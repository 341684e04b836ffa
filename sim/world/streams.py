"""One seed per run, one independent random stream per component.

``streams(seed)`` gives each component (impact, reporting, hazard, …) its own
``numpy.random.Generator`` spawned from ``numpy.random.SeedSequence(seed)`` by a
fixed key, so adding a component never shifts another's draws, and a
before/after pair on the same seed shares the hazard and demand draws
(common random numbers).
"""
from __future__ import annotations

import numpy as np

__all__ = ["STREAMS", "stream", "replication_seed"]

#: Fixed spawn keys: never renumber, only append.
STREAMS = {"impact": 0, "reporting": 1, "hazard": 2, "shelter": 3, "travel": 4, "outages": 5, "teams": 6}


def stream(seed: int, component: str) -> np.random.Generator:
    """The random generator of ``component`` for a run with ``seed``."""
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(STREAMS[component],)))


def replication_seed(seed: int, replication: int) -> int:
    """Seed of replication ``replication`` of a batch with base ``seed``.

    Every variant of a batch uses the same replication seeds (common random
    numbers), and they do not depend on how many replications are run.
    """
    state = np.random.SeedSequence(entropy=seed, spawn_key=(1000, replication)).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))
