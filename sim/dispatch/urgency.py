"""Which zone comes first: urgency by the deadline each zone is closest to missing.

Every open need has a deadline from the planning targets: a zone that has had
no supplies from a district or city depot must get its **first batch** within
the district-supplies target of being hit (3 h [TZ]); its people's first-day
needs must be on site within the relief target (8 h [TZ]); later needs
(tomorrow's rations) are due when they arise. Zones are served in three
tiers — first batches, then relief, then resupply — and within a tier by
**least slack** (deadline minus the estimated arrival of this truck): the
earliest-deadline-first rule, which meets every deadline whenever any order
can (Jackson 1955; Liu & Layland 1973). Zones that can no longer make their
deadline come after those that still can, oldest deadline first, so a lost
cause does not make a savable zone late too. Ties go to the zone with more
vulnerable affected people.
"""
from __future__ import annotations

import numpy as np

__all__ = ["urgency_order", "FIRST_BATCH", "RELIEF", "RESUPPLY"]

FIRST_BATCH, RELIEF, RESUPPLY = 0, 1, 2


def urgency_order(tier: np.ndarray, deadline_min: np.ndarray, arrival_min: np.ndarray,
                  vulnerable: np.ndarray) -> np.ndarray:
    """Row indices in urgency order (see the module docstring)."""
    slack = deadline_min - arrival_min
    late = slack < 0
    # Feasible rows by slack; late rows by deadline (keys from last to first for lexsort).
    key = np.where(late, deadline_min, slack)
    return np.lexsort((-vulnerable, key, late, tier))
